// The stray sweep against a simulated process table: a daemon that forks while it is stopped.
import { describe, expect, it } from 'vitest';
import { findStraysAndStop } from '../../src/supervisor/sweep.js';
import { FakeClock } from '../support/fake-clock.js';

/** A process table where `forker` (while alive, ignoring SIGTERM) adds a child on every search. */
function forkingTable(options: { ignoresTerm: boolean }) {
  let next = 100;
  const alive = new Set([1, 2]);
  const signals: [number, NodeJS.Signals][] = [];
  return {
    alive,
    signals,
    find: (): number[] => {
      if (alive.has(1)) alive.add(next++);
      return [...alive];
    },
    signal: (pid: number, signal: NodeJS.Signals): void => {
      signals.push([pid, signal]);
      if (signal === 'SIGKILL' || (signal === 'SIGTERM' && (!options.ignoresTerm || pid !== 1))) alive.delete(pid);
    },
  };
}

async function settle(clock: FakeClock, done: Promise<void>): Promise<boolean> {
  let finished = false;
  void done.then(() => (finished = true));
  for (let i = 0; i < 500 && !finished; i++) {
    clock.advance(10);
    await Promise.resolve();
  }
  return finished;
}

describe('findStraysAndStop', () => {
  it('sends SIGCONT right after SIGTERM to each stray, so a stopped one can handle it', async () => {
    const clock = new FakeClock();
    const table = forkingTable({ ignoresTerm: false });
    const reports: string[] = [];
    const done = findStraysAndStop({ ...table, clock, timeoutMs: 1000, report: (pids, s) => reports.push(`${s} ${pids.length}`) });
    expect(await settle(clock, done)).toBe(true);
    const first = table.signals.slice(0, 6).map(([pid, s]) => `${pid}:${s}`);
    expect(first).toEqual(['1:SIGTERM', '2:SIGTERM', '100:SIGTERM', '1:SIGCONT', '2:SIGCONT', '100:SIGCONT']);
    expect(table.alive.size).toBe(0);
    expect(reports).toEqual(['SIGTERM 3']);
  });

  it('a TERM-ignoring daemon that keeps forking: SIGTERM to each new child, then SIGKILL rounds until none is left', async () => {
    const clock = new FakeClock();
    const table = forkingTable({ ignoresTerm: true });
    const reports: string[] = [];
    const done = findStraysAndStop({ ...table, clock, timeoutMs: 100, report: (pids, s) => reports.push(s) });
    expect(await settle(clock, done)).toBe(true);
    expect(table.alive.size).toBe(0);
    expect(reports).toEqual(['SIGTERM', 'SIGKILL']);
    // Children forked during the grace period got SIGTERM too, not only the first ones found.
    const termed = new Set(table.signals.filter(([, s]) => s === 'SIGTERM').map(([pid]) => pid));
    expect(termed.size).toBeGreaterThan(3);
    // Its last child, forked during the first SIGKILL round, was found and killed by a later one.
    const killed = table.signals.filter(([, s]) => s === 'SIGKILL').map(([pid]) => pid);
    expect(killed).toContain(Math.max(...table.signals.map(([pid]) => pid)));
  });

  it('gives up after the kill rounds when processes cannot be killed', async () => {
    const clock = new FakeClock();
    const done = findStraysAndStop({
      find: () => [7],
      signal: () => undefined,
      clock,
      timeoutMs: 100,
      report: () => undefined,
    });
    expect(await settle(clock, done)).toBe(true);
    expect(clock.now()).toBeGreaterThanOrEqual(1100);
  });

  it('does nothing when nothing left its group', async () => {
    const clock = new FakeClock();
    const signals: number[] = [];
    await findStraysAndStop({ find: () => [], signal: (pid) => signals.push(pid), clock, timeoutMs: 100, report: () => undefined });
    expect(signals).toEqual([]);
  });

  it('kill mode from the start (a second Ctrl-C): SIGKILL at once, no SIGTERM, no grace period', async () => {
    const clock = new FakeClock();
    const table = forkingTable({ ignoresTerm: true });
    const reports: string[] = [];
    const done = findStraysAndStop({ ...table, clock, timeoutMs: 60_000, report: (pids, s) => reports.push(s), killing: () => true });
    expect(await settle(clock, done)).toBe(true);
    expect(table.alive.size).toBe(0);
    expect(reports).toEqual(['SIGKILL']);
    expect(table.signals.filter(([, s]) => s !== 'SIGKILL')).toEqual([]);
    expect(clock.now()).toBeLessThan(1000);
  });

  it('kill mode during the grace period: the SIGKILL rounds start at the next probe, not after the timeout', async () => {
    const clock = new FakeClock();
    const table = forkingTable({ ignoresTerm: true });
    const reports: string[] = [];
    let killing = false;
    const done = findStraysAndStop({ ...table, clock, timeoutMs: 60_000, report: (pids, s) => reports.push(s), killing: () => killing });
    for (let i = 0; i < 5; i++) {
      clock.advance(10);
      await Promise.resolve();
    }
    expect(reports).toEqual(['SIGTERM']);
    killing = true;
    const killedAt = clock.now();
    expect(await settle(clock, done)).toBe(true);
    expect(reports).toEqual(['SIGTERM', 'SIGKILL']);
    expect(table.alive.size).toBe(0);
    expect(clock.now() - killedAt).toBeLessThan(1000);
  });
});
