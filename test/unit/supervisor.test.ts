// The Supervisor driven by fakes: a spawn that returns EventEmitters with PassThrough streams, a fake
// signalGroup, and a fake clock. No real processes, no sleeps.
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../support/fake-clock.js';
import type { InstancePlan } from '../../src/plan.js';
import type { ChildLike, SpawnRequest } from '../../src/supervisor/child.js';
import type { SupervisorEvent } from '../../src/supervisor/events.js';
import type { RestartPolicy } from '../../src/supervisor/policy.js';
import { Supervisor } from '../../src/supervisor/supervisor.js';

class FakeChild extends EventEmitter implements ChildLike {
  readonly stdin = new PassThrough();
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  /** The group outlives the leader when the leader forked something. */
  alive = true;
  leaderAlive = true;
  ignoresTerm = false;
  readonly signals: (NodeJS.Signals | 0)[] = [];

  constructor(
    readonly pid: number,
    readonly request: SpawnRequest,
  ) {
    super();
  }

  /** The leader exits (as Node reports it: 'exit' first, then the pipes close). */
  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    this.leaderExits(code, signal);
    this.alive = false;
  }

  /** Only the leader exits; what it forked keeps the group alive. */
  leaderExits(code: number | null, signal: NodeJS.Signals | null = null): void {
    if (!this.leaderAlive) return;
    this.leaderAlive = false;
    this.emit('exit', code, signal);
    this.stdout.end();
    this.stderr.end();
  }
}

/** Lets stream 'end'/'close' events (nextTick/immediate) run; not a sleep. */
const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

function plan(name: string, port: number, command = `run ${name}`): InstancePlan {
  const [type = name, index = '1'] = name.split('.');
  return { name, type, index: Number(index), command, port, env: { PORT: String(port), PS: name } };
}

function setup(options: { names?: string[]; restart?: RestartPolicy; maxRestarts?: number; timeoutMs?: number } = {}) {
  const clock = new FakeClock(1_000_000);
  const children: FakeChild[] = [];
  const events: SupervisorEvent[] = [];
  const sent: { pid: number; signal: NodeJS.Signals }[] = [];
  const output: string[] = [];
  let nextPid = 100;
  const names = options.names ?? ['web.1'];
  const supervisor = new Supervisor({
    instances: names.map((n, i) => plan(n, 5000 + i * 100)),
    cwd: '/app',
    restart: options.restart,
    maxRestarts: options.maxRestarts,
    timeoutMs: options.timeoutMs ?? 5000,
    clock,
    output: {
      open: (name, stream) => ({ data: (chunk) => output.push(`${name} ${stream} ${chunk.toString()}`), end: () => {} }),
    },
    spawn: (request) => {
      const child = new FakeChild(nextPid++, request);
      children.push(child);
      return child;
    },
    signalGroup: (pgid, signal) => {
      const child = children.find((c) => c.pid === pgid);
      if (!child?.alive) return false;
      if (signal === 0) return true;
      sent.push({ pid: pgid, signal });
      child.signals.push(signal);
      if (signal === 'SIGKILL' || !child.ignoresTerm) queueMicrotask(() => child.exit(null, signal));
      return true;
    },
  });
  supervisor.on((event) => events.push(event));
  let status: number | undefined;
  void supervisor.done.then((s) => (status = s));
  const spawnsOf = (name: string): FakeChild[] => children.filter((c) => c.request.env.PS === name);
  const latest = (name: string): FakeChild => {
    const list = spawnsOf(name);
    const child = list[list.length - 1];
    if (!child) throw new Error(`${name} never spawned`);
    return child;
  };
  const kinds = (kind: SupervisorEvent['kind']) => events.filter((e) => e.kind === kind);
  return { supervisor, clock, children, events, sent, output, spawnsOf, latest, kinds, status: () => status };
}

