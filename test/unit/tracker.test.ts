// ReadinessTracker driven by a fake clock and fake probes: no network, no real time.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../support/fake-clock.js';
import type { InstancePlan } from '../../src/plan.js';
import { parseReadySpecs } from '../../src/readiness/spec.js';
import { OutputHub } from '../../src/output/hub.js';
import type { PipeSink } from '../../src/supervisor/instance.js';
import { ReadinessTracker, type ReadinessEvent } from '../../src/readiness/tracker.js';

/** A probe whose every call waits until the test answers it. */
class FakeProbe {
  readonly calls: { args: unknown[]; answer: (ok: boolean) => void }[] = [];
  readonly fn = (...args: unknown[]): Promise<boolean> =>
    new Promise<boolean>((resolve) => {
      this.calls.push({ args, answer: resolve });
    });

  /** Answers the latest call and lets the tracker react. */
  async answer(ok: boolean): Promise<void> {
    const call = this.calls.at(-1);
    if (!call) throw new Error('the probe was not called');
    call.answer(ok);
    await settle();
  }
}

/** Lets resolved promises run their callbacks (no time passes on the fake clock). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function plan(name: string, port: number): InstancePlan {
  const [type = name] = name.split('.');
  return { name, type, index: 1, command: 'true', port, env: {} };
}

function setup(names: string[], ready: string[] = [], settleMs = 1000, pollMs = 100) {
  const clock = new FakeClock(50_000);
  const port = new FakeProbe();
  const http = new FakeProbe();
  const plans = names.map((name, i) => plan(name, 5000 + 100 * i));
  const tracker = new ReadinessTracker(plans, parseReadySpecs(ready), {
    clock,
    settleMs,
    // A fixed interval keeps these tests' arithmetic plain; the back-off has a test of its own.
    pollMs,
    maxPollMs: pollMs,
    portAccepts: port.fn as (port: number) => Promise<boolean>,
    httpAnswers: http.fn as (port: number, path: string) => Promise<boolean>,
  });
  const events: ReadinessEvent[] = [];
  tracker.on((event) => events.push(event));
  /** A spawn event, then the microtask in which the tracker sends its first probe. */
  const spawn = async (name: string, pid = 100): Promise<void> => {
    tracker.handle({ kind: 'spawn', name, pid, port: tracker.states.get(name)!.plan.port });
    await Promise.resolve();
  };
  const exit = (name: string, code: number | null, signal: NodeJS.Signals | null = null): void =>
    tracker.handle({ kind: 'exit', name, code, signal, crashed: code !== 0, requested: false });
  // Output reaches the tracker as it does in ps-run: split into lines once, by the hub.
  const hub = new OutputHub(clock);
  hub.subscribe(tracker);
  const pipes = new Map<string, PipeSink>();
  const pipe = (name: string, stream: 'stdout' | 'stderr'): PipeSink => {
    const key = `${name} ${stream}`;
    if (!pipes.has(key)) pipes.set(key, hub.open(name, stream));
    return pipes.get(key)!;
  };
  const feed = (name: string, stream: 'stdout' | 'stderr', bytes: Buffer): void => pipe(name, stream).data(bytes);
  const endStream = (name: string, stream: 'stdout' | 'stderr'): void => pipe(name, stream).end();
  const print = (name: string, text: string, stream: 'stdout' | 'stderr' = 'stdout'): void => feed(name, stream, Buffer.from(text));
  return { clock, port, http, tracker, events, spawn, exit, print, feed, endStream };
}

describe('ReadinessTracker: defaults', () => {
  it('checks web with port and every other type with alive', async () => {
    const { tracker } = setup(['web.1', 'worker.1']);
    expect(tracker.states.get('web.1')?.check).toEqual({ kind: 'port' });
    expect(tracker.states.get('worker.1')?.check).toEqual({ kind: 'alive' });
    expect([...tracker.states.values()].map((s) => s.status)).toEqual(['waiting', 'waiting']);
    expect(tracker.allReady()).toBe(false);
  });
});

