// One slot of the formation (`web.1`): spawns its child, signals its process group, and reports
// each run's end once the whole group is gone and its output is drained.
import type { InstancePlan } from '../plan.js';
import type { ChildLike, SignalGroupFn, SpawnFn } from './child.js';
import type { Clock } from './clock.js';
import type { ExitInfo } from './policy.js';

export type InstanceState = 'starting' | 'running' | 'backoff' | 'stopping' | 'exited' | 'failed';
export type StreamName = 'stdout' | 'stderr';

export interface OutputListener {
  data(name: string, stream: StreamName, chunk: Buffer): void;
  end(name: string, stream: StreamName): void;
}

export interface InstanceHooks {
  spawned(instance: Instance, pid: number): void;
  /** The leader exited; the group may still be winding down. */
  leaderExited(instance: Instance, code: number | null, signal: NodeJS.Signals | null): void;
  /** The run is over: leader exited, group gone, output drained. */
  ended(instance: Instance, exit: ExitInfo): void;
  killing(instance: Instance, pid: number): void;
  spawnFailed(instance: Instance, error: Error): void;
}

export interface InstanceDeps {
  spawn: SpawnFn;
  signalGroup: SignalGroupFn;
  clock: Clock;
  cwd: string;
  /** SIGTERM -> SIGKILL grace period. */
  timeoutMs: number;
  output: OutputListener;
  hooks: InstanceHooks;
}

/** How often a group that is winding down is probed. */
const PROBE_MS = 10;
/** After SIGKILL, how long to wait for the group before reporting the run over anyway. */
const AFTER_KILL_MS = 2000;
/** With the group gone, how long output still in flight from processes that left it may take. */
const DRAIN_MS = 100;

export class Instance {
  state: InstanceState = 'starting';
  child: ChildLike | undefined;
  pid: number | undefined;
  private startedAt = 0;
  private signalledByUs = false;
  private killTimer: unknown;

  constructor(
    readonly plan: InstancePlan,
    private readonly deps: InstanceDeps,
  ) {}

  get name(): string {
    return this.plan.name;
  }

  start(): void {
    const { deps, plan } = this;
    this.state = 'starting';
    this.signalledByUs = false;
    let child: ChildLike;
    try {
      child = deps.spawn({ command: plan.command, cwd: deps.cwd, env: plan.env });
    } catch (error) {
      this.failSpawn(error as Error);
      return;
    }
    this.child = child;
    this.startedAt = deps.clock.now();
    let exit: Omit<ExitInfo, 'uptimeMs'> | undefined;
    let open = 0;
    let groupGone = false;
    let finished = false;
    let drain: unknown;
    // The run is over once the leader has exited, its group is gone, and its pipes are drained.
    const finishIfOver = (): void => {
      if (finished || exit === undefined || !groupGone || open > 0) return;
      finished = true;
      if (drain !== undefined) deps.clock.clearTimeout(drain);
      this.finishRun(exit);
    };
    for (const name of ['stdout', 'stderr'] as const) {
      const stream = child[name];
      if (!stream) continue;
      open++;
      stream.on('data', (chunk: Buffer) => deps.output.data(plan.name, name, chunk));
      stream.once('close', () => {
        deps.output.end(plan.name, name);
        open--;
        finishIfOver();
      });
    }
    child.on('error', (error) => {
      if (child.pid === undefined) this.failSpawn(error);
    });
    child.on('exit', (code, signal) => {
      // Whether ps-run sent the signal is decided now, before cleaning up the rest of the group.
      exit = { code, signal, signalledByUs: this.signalledByUs };
      deps.hooks.leaderExited(this, code, signal);
      // Whatever the leader left in its group is part of a run that is over.
      if (this.state === 'running' || this.state === 'starting') this.signal('SIGTERM');
      this.scheduleKill();
      // Probe once the 'exit' dispatch is over: by then the leader is reaped and usually its group is empty.
      queueMicrotask(() =>
        this.awaitGroupGone(() => {
          groupGone = true;
          if (open > 0) {
            // Pipes still open with the group gone are held by a process that left it (setsid):
            // give what is in flight a moment, then stop waiting for them.
            drain = deps.clock.setTimeout(() => {
              drain = undefined;
              for (const stream of [child.stdout, child.stderr]) stream?.destroy();
              open = 0;
              finishIfOver();
            }, DRAIN_MS);
          }
          finishIfOver();
        }),
      );
    });
    if (child.pid === undefined) return;
    this.pid = child.pid;
    this.state = 'running';
    deps.hooks.spawned(this, child.pid);
  }

  /** Signal the whole process group of the current run. */
  signal(signal: NodeJS.Signals): void {
    if (this.pid === undefined) return;
    this.signalledByUs = true;
    this.deps.signalGroup(this.pid, signal);
  }

  /** SIGTERM now, SIGKILL after the timeout. */
  stop(): void {
    if (this.state !== 'running' && this.state !== 'starting') return;
    this.state = 'stopping';
    this.signal('SIGTERM');
    this.scheduleKill();
  }

  kill(): void {
    if (this.pid === undefined || this.state === 'exited' || this.state === 'failed' || this.state === 'backoff') return;
    this.state = 'stopping';
    this.sendKill();
  }

  pause(): void {
    this.child?.stdout?.pause();
    this.child?.stderr?.pause();
  }

  resume(): void {
    this.child?.stdout?.resume();
    this.child?.stderr?.resume();
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
    const probe = (): void => {
      if (this.pid === undefined || !this.deps.signalGroup(this.pid, 0) || this.deps.clock.now() >= deadline) done();
      else this.deps.clock.setTimeout(probe, PROBE_MS);
    };
    probe();
  }

  private finishRun(exit: Omit<ExitInfo, 'uptimeMs'>): void {
    if (this.killTimer !== undefined) this.deps.clock.clearTimeout(this.killTimer);
    this.killTimer = undefined;
    const uptimeMs = this.deps.clock.now() - this.startedAt;
    this.child = undefined;
    this.state = 'exited';
    this.deps.hooks.ended(this, { ...exit, uptimeMs });
  }

  private failSpawn(error: Error): void {
    this.state = 'failed';
    this.child = undefined;
    this.deps.hooks.spawnFailed(this, error);
  }
}
