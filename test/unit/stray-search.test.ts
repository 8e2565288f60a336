// The stray search's memory of pids that are not of the run, against a simulated process table:
// what it reads, what it skips, and that it forgets when the pid counter wraps.
import { describe, expect, it } from 'vitest';
import { StraySearch, keepLearning, type ProcessTable } from '../../src/supervisor/strays.js';
import { SESSION_VARIABLE } from '../../src/supervisor/watchdog.js';
import { FakeClock } from '../support/fake-clock.js';

const SESSION = 's1';

/** Processes by pid, each with an environment; counts environ reads; the pid counter can be set. */
function table(initial: Record<number, string | undefined>) {
  const processes = new Map<number, string | undefined>(Object.entries(initial).map(([pid, env]) => [Number(pid), env]));
  const state = { reads: 0, counter: 1000 as number | undefined };
  const proc: ProcessTable = {
    pids: () => [...processes.keys()],
    environ: (pid) => {
      state.reads++;
      const env = processes.get(pid);
      // '' is an empty read (a process in the middle of an exec); undefined, one that cannot be read.
      return env === undefined ? undefined : env === '' ? Buffer.alloc(0) : Buffer.from(`${env}\0`);
    },
    lastPid: () => state.counter,
  };
  return { processes, state, proc };
}

const ours = `HOME=/x\0${SESSION_VARIABLE}=${SESSION}`;
const foreign = 'HOME=/y';

describe('StraySearch', () => {
  it('reads a pid found not of the run once, and every pid of the run at each search', () => {
    const t = table({ 10: foreign, 11: foreign, 12: ours, 13: `${SESSION_VARIABLE}=${SESSION}x` });
    const search = new StraySearch(SESSION, new Set([1]), t.proc);
    expect(search.find()).toEqual([12]);
    expect(t.state.reads).toBe(4);
    t.state.reads = 0;
    t.processes.set(20, ours);
    t.processes.set(21, foreign);
    expect(search.find()).toEqual([12, 20]);
    // 12 (ours), and the two new ones; 10, 11 and 13 are known not to be of the run.
    expect(t.state.reads).toBe(3);
  });

  it('forgets everything when the pid counter goes back (a wrap: a pid may now be reused by the run)', () => {
    const t = table({ 10: foreign, 11: foreign });
    const search = new StraySearch(SESSION, new Set(), t.proc);
    expect(search.find()).toEqual([]);
    t.processes.delete(10);
    t.processes.set(10, ours); // pid 10 reused, by a process of the run
    t.state.counter = 5;
    t.state.reads = 0;
    expect(search.find()).toEqual([10]);
    expect(t.state.reads).toBe(2);
  });

  it('remembers nothing when the pid counter cannot be read', () => {
    const t = table({ 10: foreign, 11: ours });
    t.state.counter = undefined;
    const search = new StraySearch(SESSION, new Set(), t.proc);
    expect(search.learn(100)).toBe(true);
    expect(t.state.reads).toBe(0);
    expect(search.find()).toEqual([11]);
    expect(search.find()).toEqual([11]);
    expect(t.state.reads).toBe(4);
  });

  it('learns in slices, skips excluded pids, and then a search reads only the run and what is new', () => {
    const initial: Record<number, string> = { 1: ours };
    for (let pid = 100; pid < 110; pid++) initial[pid] = foreign;
    initial[110] = ours;
    const t = table(initial);
    const search = new StraySearch(SESSION, new Set([1]), t.proc);
    expect(search.learn(4)).toBe(false);
    expect(search.learn(4)).toBe(false);
    expect(search.learn(4)).toBe(true);
    expect(t.state.reads).toBe(11);
    t.state.reads = 0;
    t.processes.set(200, foreign);
    expect(search.find()).toEqual([110]);
    expect(t.state.reads).toBe(2);
  });

  it('does not remember a process from an empty or failed read (mid-exec, or unreadable): it is read again', () => {
    const t = table({ 10: '', 11: undefined, 12: foreign });
    const search = new StraySearch(SESSION, new Set(), t.proc);
    expect(search.find()).toEqual([]);
    // 10 finished its exec with the run's marker in its new environment.
    t.processes.set(10, ours);
    t.state.reads = 0;
    expect(search.find()).toEqual([10]);
    expect(t.state.reads).toBe(2);
  });

  it('seeded before the run starts anything: reads no environment then, and later only what is new', () => {
    const t = table({ 10: foreign, 11: foreign, 1: ours });
    const search = new StraySearch(SESSION, new Set([1]), t.proc);
    search.seed();
    expect(t.state.reads).toBe(0);
    t.processes.set(12, ours);
    expect(search.find()).toEqual([12]);
    expect(t.state.reads).toBe(1);
  });

  it('a seed is worth nothing once the counter wraps, nor where it cannot be read', () => {
    const t = table({ 10: ours });
    const search = new StraySearch(SESSION, new Set(), t.proc);
    search.seed();
    t.state.counter = 3;
    expect(search.find()).toEqual([10]);
    const blind = table({ 10: ours });
    blind.state.counter = undefined;
    const other = new StraySearch(SESSION, new Set(), blind.proc);
    other.seed();
    expect(other.find()).toEqual([10]);
  });

  it('forgets a pid that is gone, so the set does not grow for ever', () => {
    const t = table({ 10: foreign });
    const search = new StraySearch(SESSION, new Set(), t.proc);
    search.find();
    t.processes.delete(10);
    search.find();
    // Back with the same number without a wrap cannot happen on Linux; if it did, it is read again.
    t.processes.set(10, ours);
    expect(search.find()).toEqual([10]);
  });
});

describe('keepLearning', () => {
  it('learns after a second and then every fifth, in slices of its own task each, checks the counter every second, and stops', () => {
    const initial: Record<number, string> = {};
    for (let pid = 100; pid < 700; pid++) initial[pid] = foreign;
    const t = table(initial);
    const clock = new FakeClock();
    // Reads per timer callback: no task may read more than one slice.
    const perTask: number[] = [];
    const timed = {
      now: () => clock.now(),
      clearTimeout: (handle: unknown) => clock.clearTimeout(handle),
      setTimeout: (callback: () => void, ms: number) =>
        clock.setTimeout(() => {
          const before = t.state.reads;
          callback();
          perTask.push(t.state.reads - before);
        }, ms),
    };
    const search = new StraySearch(SESSION, new Set(), t.proc);
    const stop = keepLearning(search, timed, 256);
    clock.advance(999);
    expect(t.state.reads).toBe(0);
    clock.advance(1);
    expect(t.state.reads).toBe(600);
    expect(perTask).toEqual([256, 256, 88]);
    t.processes.set(900, foreign);
    clock.advance(4999);
    expect(t.state.reads).toBe(600);
    clock.advance(1);
    expect(t.state.reads).toBe(601);
    stop();
    t.processes.set(901, foreign);
    clock.advance(10_000);
    expect(t.state.reads).toBe(601);
    expect(clock.pending).toBe(0);
  });
});