describe('ReadinessTracker: port check', () => {
  it('polls the port from spawn until it accepts, then is ready with the time since spawn', async () => {
    const { clock, port, tracker, events, spawn } = setup(['web.1']);
    expect(port.calls).toHaveLength(0);
    await spawn('web.1');
    expect(port.calls.map((c) => c.args)).toEqual([[5000]]);
    await port.answer(false);
    expect(port.calls).toHaveLength(1);
    clock.advance(99);
    expect(port.calls).toHaveLength(1);
    clock.advance(1);
    expect(port.calls).toHaveLength(2);
    await port.answer(false);
    clock.advance(100);
    expect(port.calls).toHaveLength(3);
    clock.advance(17);
    await port.answer(true);
    expect(events).toEqual([{ kind: 'ready', name: 'web.1', port: 5000, check: 'port', afterMs: 217 }]);
    expect(tracker.states.get('web.1')).toMatchObject({ status: 'ready', afterMs: 217, running: true });
    expect(tracker.allReady()).toBe(true);
    clock.advance(10_000);
    expect(port.calls).toHaveLength(3);
    expect(clock.pending).toBe(0);
  });

  it('waits for a slow probe before polling again (one probe at a time)', async () => {
    const { clock, port, spawn } = setup(['web.1']);
    await spawn('web.1');
    clock.advance(5000);
    expect(port.calls).toHaveLength(1);
    await port.answer(false);
    clock.advance(100);
    expect(port.calls).toHaveLength(2);
  });

  it('probes again after 20 ms by default, then backs off by half each time up to 250 ms', async () => {
    const clock = new FakeClock(50_000);
    const port = new FakeProbe();
    const tracker = new ReadinessTracker([plan('web.1', 7000)], new Map(), {
      clock,
      settleMs: 1000,
      portAccepts: port.fn as (p: number) => Promise<boolean>,
    });
    tracker.handle({ kind: 'spawn', name: 'web.1', pid: 1, port: 7000 });
    await Promise.resolve();
    const gaps: number[] = [];
    let last = clock.now();
    for (let probe = 1; probe <= 9; probe++) {
      await port.answer(false);
      const before = port.calls.length;
      while (port.calls.length === before) clock.advance(1);
      gaps.push(clock.now() - last);
      last = clock.now();
    }
    expect(gaps).toEqual([20, 30, 45, 68, 102, 152, 228, 250, 250]);
    expect(port.calls.every((c) => c.args[0] === 7000)).toBe(true);
  });

  it('fails when the process exits before its port is ready, and ignores a late answer', async () => {
    const { port, tracker, events, spawn, exit } = setup(['web.1']);
    await spawn('web.1');
    exit('web.1', 3);
    expect(events).toEqual([{ kind: 'not-ready', name: 'web.1', check: 'port', reason: 'exited with code 3 before it was ready' }]);
    await port.answer(true);
    expect(events).toHaveLength(1);
    expect(tracker.states.get('web.1')).toMatchObject({
      status: 'failed',
      running: false,
      exitCode: 3,
      reason: 'exited with code 3 before it was ready',
    });
  });

  it('names the signal when the process is killed before it is ready', async () => {
    const { events, spawn, exit } = setup(['web.1']);
    await spawn('web.1');
    exit('web.1', null, 'SIGKILL');
    expect(events).toEqual([{ kind: 'not-ready', name: 'web.1', check: 'port', reason: 'was killed by SIGKILL before it was ready' }]);
  });

  it('re-arms on a restart: the old run is forgotten, the time counts from the new spawn', async () => {
    const { clock, port, tracker, events, spawn, exit } = setup(['web.1']);
    await spawn('web.1', 1);
    const first = port.calls[0]!;
    exit('web.1', 1);
    clock.advance(500);
    await spawn('web.1', 2);
    expect(tracker.states.get('web.1')).toMatchObject({ status: 'waiting', running: true, reason: undefined });
    first.answer(true);
    await settle();
    expect(events.filter((e) => e.kind === 'ready')).toEqual([]);
    clock.advance(40);
    await port.answer(true);
    expect(events.at(-1)).toEqual({ kind: 'ready', name: 'web.1', port: 5000, check: 'port', afterMs: 40 });
  });

  it('does not fail a process that exits after it was ready', async () => {
    const { port, tracker, events, spawn, exit } = setup(['web.1']);
    await spawn('web.1');
    await port.answer(true);
    exit('web.1', 1);
    expect(events.map((e) => e.kind)).toEqual(['ready']);
    expect(tracker.states.get('web.1')).toMatchObject({ status: 'ready', running: false, exitCode: 1 });
  });
});

