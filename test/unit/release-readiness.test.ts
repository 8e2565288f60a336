// `release:` is a one-shot (Heroku's release phase): its readiness check defaults to `exit`.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../support/fake-clock.js';
import type { InstancePlan } from '../../src/plan.js';
import { checkFor, parseReadySpecs } from '../../src/readiness/spec.js';
import { ReadinessTracker, type ReadinessEvent } from '../../src/readiness/tracker.js';

describe('checkFor: release', () => {
  it('defaults to exit for release, and leaves web and the others as they were', () => {
    const none = new Map();
    expect(checkFor('release', none)).toEqual({ kind: 'exit' });
    expect(checkFor('web', none)).toEqual({ kind: 'port' });
    expect(checkFor('worker', none)).toEqual({ kind: 'alive' });
    // Only the exact name: a type that merely starts with it is an ordinary process.
    expect(checkFor('release-notes', none)).toEqual({ kind: 'alive' });
    expect(checkFor('Release', none)).toEqual({ kind: 'alive' });
  });

  it('lets an explicit --ready win', () => {
    expect(checkFor('release', parseReadySpecs(['release=alive']))).toEqual({ kind: 'alive' });
    expect(checkFor('release', parseReadySpecs(['release=log:migrated']))).toMatchObject({ kind: 'log' });
  });

  it('does not take a default from the prototype of a plain object', () => {
    expect(checkFor('constructor', new Map())).toEqual({ kind: 'alive' });
    expect(checkFor('toString', new Map())).toEqual({ kind: 'alive' });
  });
});

describe('ReadinessTracker: release', () => {
  function track(): { tracker: ReadinessTracker; events: ReadinessEvent[] } {
    const plans: InstancePlan[] = [{ name: 'release.1', type: 'release', index: 1, command: 'true', port: 5000, env: {} }];
    const tracker = new ReadinessTracker(plans, new Map(), { clock: new FakeClock(0), settleMs: 1000 });
    const events: ReadinessEvent[] = [];
    tracker.on((event) => events.push(event));
    tracker.handle({ kind: 'spawn', name: 'release.1', pid: 100, port: 5000 });
    return { tracker, events };
  }

  it('is ready when release exits 0, without --ready', () => {
    const { tracker, events } = track();
    expect(tracker.allReady()).toBe(false);
    tracker.handle({ kind: 'exit', name: 'release.1', code: 0, signal: null, crashed: false, requested: false });
    expect(events).toEqual([{ kind: 'ready', name: 'release.1', port: 5000, check: 'exit', afterMs: 0 }]);
    expect(tracker.allReady()).toBe(true);
  });

  it('is not ready when release fails', () => {
    const { tracker, events } = track();
    tracker.handle({ kind: 'exit', name: 'release.1', code: 1, signal: null, crashed: true, requested: false });
    expect(events).toMatchObject([{ kind: 'not-ready', name: 'release.1', check: 'exit' }]);
    expect(tracker.allReady()).toBe(false);
  });
});
