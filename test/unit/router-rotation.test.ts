// The rotation table: admit, remove, drain, down and probed back, waiting for a ready instance. Fake clock and probe.
import { describe, expect, it } from 'vitest';
import { Rotation } from '../../src/router/rotation.js';
import { FakeClock } from '../support/fake-clock.js';

function setup(probeAnswers: boolean[] = []) {
  const clock = new FakeClock();
  const probes: number[] = [];
  const answers = [...probeAnswers];
  const left: string[] = [];
  const rotation = new Rotation({
    balance: 'round-robin',
    clock,
    probe: async (port) => {
      probes.push(clock.now());
      void port;
      return answers.shift() ?? false;
    },
    onLeave: (m) => left.push(m.name),
  });
  const flush = () => new Promise<void>((r) => setImmediate(r));
  const states = () => rotation.list().map((m) => `${m.name}:${m.state}`);
  return { clock, rotation, probes, left, flush, states };
}

describe('Rotation', () => {
  it('picks only admitted instances, in turn', () => {
    const { rotation } = setup();
    expect(rotation.pick()).toBeUndefined();
    rotation.admit('web.1', 5000);
    rotation.admit('web.2', 5001);
    expect([1, 2, 3, 4].map(() => rotation.pick()?.name)).toEqual(['web.1', 'web.2', 'web.1', 'web.2']);
  });

  it('remove takes an instance out at once and forgets it', () => {
    const { rotation, left, states } = setup();
    rotation.admit('web.1', 5000);
    rotation.admit('web.2', 5001);
    rotation.remove('web.1');
    expect([rotation.pick()?.name, rotation.pick()?.name]).toEqual(['web.2', 'web.2']);
    expect(left).toEqual(['web.1']);
    expect(states()).toEqual(['web.2:in']);
  });

  it('re-admitting on another port replaces the instance (its pool goes)', () => {
    const { rotation, left } = setup();
    rotation.admit('web.1', 5000);
    rotation.admit('web.1', 5000);
    expect(left).toEqual([]);
    rotation.admit('web.1', 6000);
    expect(left).toEqual(['web.1']);
    expect(rotation.get('web.1')?.port).toBe(6000);
  });

  it('a down instance is probed with back-off and comes back in when it accepts', async () => {
    const { rotation, clock, probes, flush, states } = setup([false, false, true]);
    const member = rotation.admit('web.1', 5000);
    rotation.markDown(member);
    expect(states()).toEqual(['web.1:down']);
    expect(rotation.pick()).toBeUndefined();
    for (let i = 0; i < 10; i++) {
      clock.advance(25);
      await flush();
    }
    // 25, then +50, then +100 ms: three probes, the third answered.
    expect(probes).toEqual([25, 75, 175]);
    expect(states()).toEqual(['web.1:in']);
    expect(clock.pending).toBe(0);
  });

  it('a removed instance stops being probed', async () => {
    const { rotation, clock, probes, flush } = setup([false]);
    rotation.markDown(rotation.admit('web.1', 5000));
    rotation.remove('web.1');
    clock.advance(10_000);
    await flush();
    expect(probes).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it('a request waits for an instance, then gets the first one admitted', async () => {
    const { rotation, clock } = setup();
    const waiting = rotation.waitForReady(3000);
    clock.advance(1000);
    rotation.admit('web.1', 5000);
    expect((await waiting)?.name).toBe('web.1');
    expect(clock.pending).toBe(0);
  });

  it('a waiter gets an instance admitted just before its deadline; one that waits past it gets nothing', async () => {
    const { rotation, clock } = setup();
    const waiting = rotation.waitForReady(3000);
    clock.advance(2999);
    rotation.markDown(rotation.admit('web.1', 5000)); // in, then at once down: the waiter already got it
    expect((await waiting)?.name).toBe('web.1');
    const second = rotation.waitForReady(3000);
    clock.advance(3000);
    expect(await second).toBeUndefined();
  });

  it('drain holds new requests off and resolves when the last one in flight ends', async () => {
    const { rotation, states } = setup();
    const member = rotation.admit('web.1', 5000);
    rotation.admit('web.2', 5001);
    rotation.begin(member);
    rotation.begin(member);
    let drained = false;
    const draining = rotation.drain('web.1', 5000).then(() => (drained = true));
    expect(states()).toEqual(['web.1:draining', 'web.2:in']);
    expect([rotation.pick()?.name, rotation.pick()?.name]).toEqual(['web.2', 'web.2']);
    rotation.end(member);
    await Promise.resolve();
    expect(drained).toBe(false);
    rotation.end(member);
    await draining;
    expect(states()).toEqual(['web.1:out', 'web.2:in']);
    rotation.admit('web.1', 5000);
    expect(states()).toEqual(['web.1:in', 'web.2:in']);
  });

  it('drain gives up waiting at its timeout', async () => {
    const { rotation, clock, states } = setup();
    rotation.begin(rotation.admit('web.1', 5000));
    const draining = rotation.drain('web.1', 2000);
    clock.advance(1999);
    expect(states()).toEqual(['web.1:draining']);
    clock.advance(1);
    await draining;
    expect(states()).toEqual(['web.1:out']);
  });

  it('drain of an idle or unknown instance resolves at once', async () => {
    const { rotation, states } = setup();
    rotation.admit('web.1', 5000);
    await rotation.drain('web.1', 2000);
    await rotation.drain('web.9', 2000);
    expect(states()).toEqual(['web.1:out']);
  });
});
