// One slot of the formation (`web.1`): spawns its child, signals its process group, and reports each
// run's end once the whole group is gone. Its state changes only through `changeState`, which announces
// the change; its restart streak and back-off timer live here too.
import type { Readable, Writable } from 'node:stream';
import type { InstancePlan } from '../plan.js';
import type { ChildLike, SignalGroupFn, SpawnFn } from './child.js';
import type { Clock } from './clock.js';
import type { ExitInfo, Streak } from './policy.js';

export type InstanceState = 'waiting' | 'starting' | 'running' | 'backoff' | 'stopping' | 'stopped' | 'exited' | 'failed';
export type StreamName = 'stdout' | 'stderr';

/** Why ps-run itself ends a run: a shutdown, a user's stop, or a user's restart. */
export type StopIntent = 'shutdown' | 'stop' | 'restart';

/** Where one pipe of one run writes its bytes (the output hub splits them into lines). */
export interface PipeSink {
  data(chunk: Buffer): void;
  end(): void;
}

export interface OutputOpener {
  open(name: string, stream: StreamName): PipeSink;
}

export interface InstanceHooks {
  stateChanged(instance: Instance, previous: InstanceState): void;
  spawned(instance: Instance, pid: number): void;
  /** The run is over: leader exited and group gone. `intent` says whether ps-run asked for it. */
  ended(instance: Instance, exit: ExitInfo, intent: StopIntent | undefined): void;
  killing(instance: Instance, pid: number): void;
  /** The leader exited by itself and left processes in its group (`server &`); they are stopped now. */
  leftBehind(instance: Instance, exit: { code: number | null; signal: NodeJS.Signals | null }): void;
  spawnFailed(instance: Instance, error: Error): void;
}

export interface InstanceDeps {
  spawn: SpawnFn;
  signalGroup: SignalGroupFn;
  clock: Clock;
  cwd: string;
  /** SIGTERM -> SIGKILL grace period. */
  timeoutMs: number;
  stdin: 'pipe' | 'ignore';
  output: OutputOpener;
  hooks: InstanceHooks;
}

/** How often a group that is winding down is probed. */
const PROBE_MS = 10;
/** After SIGKILL, how long to wait for the group before reporting the run over anyway. */
const AFTER_KILL_MS = 2000;
/** With the group gone, how long output still in flight may take before the run is reported over. */
const DRAIN_MS = 100;

const LIVE: ReadonlySet<InstanceState> = new Set(['starting', 'running', 'stopping']);

export class Instance {
  private current: InstanceState = 'waiting';
  pid: number | undefined;
  /** Restarts since ps-run started (crashes and requests alike), for status. */
  restarts = 0;
  streak: Streak = { restarts: 0, crashes: 0 };
  startedAt: number | undefined;
  lastExit: (ExitInfo & { at: number }) | undefined;
  private child: ChildLike | undefined;
  private intent: StopIntent | undefined;
  private signalledByUs = false;
  private killTimer: unknown;
  private backoffTimer: unknown;
  private paused = false;
  /** Pipes of this and earlier runs still open (a daemon that left the group keeps writing). */
  private readonly pipes = new Set<Readable>();
  private readonly waiters: (() => void)[] = [];

  constructor(
    readonly plan: InstancePlan,
    private readonly deps: InstanceDeps,
  ) {}

  get name(): string {
    return this.plan.name;
  }

  get state(): InstanceState {
    return this.current;
  }

  /** True while a run is in progress (its group may still be alive). */
  get live(): boolean {
    return LIVE.has(this.current);
  }

  /** The stdin pipe of the current run (null with --no-stdin, or when nothing runs). */
  get stdin(): Writable | null {
    return this.child?.stdin ?? null;
  }

  start(): void {
    if (this.live) return;
    this.clearBackoff();
    const { deps, plan } = this;
    this.intent = undefined;
    this.signalledByUs = false;
    this.changeState('starting');
    let child: ChildLike;
    try {
      child = deps.spawn({ command: plan.command, type: plan.type, cwd: deps.cwd, env: plan.env, stdin: deps.stdin });
    } catch (error) {
      this.failSpawn(error as Error);
      return;
    }
    this.child = child;
    this.startedAt = deps.clock.now();
    this.watchRun(child);
    if (child.pid === undefined) return;
    this.pid = child.pid;
    this.changeState('running');
    deps.hooks.spawned(this, child.pid);
  }

  /**
   * Ends the current run (SIGTERM, then SIGKILL after the timeout) or cancels a pending restart. Resolves once
   * nothing of the run is left. After it: `stopped` for a user's stop, a new run for a restart, `exited` otherwise.
   */
  stop(intent: StopIntent): Promise<void> {
    if (this.current === 'stopping') {
      // A restart asked while stopping for a restart stays one; a shutdown or stop wins over a restart.
      if (intent !== 'restart') this.intent = intent;
      return this.settled();
    }
    if (!this.live) {
      this.clearBackoff();
      if (intent === 'restart') this.start();
      else if (intent === 'stop') this.changeState('stopped');
      else if (this.current === 'waiting' || this.current === 'backoff') this.changeState('exited');
      return Promise.resolve();
    }
    this.intent = intent;
    this.changeState('stopping');
    this.signal('SIGTERM');
    this.scheduleKill();
    return this.settled();
  }

  /** SIGKILL to the group now (a second Ctrl-C). */
  kill(): void {
    if (!this.live) {
      this.clearBackoff();
      return;
    }
    if (this.current !== 'stopping') {
      this.intent ??= 'shutdown';
      this.changeState('stopping');
    }
    this.sendKill();
  }