describe('ReadinessTracker: http check', () => {
  it('asks the http probe with the port and path until it answers', async () => {
    const { clock, port, http, events, spawn } = setup(['web.1', 'api.1'], ['api=http:/health']);
    await spawn('api.1');
    expect(http.calls.map((c) => c.args)).toEqual([[5100, '/health']]);
    expect(port.calls).toHaveLength(0);
    await http.answer(false);
    clock.advance(100);
    clock.advance(30);
    await http.answer(true);
    expect(events).toEqual([{ kind: 'ready', name: 'api.1', port: 5100, check: 'http:/health', afterMs: 130 }]);
  });

  it('uses / for a bare http', async () => {
    const { http, spawn } = setup(['web.1'], ['web=http']);
    await spawn('web.1');
    expect(http.calls[0]?.args).toEqual([5000, '/']);
  });
});

describe('ReadinessTracker: alive check', () => {
  it('is ready once the settle time has passed, not a millisecond before', async () => {
    const { clock, tracker, events, spawn } = setup(['worker.1'], [], 1000);
    await spawn('worker.1');
    clock.advance(999);
    expect(events).toEqual([]);
    expect(tracker.allReady()).toBe(false);
    clock.advance(1);
    expect(events).toEqual([{ kind: 'ready', name: 'worker.1', port: 5000, check: 'alive', afterMs: 1000 }]);
    expect(tracker.allReady()).toBe(true);
  });

  it('fails when the process exits within the settle time, even with code 0', async () => {
    const { clock, tracker, events, spawn, exit } = setup(['worker.1'], [], 1000);
    await spawn('worker.1');
    clock.advance(300);
    exit('worker.1', 0);
    clock.advance(5000);
    expect(events).toEqual([{ kind: 'not-ready', name: 'worker.1', check: 'alive', reason: 'exited with code 0 before it was ready' }]);
    expect(tracker.states.get('worker.1')?.status).toBe('failed');
  });

  it('counts the settle time from the latest spawn after a restart', async () => {
    const { clock, events, spawn, exit } = setup(['worker.1'], [], 1000);
    await spawn('worker.1');
    clock.advance(600);
    exit('worker.1', 1);
    await spawn('worker.1');
    clock.advance(600);
    expect(events.filter((e) => e.kind === 'ready')).toEqual([]);
    clock.advance(400);
    expect(events.at(-1)).toEqual({ kind: 'ready', name: 'worker.1', port: 5000, check: 'alive', afterMs: 1000 });
  });
});