describe('Supervisor', () => {
  it('spawns every instance with its command, env and the root as cwd, and reports pid and port', () => {
    const t = setup({ names: ['web.1', 'worker.1'] });
    t.supervisor.start();
    expect(t.children.map((c) => c.request)).toEqual([
      { command: 'run web.1', type: 'web', cwd: '/app', env: { PORT: '5000', PS: 'web.1' }, stdin: 'pipe' },
      { command: 'run worker.1', type: 'worker', cwd: '/app', env: { PORT: '5100', PS: 'worker.1' }, stdin: 'pipe' },
    ]);
    expect(t.kinds('spawn')).toEqual([
      { kind: 'spawn', name: 'web.1', pid: 100, port: 5000 },
      { kind: 'spawn', name: 'worker.1', pid: 101, port: 5100 },
    ]);
    expect(t.supervisor.instances.map((i) => i.state)).toEqual(['running', 'running']);
  });

  it('passes output through with the instance name and stream', async () => {
    const t = setup();
    t.supervisor.start();
    t.latest('web.1').stdout.write('hello\n');
    t.latest('web.1').stderr.write('oops\n');
    await flush();
    expect(t.output).toEqual(['web.1 stdout hello\n', 'web.1 stderr oops\n']);
  });

  it('restarts a crashed process after 100, 200, 400, 800 ms, not before', async () => {
    const t = setup();
    t.supervisor.start();
    for (const delay of [100, 200, 400, 800]) {
      const spawned = t.children.length;
      t.latest('web.1').exit(1);
      await flush();
      t.clock.advance(0);
      expect(t.kinds('restart').at(-1)).toMatchObject({ name: 'web.1', delayMs: delay });
      expect(t.supervisor.instances[0]?.state).toBe('backoff');
      t.clock.advance(delay - 1);
      expect(t.children.length).toBe(spawned);
      t.clock.advance(1);
      expect(t.children.length).toBe(spawned + 1);
    }
    expect(t.kinds('restart').map((e) => (e.kind === 'restart' ? e.delayMs : 0))).toEqual([100, 200, 400, 800]);
    expect(t.status()).toBeUndefined();
  });

  it('does not touch the other processes when one crashes', async () => {
    const t = setup({ names: ['web.1', 'worker.1'] });
    t.supervisor.start();
    t.latest('worker.1').exit(2);
    await flush();
    t.clock.advance(100);
    expect(t.spawnsOf('worker.1')).toHaveLength(2);
    expect(t.spawnsOf('web.1')).toHaveLength(1);
    expect(t.latest('web.1').signals).toEqual([]);
    expect(t.latest('web.1').alive).toBe(true);
  });

  it('resets the back-off once a process stayed up 10 s', async () => {
    const t = setup();
    t.supervisor.start();
    for (const wait of [100, 200, 400]) {
      t.latest('web.1').exit(1);
      await flush();
      t.clock.advance(wait);
    }
    t.clock.advance(10_000);
    t.latest('web.1').exit(1);
    await flush();
    expect(t.kinds('restart').at(-1)).toMatchObject({ delayMs: 100, attempt: 1 });
  });

  it('gives a process up after --max-restarts crashes in a row and exits with its code', async () => {
    const t = setup({ maxRestarts: 2 });
    t.supervisor.start();
    for (let i = 0; i < 3; i++) {
      t.latest('web.1').exit(3);
      await flush();
      t.clock.advance(10_000);
    }
    expect(t.children).toHaveLength(3);
    expect(t.kinds('give-up')).toEqual([{ kind: 'give-up', name: 'web.1', crashes: 3 }]);
    expect(t.supervisor.instances[0]?.state).toBe('failed');
    await flush();
    expect(t.status()).toBe(3);
  });

  it('under --restart never, a crash stops all the others and the status is the crash code', async () => {
    const t = setup({ names: ['web.1', 'worker.1', 'clock.1'], restart: 'never' });
    t.supervisor.start();
    t.latest('worker.1').exit(7);
    await flush();
    expect(t.kinds('fatal')).toEqual([{ kind: 'fatal', name: 'worker.1', policy: 'never' }]);
    expect(t.sent).toEqual(
      expect.arrayContaining([
        { pid: t.latest('web.1').pid, signal: 'SIGTERM' },
        { pid: t.latest('clock.1').pid, signal: 'SIGTERM' },
      ]),
    );
    await flush();
    expect(t.children).toHaveLength(3);
    expect(t.status()).toBe(7);
  });

  it('under --restart never, a clean exit stops nothing', async () => {
    const t = setup({ names: ['web.1', 'job.1'], restart: 'never' });
    t.supervisor.start();
    t.latest('job.1').exit(0);
    await flush();
    expect(t.kinds('stopping')).toEqual([]);
    expect(t.latest('web.1').alive).toBe(true);
  });

  it('on-failure: a clean exit is done, not restarted; status 0 once all ended cleanly', async () => {
    const t = setup({ names: ['a.1', 'b.1'] });
    t.supervisor.start();
    t.latest('a.1').exit(0);
    await flush();
    t.clock.advance(20_000);
    expect(t.children).toHaveLength(2);
    expect(t.status()).toBeUndefined();
    t.latest('b.1').exit(0);
    await flush();
    expect(t.kinds('restart')).toEqual([]);
    expect(t.status()).toBe(0);
  });

  it('always: a clean exit is restarted too', async () => {
    const t = setup({ restart: 'always' });
    t.supervisor.start();
    t.latest('web.1').exit(0);
    await flush();
    expect(t.kinds('restart')).toHaveLength(1);
    t.clock.advance(100);
    expect(t.children).toHaveLength(2);
  });

  it('the status is the code of the first process that failed', async () => {
    const t = setup({ names: ['a.1', 'b.1', 'c.1'], maxRestarts: 0 });
    t.supervisor.start();
    t.latest('b.1').exit(4);
    await flush();
    t.latest('a.1').exit(9);
    await flush();
    t.latest('c.1').exit(0);
    await flush();
    expect(t.status()).toBe(4);
  });

  it('death by a signal ps-run did not send is a crash, with status 128 + n', async () => {
    const t = setup({ maxRestarts: 0 });
    t.supervisor.start();
    t.latest('web.1').exit(null, 'SIGSEGV');
    await flush();
    expect(t.kinds('exit')).toEqual([{ kind: 'exit', name: 'web.1', code: null, signal: 'SIGSEGV', crashed: true, requested: false }]);
    expect(t.status()).toBe(139);
  });

  it('stop: SIGTERM to every group; the status is the one given, and nothing restarts', async () => {
    const t = setup({ names: ['web.1', 'worker.1'] });
    t.supervisor.start();
    t.supervisor.stop('received SIGINT', 130);
    expect(t.kinds('stopping')).toEqual([{ kind: 'stopping', reason: 'received SIGINT' }]);
    expect(t.sent).toEqual([
      { pid: 100, signal: 'SIGTERM' },
      { pid: 101, signal: 'SIGTERM' },
    ]);
    await flush();
    t.clock.advance(10_000);
    expect(t.children).toHaveLength(2);
    expect(t.kinds('exit').every((e) => e.kind === 'exit' && !e.crashed)).toBe(true);
    expect(t.status()).toBe(130);
  });

  it('stop: SIGKILL only after the timeout, for a process that ignores SIGTERM', async () => {
    const t = setup({ names: ['web.1', 'stubborn.1'], timeoutMs: 3000 });
    t.supervisor.start();
    t.latest('stubborn.1').ignoresTerm = true;
    t.supervisor.stop('received SIGTERM', 143);
    await flush();
    t.clock.advance(2999);
    expect(t.latest('stubborn.1').signals).toEqual(['SIGTERM']);
    expect(t.kinds('kill')).toEqual([]);
    expect(t.status()).toBeUndefined();
    t.clock.advance(1);
    expect(t.latest('stubborn.1').signals).toEqual(['SIGTERM', 'SIGKILL']);
    expect(t.kinds('kill')).toEqual([{ kind: 'kill', name: 'stubborn.1', pid: 101 }]);
    expect(t.latest('web.1').signals).toEqual(['SIGTERM']);
    await flush();
    t.clock.advance(100);
    expect(t.status()).toBe(143);
  });

  it('kill (a second Ctrl-C): SIGKILL at once', async () => {
    const t = setup({ timeoutMs: 60_000 });
    t.supervisor.start();
    t.latest('web.1').ignoresTerm = true;
    t.supervisor.stop('received SIGINT', 130);
    await flush();
    t.supervisor.kill();
    expect(t.latest('web.1').signals).toEqual(['SIGTERM', 'SIGKILL']);
    await flush();
    t.clock.advance(100);
    expect(t.status()).toBe(130);
  });

  it('stop during a back-off cancels the restart', async () => {
    const t = setup();
    t.supervisor.start();
    t.latest('web.1').exit(1);
    await flush();
    t.supervisor.stop('received SIGINT', 130);
    t.clock.advance(1000);
    await flush();
    expect(t.children).toHaveLength(1);
    expect(t.status()).toBe(130);
  });

  it('waits for the rest of the process group before the run is over', async () => {
    const t = setup({ timeoutMs: 1000 });
    t.supervisor.start();
    const leader = t.latest('web.1');
    leader.ignoresTerm = true;
    // The leader exits but its group (a forked server, say) lives on: it gets SIGTERM, then SIGKILL.
    leader.leaderExits(0);
    await flush();
    expect(leader.signals).toEqual(['SIGTERM']);
    expect(t.status()).toBeUndefined();
    t.clock.advance(1000);
    expect(leader.signals).toEqual(['SIGTERM', 'SIGKILL']);
    await flush();
    t.clock.advance(100);
    await flush();
    expect(t.status()).toBe(0);
  });

  it('leaves no timer behind once it is done, whatever the order of exit and pipe close', async () => {
    const t = setup();
    t.supervisor.start();
    const child = t.latest('web.1');
    // A process that closes its stdout and stderr before exiting (`exec >/dev/null 2>&1; sleep 1`).
    child.stdout.end();
    child.stderr.end();
    await flush();
    child.exit(0);
    await flush();
    t.clock.advance(20);
    await flush();
    expect(t.status()).toBe(0);
    // A pending timer would keep ps-run's event loop alive for timeout + 2 s after everything ended.
    expect(t.clock.pending).toBe(0);
  });

  it('a spawn that throws is reported, and counts as a failure (127)', () => {
    const clock = new FakeClock(1_000_000);
    const events: SupervisorEvent[] = [];
    const supervisor = new Supervisor({
      instances: [plan('web.1', 5000)],
      cwd: '/app',
      clock,
      spawn: () => {
        throw new Error('spawn /bin/sh ENOENT');
      },
      signalGroup: () => false,
    });
    supervisor.on((e) => events.push(e));
    let status: number | undefined;
    void supervisor.done.then((s) => (status = s));
    supervisor.start();
    expect(events.filter((e) => e.kind !== 'state')).toEqual([{ kind: 'spawn-error', name: 'web.1', message: 'spawn /bin/sh ENOENT' }]);
    return Promise.resolve().then(() => expect(status).toBe(127));
  });

  it('an empty formation is done at once with status 0', async () => {
    const t = setup({ names: [] });
    t.supervisor.start();
    await flush();
    expect(t.status()).toBe(0);
  });
});