  /** After a crash: start again in `delayMs` (state `backoff`). */
  retryAfter(delayMs: number, streak: Streak): void {
    this.streak = streak;
    this.changeState('backoff');
    this.backoffTimer = this.deps.clock.setTimeout(() => {
      this.backoffTimer = undefined;
      this.restarts++;
      this.start();
    }, delayMs);
  }

  /** The restart policy gave up on it (or it was fatal). */
  fail(): void {
    this.changeState('failed');
  }

  /** Back-pressure: stop reading every pipe of this instance (new runs start paused too). */
  pause(): void {
    this.paused = true;
    for (const pipe of this.pipes) pipe.pause();
  }

  resume(): void {
    this.paused = false;
    for (const pipe of this.pipes) pipe.resume();
  }

  /** Signal the whole process group of the current run. */
  signal(signal: NodeJS.Signals): void {
    if (this.pid === undefined) return;
    this.signalledByUs = true;
    this.deps.signalGroup(this.pid, signal);
  }

  private changeState(next: InstanceState): void {
    const previous = this.current;
    if (previous === next) return;
    this.current = next;
    this.deps.hooks.stateChanged(this, previous);
    if (!LIVE.has(next)) for (const resolve of this.waiters.splice(0)) resolve();
  }

  private settled(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private watchRun(child: ChildLike): void {
    const { deps, plan } = this;
    let exit: Omit<ExitInfo, 'uptimeMs'> | undefined;
    let open = 0;
    let finished = false;
    let drain: unknown;
    const finishIfOver = (groupGone: boolean): void => {
      if (finished || exit === undefined || !groupGone) return;
      finished = true;
      if (drain !== undefined) deps.clock.clearTimeout(drain);
      this.finishRun(exit);
    };
    let groupGone = false;
    for (const name of ['stdout', 'stderr'] as const) {
      const stream = child[name];
      if (!stream) continue;
      open++;
      const sink = deps.output.open(plan.name, name);
      this.pipes.add(stream);
      if (this.paused) stream.pause();
      stream.on('data', (chunk: Buffer) => sink.data(chunk));
      // Node resumes a child's pipes when the child exits (child_process flushStdio): a pipe still held by
      // what the leader left behind would then be read at full speed while nobody reads ps-run's output.
      stream.on('resume', () => {
        if (this.paused) stream.pause();
      });
      stream.once('close', () => {
        sink.end();
        this.pipes.delete(stream);
        open--;
        if (open === 0) finishIfOver(groupGone);
      });
    }
    // Writing to a stdin whose reader is gone must not crash ps-run.
    child.stdin?.on('error', () => {});
    child.on('error', (error) => {
      if (child.pid === undefined) this.failSpawn(error);
    });
    child.on('exit', (code, signal) => {
      // Whether ps-run sent the signal is decided now, before cleaning up the rest of the group.
      exit = { code, signal, signalledByUs: this.signalledByUs };
      child.stdin?.destroy();
      // Whatever the leader left in its group is part of a run that is over.
      if (this.current === 'running' || this.current === 'starting') {
        if (this.pid !== undefined && deps.signalGroup(this.pid, 0)) deps.hooks.leftBehind(this, { code, signal });
        this.signal('SIGTERM');
      }
      this.scheduleKill();
      queueMicrotask(() =>
        this.awaitGroupGone(() => {
          groupGone = true;
          if (open === 0) return finishIfOver(true);
          // Pipes still open with the group gone are held by a process that left it (setsid): give what is in
          // flight a moment, then report the run over; those pipes stay read, under this name, until they close.
          drain = deps.clock.setTimeout(() => {
            drain = undefined;
            finishIfOver(true);
          }, DRAIN_MS);
        }),
      );
    });
  }

  private scheduleKill(): void {
    if (this.killTimer !== undefined) return;
    this.killTimer = this.deps.clock.setTimeout(() => this.sendKill(), this.deps.timeoutMs);
  }

  private sendKill(): void {
    if (this.pid === undefined || !this.deps.signalGroup(this.pid, 0)) return;
    this.deps.hooks.killing(this, this.pid);
    this.signal('SIGKILL');
  }

  private awaitGroupGone(done: () => void): void {
    const deadline = this.deps.clock.now() + this.deps.timeoutMs + AFTER_KILL_MS;
    const pid = this.pid;
    const probe = (): void => {
      if (pid === undefined || !this.deps.signalGroup(pid, 0) || this.deps.clock.now() >= deadline) done();
      else this.deps.clock.setTimeout(probe, PROBE_MS);
    };
    probe();
  }

  private finishRun(exit: Omit<ExitInfo, 'uptimeMs'>): void {
    if (this.killTimer !== undefined) this.deps.clock.clearTimeout(this.killTimer);
    this.killTimer = undefined;
    const now = this.deps.clock.now();
    const info: ExitInfo = { ...exit, uptimeMs: now - (this.startedAt ?? now) };
    this.lastExit = { ...info, at: now };
    this.child = undefined;
    const intent = this.intent;
    this.intent = undefined;
    if (intent === 'restart') {
      this.streak = { restarts: 0, crashes: 0 };
      this.restarts++;
      this.changeState('exited');
      this.deps.hooks.ended(this, info, intent);
      this.start();
      return;
    }
    this.changeState(intent === 'stop' ? 'stopped' : 'exited');
    this.deps.hooks.ended(this, info, intent);
  }

  private failSpawn(error: Error): void {
    this.child = undefined;
    this.changeState('failed');
    this.deps.hooks.spawnFailed(this, error);
  }

  private clearBackoff(): void {
    if (this.backoffTimer === undefined) return;
    this.deps.clock.clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
  }
}