describe('ReadinessTracker: exit check', () => {
  it('is ready when the process exits with 0', async () => {
    const { clock, tracker, events, spawn, exit } = setup(['migrate.1'], ['migrate=exit']);
    await spawn('migrate.1');
    clock.advance(2500);
    expect(events).toEqual([]);
    exit('migrate.1', 0);
    expect(events).toEqual([{ kind: 'ready', name: 'migrate.1', port: 5000, check: 'exit', afterMs: 2500 }]);
    expect(tracker.states.get('migrate.1')).toMatchObject({ status: 'ready', running: false, exitCode: 0 });
  });

  it('fails on a non-zero exit or a signal', async () => {
    const { events, spawn, exit } = setup(['a.1', 'b.1'], ['a=exit,b=exit']);
    await spawn('a.1');
    await spawn('b.1');
    exit('a.1', 2);
    exit('b.1', null, 'SIGTERM');
    expect(events).toEqual([
      { kind: 'not-ready', name: 'a.1', check: 'exit', reason: 'exited with code 2 before it was ready' },
      { kind: 'not-ready', name: 'b.1', check: 'exit', reason: 'was killed by SIGTERM before it was ready' },
    ]);
  });
});

describe('ReadinessTracker: log check', () => {
  it('matches a whole line, also when it arrives in pieces', async () => {
    const { clock, events, spawn, print } = setup(['worker.1'], ['worker=log:^ready to serve$']);
    await spawn('worker.1');
    print('worker.1', 'booting\nnot ready to serve yet\nready');
    clock.advance(70);
    print('worker.1', ' to');
    print('worker.1', ' serve');
    expect(events).toEqual([]);
    print('worker.1', '\nmore\n');
    expect(events).toEqual([{ kind: 'ready', name: 'worker.1', port: 5000, check: 'log:^ready to serve$', afterMs: 70 }]);
  });

  it('matches a line split inside a multi-byte character', async () => {
    const { events, spawn, feed } = setup(['worker.1'], ['worker=log:prêt']);
    await spawn('worker.1');
    const bytes = Buffer.from('prêt\n');
    feed('worker.1', 'stdout', bytes.subarray(0, 3));
    feed('worker.1', 'stdout', bytes.subarray(3));
    expect(events.map((e) => e.kind)).toEqual(['ready']);
  });

  it('reads stderr too, and keeps the two streams apart', async () => {
    const { events, spawn, print } = setup(['worker.1'], ['worker=log:^connected$']);
    await spawn('worker.1');
    print('worker.1', 'conn', 'stdout');
    print('worker.1', 'ected\n', 'stderr');
    expect(events).toEqual([]);
    print('worker.1', 'connected\n', 'stderr');
    expect(events.map((e) => e.kind)).toEqual(['ready']);
  });

  it('matches an unfinished last line when the stream ends', async () => {
    const { events, spawn, print, endStream } = setup(['worker.1'], ['worker=log:^done$']);
    await spawn('worker.1');
    print('worker.1', 'done');
    expect(events).toEqual([]);
    endStream('worker.1', 'stdout');
    expect(events.map((e) => e.kind)).toEqual(['ready']);
  });

  it('ignores output of other processes, and output before the spawn', async () => {
    const { events, spawn, print } = setup(['worker.1', 'other.1'], ['worker=log:go']);
    print('worker.1', 'go\n');
    await spawn('worker.1');
    print('other.1', 'go\n');
    expect(events).toEqual([]);
  });

  it('fires once, and not for a process that already failed', async () => {
    const { events, spawn, exit, print } = setup(['a.1', 'b.1'], ['a=log:go,b=log:go']);
    await spawn('a.1');
    print('a.1', 'go\ngo\n');
    print('a.1', 'go\n');
    await spawn('b.1');
    exit('b.1', 1);
    print('b.1', 'go\n');
    expect(events.map((e) => `${e.kind} ${e.name}`)).toEqual(['ready a.1', 'not-ready b.1']);
  });
});

describe('ReadinessTracker: listeners', () => {
  it('stops telling a listener once it unsubscribes', async () => {
    const { clock, tracker, spawn } = setup(['worker.1'], [], 10);
    const seen: string[] = [];
    const off = tracker.on((event) => seen.push(event.name));
    off();
    await spawn('worker.1');
    clock.advance(10);
    expect(seen).toEqual([]);
    expect(tracker.allReady()).toBe(true);
  });
});