describe('Supervisor: a live formation', () => {
  it('a requested restart: SIGTERM, then a new run at once with no back-off; the streak resets and the status stays 0', async () => {
    const t = setup({ names: ['web.1', 'worker.1'] });
    t.supervisor.start();
    t.latest('web.1').exit(1);
    await flush();
    t.clock.advance(100);
    const instance = t.supervisor.get('web.1')!;
    expect(instance.streak.crashes).toBe(1);
    const worker = t.latest('worker.1');
    const restarted = t.supervisor.restartOne('web.1');
    expect(instance.state).toBe('stopping');
    await flush();
    await restarted;
    expect(instance.state).toBe('running');
    expect(t.spawnsOf('web.1')).toHaveLength(3);
    expect(instance.streak).toEqual({ restarts: 0, crashes: 0 });
    expect(t.latest('worker.1')).toBe(worker);
    expect(t.kinds('exit').at(-1)).toMatchObject({ name: 'web.1', crashed: false, requested: true });
    t.supervisor.stop('over', 0);
    await flush();
    expect(t.status()).toBe(0);
  });

  it('restarting the only instance left running does not end the supervisor in between', async () => {
    const t = setup({ names: ['release.1', 'web.1'] });
    t.supervisor.start();
    t.latest('release.1').exit(0);
    await flush();
    const restarted = t.supervisor.restartOne('web.1');
    await flush();
    await restarted;
    await flush();
    expect(t.supervisor.get('web.1')!.state).toBe('running');
    expect(t.status()).toBeUndefined();
  });

  it('restarting the only instance does not end the run: done stays open while the next run starts', async () => {
    const t = setup({ names: ['web.1'] });
    t.supervisor.start();
    await t.supervisor.restartOne('web.1');
    await flush();
    expect(t.supervisor.get('web.1')?.state).toBe('running');
    expect(t.spawnsOf('web.1')).toHaveLength(2);
    expect(t.status()).toBeUndefined();
    t.supervisor.stop('over', 0);
    await flush();
    expect(t.status()).toBe(0);
  });

  it('a requested stop leaves the instance stopped, never restarted, and the supervisor running', async () => {
    const t = setup({ names: ['web.1', 'worker.1'], restart: 'always' });
    t.supervisor.start();
    await t.supervisor.stopOne('web.1').then(
      () => undefined,
      () => undefined,
    );
    await flush();
    const web = t.supervisor.get('web.1')!;
    expect(web.state).toBe('stopped');
    t.clock.advance(60_000);
    expect(t.spawnsOf('web.1')).toHaveLength(1);
    // The worker still runs: nothing ends the supervisor.
    expect(t.status()).toBeUndefined();
    t.supervisor.startOne('web.1');
    expect(web.state).toBe('running');
    expect(t.spawnsOf('web.1')).toHaveLength(2);
  });

  it('stopping an instance in back-off cancels its restart', async () => {
    const t = setup();
    t.supervisor.start();
    t.latest('web.1').exit(1);
    await flush();
    expect(t.supervisor.get('web.1')!.state).toBe('backoff');
    await t.supervisor.stopOne('web.1');
    t.clock.advance(60_000);
    expect(t.supervisor.get('web.1')!.state).toBe('stopped');
    expect(t.spawnsOf('web.1')).toHaveLength(1);
  });

  it('add starts a new instance; remove stops and forgets it', async () => {
    const t = setup({ names: ['web.1'] });
    t.supervisor.start();
    t.supervisor.add(plan('web.2', 5001));
    expect(t.supervisor.instances.map((i) => [i.name, i.state])).toEqual([
      ['web.1', 'running'],
      ['web.2', 'running'],
    ]);
    const removed = t.supervisor.remove('web.2');
    await flush();
    await removed;
    expect(t.supervisor.instances.map((i) => i.name)).toEqual(['web.1']);
    expect(t.sent).toContainEqual({ pid: t.latest('web.2').pid, signal: 'SIGTERM' });
  });

  it('announces every state change through one event, with the previous state', async () => {
    const t = setup();
    t.supervisor.start();
    t.latest('web.1').exit(1);
    await flush();
    t.clock.advance(100);
    const states = t.kinds('state').map((e) => e.kind === 'state' && `${e.previous}->${e.state}`);
    expect(states).toEqual([
      'waiting->starting',
      'starting->running',
      'running->exited',
      'exited->backoff',
      'backoff->starting',
      'starting->running',
    ]);
  });

  it('endsWhenIdle holds the supervisor while the runtime says so, then lets it settle', async () => {
    let hold = true;
    const clock = new FakeClock(0);
    const children: FakeChild[] = [];
    const supervisor = new Supervisor({
      instances: [plan('web.1', 5000)],
      cwd: '/app',
      clock,
      spawn: (request) => {
        const child = new FakeChild(200 + children.length, request);
        children.push(child);
        return child;
      },
      signalGroup: (pgid) => children.some((c) => c.pid === pgid && c.alive),
      endsWhenIdle: () => !hold,
    });
    let status: number | undefined;
    void supervisor.done.then((s) => (status = s));
    supervisor.start();
    children[0]!.exit(0);
    await flush();
    expect(status).toBeUndefined();
    hold = false;
    supervisor.settleIfIdle();
    await flush();
    expect(status).toBe(0);
  });
});
