// Owns the instances of a formation: starts them, applies the restart policy, stops them all,
// and settles `done` with ps-run's exit status once nothing it started is left.
import type { InstancePlan } from '../plan.js';
import { signalGroup as realSignalGroup, signalProcess, spawnShell, type SignalGroupFn, type SpawnFn } from './child.js';
import { systemClock, type Clock } from './clock.js';
import type { SupervisorEvent, SupervisorListener } from './events.js';
import { Instance, type InstanceHooks, type OutputListener } from './instance.js';
import { findStraysAndStop } from './sweep.js';
import type { StrayFinder } from './strays.js';
import type { ProcessGuard } from './watchdog.js';
import { decideAfterExit, exitStatus, isCrash, type Backoff, type ExitInfo, type RestartPolicy, type Streak } from './policy.js';

export interface SupervisorOptions {
  instances: readonly InstancePlan[];
  cwd: string;
  restart?: RestartPolicy;
  maxRestarts?: number;
  /** Restart delays; default 100 ms doubling up to 10 s. */
  backoff?: Backoff;
  /** SIGTERM -> SIGKILL grace period, ms. Default 5000. */
  timeoutMs?: number;
  spawn?: SpawnFn;
  signalGroup?: SignalGroupFn;
  clock?: Clock;
  /** Told of every process group as it starts and ends (the watchdog). */
  guard?: ProcessGuard;
  /** Finds processes of this run that left their group; they are stopped before `done` settles. */
  findStrays?: StrayFinder;
  signalProcess?: (pid: number, signal: NodeJS.Signals) => void;
}

const NO_OUTPUT: OutputListener = { data: () => {}, end: () => {} };

export class Supervisor {
  readonly instances: Instance[];
  /** Settles with ps-run's exit status once every instance is over. */
  readonly done: Promise<number>;
  private readonly listeners = new Set<SupervisorListener>();
  private output: OutputListener = NO_OUTPUT;
  private readonly streaks = new Map<Instance, Streak>();
  private readonly timers = new Map<Instance, unknown>();
  private readonly policy: RestartPolicy;
  private readonly clock: Clock;
  private stopping = false;
  private stopStatus: number | undefined;
  private firstFailure: number | undefined;
  private resolveDone!: (status: number) => void;
  private started = false;
  private settling = false;

  constructor(private readonly options: SupervisorOptions) {
    this.policy = options.restart ?? 'on-failure';
    this.clock = options.clock ?? systemClock;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    const output: OutputListener = {
      // Late-bound (pipeOutput may come after construction), without a rest array per chunk.
      data: (name, stream, chunk) => this.output.data(name, stream, chunk),
      end: (name, stream) => this.output.end(name, stream),
    };
    const deps = {
      spawn: options.spawn ?? spawnShell,
      signalGroup: options.signalGroup ?? realSignalGroup,
      clock: this.clock,
      cwd: options.cwd,
      timeoutMs: options.timeoutMs ?? 5000,
      output,
      hooks: this.hooks(),
    };
    this.instances = options.instances.map((plan) => new Instance(plan, deps));
  }

  on(listener: SupervisorListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Where the children's output goes (one listener: the log writer). */
  pipeOutput(output: OutputListener): void {
    this.output = output;
  }

  start(): this {
    if (this.started) return this;
    this.started = true;
    for (const instance of this.instances) instance.start();
    this.settleIfIdle();
    return this;
  }

  /** Graceful stop: SIGTERM to every group, SIGKILL after the timeout. `status` becomes the exit status. */
  stop(reason: string, status?: number): void {
    if (status !== undefined && this.stopStatus === undefined) this.stopStatus = status;
    if (this.stopping) return;
    this.stopping = true;
    this.emit({ kind: 'stopping', reason });
    for (const [instance, timer] of this.timers) {
      this.clock.clearTimeout(timer);
      instance.state = 'exited';
    }
    this.timers.clear();
    for (const instance of this.instances) instance.stop();
    this.settleIfIdle();
  }

  /** SIGKILL to every group now (a second Ctrl-C). */
  kill(): void {
    if (!this.stopping) this.stop('killing');
    for (const instance of this.instances) instance.kill();
  }

  /** Back-pressure: stop reading the children's output, so they block on write. */
  pause(): void {
    for (const instance of this.instances) instance.pause();
  }

  resume(): void {
    for (const instance of this.instances) instance.resume();
  }

  private emit(event: SupervisorEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private hooks(): InstanceHooks {
    return {
      spawned: (instance, pid) => {
        this.options.guard?.watch(pid);
        this.emit({ kind: 'spawn', name: instance.name, pid, port: instance.plan.port });
      },
      leaderExited: () => {},
      killing: (instance, pid) => this.emit({ kind: 'kill', name: instance.name, pid }),
      spawnFailed: (instance, error) => {
        this.emit({ kind: 'spawn-error', name: instance.name, message: error.message });
        this.recordFailure(127);
        if (this.policy === 'never' && !this.stopping) this.stop(`${instance.name} could not start`);
        this.settleIfIdle();
      },
      ended: (instance, exit) => this.onEnded(instance, exit),
    };
  }

  private onEnded(instance: Instance, exit: ExitInfo): void {
    if (instance.pid !== undefined) this.options.guard?.unwatch(instance.pid);
    const crashed = isCrash(exit);
    this.emit({ kind: 'exit', name: instance.name, code: exit.code, signal: exit.signal, crashed });
    if (this.stopping) {
      this.settleIfIdle();
      return;
    }
    const streak = this.streaks.get(instance) ?? { restarts: 0, crashes: 0 };
    const decision = decideAfterExit(this.policy, this.options.maxRestarts, exit, streak, this.options.backoff);
    switch (decision.action) {
      case 'restart': {
        this.streaks.set(instance, decision.streak);
        instance.state = 'backoff';
        this.emit({ kind: 'restart', name: instance.name, delayMs: decision.delayMs, attempt: decision.streak.restarts });
        const timer = this.clock.setTimeout(() => {
          this.timers.delete(instance);
          if (!this.stopping) instance.start();
        }, decision.delayMs);
        this.timers.set(instance, timer);
        break;
      }
      case 'give-up':
        instance.state = 'failed';
        this.recordFailure(exitStatus(exit));
        this.emit({ kind: 'give-up', name: instance.name, crashes: decision.crashes });
        break;
      case 'stop-all':
        instance.state = 'failed';
        this.recordFailure(exitStatus(exit));
        this.emit({ kind: 'fatal', name: instance.name, policy: this.policy });
        this.stop(`${instance.name} failed`, exitStatus(exit));
        break;
      case 'done':
        if (crashed) this.recordFailure(exitStatus(exit));
        break;
    }
    this.settleIfIdle();
  }

  private recordFailure(status: number): void {
    if (this.firstFailure === undefined) this.firstFailure = status;
  }

  private settleIfIdle(): void {
    if (!this.started) return;
    const busy = this.instances.some(
      (i) => i.state === 'running' || i.state === 'starting' || i.state === 'stopping' || i.state === 'backoff',
    );
    if (busy || this.settling) return;
    this.settling = true;
    const finish = (): void => this.resolveDone(this.stopStatus ?? this.firstFailure ?? 0);
    if (!this.options.findStrays) return finish();
    void findStraysAndStop({
      find: this.options.findStrays,
      signal: this.options.signalProcess ?? signalProcess,
      clock: this.clock,
      timeoutMs: this.options.timeoutMs ?? 5000,
      report: (pids, signal) => this.emit({ kind: 'strays', pids, signal }),
    }).then(finish, finish);
  }
}
