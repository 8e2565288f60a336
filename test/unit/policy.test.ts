// Restart policy: back-off, crash detection, exit status, and the decision after each exit. Pure.
import { describe, expect, it } from 'vitest';
import { decideAfterExit, exitStatus, isCrash, nextBackoff, type ExitInfo, type RestartPolicy } from '../../src/supervisor/policy.js';

const exit = (over: Partial<ExitInfo>): ExitInfo => ({ code: 0, signal: null, signalledByUs: false, uptimeMs: 50, ...over });
const crash = exit({ code: 1 });
const clean = exit({ code: 0 });

describe('nextBackoff', () => {
  it.each([
    [1, 100],
    [2, 200],
    [3, 400],
    [4, 800],
    [5, 1600],
    [6, 3200],
    [7, 6400],
    [8, 10_000],
    [9, 10_000],
    [50, 10_000],
    [10_000, 10_000],
  ])('restart %i waits %i ms', (attempt, ms) => {
    expect(nextBackoff(attempt)).toBe(ms);
  });
});

describe('isCrash', () => {
  it.each<[string, Partial<ExitInfo>, boolean]>([
    ['exit 0', { code: 0 }, false],
    ['exit 1', { code: 1 }, true],
    ['exit 255', { code: 255 }, true],
    ['a signal ps-run did not send', { code: null, signal: 'SIGSEGV' }, true],
    ['SIGTERM from someone else', { code: null, signal: 'SIGTERM' }, true],
    ['a signal ps-run sent', { code: null, signal: 'SIGTERM', signalledByUs: true }, false],
    ['SIGKILL ps-run sent', { code: null, signal: 'SIGKILL', signalledByUs: true }, false],
  ])('%s -> %s', (_what, over, expected) => {
    expect(isCrash(exit(over))).toBe(expected);
  });
});

describe('exitStatus', () => {
  it.each<[number | null, NodeJS.Signals | null, number]>([
    [0, null, 0],
    [3, null, 3],
    [null, 'SIGINT', 130],
    [null, 'SIGTERM', 143],
    [null, 'SIGHUP', 129],
    [null, 'SIGKILL', 137],
  ])('code %s signal %s -> %i', (code, signal, status) => {
    expect(exitStatus({ code, signal })).toBe(status);
  });
});

describe('decideAfterExit', () => {
  const none = { restarts: 0, crashes: 0 };

  it.each<[RestartPolicy, ExitInfo, string]>([
    ['on-failure', crash, 'restart'],
    ['on-failure', clean, 'done'],
    ['always', crash, 'restart'],
    ['always', clean, 'restart'],
    ['never', crash, 'stop-all'],
    ['never', clean, 'done'],
    ['on-failure', exit({ code: null, signal: 'SIGSEGV' }), 'restart'],
    ['never', exit({ code: null, signal: 'SIGKILL' }), 'stop-all'],
  ])('%s after %o -> %s', (policy, info, action) => {
    expect(decideAfterExit(policy, undefined, info, none).action).toBe(action);
  });

  it('grows the delay through a streak of crashes', () => {
    let streak = none;
    const delays: number[] = [];
    for (let i = 0; i < 10; i++) {
      const decision = decideAfterExit('on-failure', undefined, crash, streak);
      if (decision.action !== 'restart') throw new Error(`expected a restart, got ${decision.action}`);
      delays.push(decision.delayMs);
      streak = decision.streak;
    }
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000]);
  });

  it('starts afresh after a run of 10 s, not before', () => {
    const streak = { restarts: 5, crashes: 5 };
    expect(decideAfterExit('on-failure', undefined, exit({ code: 1, uptimeMs: 9_999 }), streak)).toMatchObject({ delayMs: 3200 });
    expect(decideAfterExit('on-failure', undefined, exit({ code: 1, uptimeMs: 10_000 }), streak)).toMatchObject({
      delayMs: 100,
      streak: { restarts: 1, crashes: 1 },
    });
  });

  it('gives up after max-restarts crashes in a row', () => {
    expect(decideAfterExit('on-failure', 2, crash, { restarts: 1, crashes: 1 }).action).toBe('restart');
    expect(decideAfterExit('on-failure', 2, crash, { restarts: 2, crashes: 2 })).toEqual({ action: 'give-up', crashes: 3 });
    expect(decideAfterExit('always', 0, crash, none)).toEqual({ action: 'give-up', crashes: 1 });
  });

  it('does not count clean exits under always as crashes', () => {
    const decision = decideAfterExit('always', 1, clean, { restarts: 4, crashes: 1 });
    expect(decision).toMatchObject({ action: 'restart', streak: { crashes: 0 } });
  });

  it('max-restarts resets with a long run', () => {
    expect(decideAfterExit('on-failure', 2, exit({ code: 1, uptimeMs: 20_000 }), { restarts: 2, crashes: 2 }).action).toBe('restart');
  });
});
