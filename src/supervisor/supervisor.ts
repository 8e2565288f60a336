// Owns the instances of a live formation: starts them, applies the restart policy after a run ends on
// its own, carries out restart/stop/scale requests, stops them all, and settles `done` with ps-run's exit
// status once nothing it started is left.
import { statSync } from 'node:fs';
import type { InstancePlan } from '../plan.js';
import { signalGroup as realSignalGroup, signalProcess, spawnShell, type SignalGroupFn, type SpawnFn } from './child.js';
import { systemClock, type Clock } from './clock.js';
import type { SupervisorEvent, SupervisorListener } from './events.js';
import { Instance, type InstanceDeps, type InstanceHooks, type OutputOpener, type StopIntent } from './instance.js';
import { findStraysAndStop } from './sweep.js';
import type { StrayFinder } from './strays.js';
import type { ProcessGuard } from './watchdog.js';
import { decideAfterExit, exitStatus, isCrash, type Backoff, type ExitInfo, type RestartPolicy } from './policy.js';

export interface SupervisorOptions {
  instances: readonly InstancePlan[];
  cwd: string;
  restart?: RestartPolicy;
  maxRestarts?: number;
  /** Restart delays; default 100 ms doubling up to 10 s. */
  backoff?: Backoff;
  /** SIGTERM -> SIGKILL grace period, ms. Default 5000. */
  timeoutMs?: number;
  /** 'pipe' (default): every child gets a stdin pipe held open; 'ignore': an empty stdin. */
  stdin?: 'pipe' | 'ignore';
  spawn?: SpawnFn;
  signalGroup?: SignalGroupFn;
  clock?: Clock;
  /** Told of every process group as it starts and ends (the watchdog). */
  guard?: ProcessGuard;
  /** Finds processes of this run that left their group; they are stopped before `done` settles. */
  findStrays?: StrayFinder;
  signalProcess?: (pid: number, signal: NodeJS.Signals) => void;
  /** Where each pipe's bytes go. Default: nowhere. */
  output?: OutputOpener;
  /**
   * Whether the supervisor ends on its own once every instance has ended (the default). A live runtime
   * passes a function: ps-run keeps running while the user holds instances stopped or scaled away.
   */
  endsWhenIdle?: () => boolean;
}

const NO_OUTPUT: OutputOpener = { open: () => ({ data: () => {}, end: () => {} }) };

export class Supervisor {
  /** Settles with ps-run's exit status once every instance is over. */
  readonly done: Promise<number>;
  private readonly byName = new Map<string, Instance>();
  private readonly listeners = new Set<SupervisorListener>();
  private readonly policy: RestartPolicy;
  private readonly clock: Clock;
  private readonly deps: InstanceDeps;
  private stopping = false;
  /** A kill was asked for: the stray sweep skips its grace period. */
  private killing = false;
  private stopStatus: number | undefined;
  private firstFailure: number | undefined;
  private resolveDone!: (status: number) => void;
  private started = false;
  private settling = false;

  constructor(private readonly options: SupervisorOptions) {
    this.policy = options.restart ?? 'on-failure';
    this.clock = options.clock ?? systemClock;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.deps = {
      spawn: options.spawn ?? spawnShell,
      signalGroup: options.signalGroup ?? realSignalGroup,
      clock: this.clock,
      cwd: options.cwd,
      timeoutMs: options.timeoutMs ?? 5000,
      stdin: options.stdin ?? 'pipe',
      output: options.output ?? NO_OUTPUT,
      hooks: this.hooks(),
    };
    for (const plan of options.instances) this.byName.set(plan.name, new Instance(plan, this.deps));
  }

  /** Every instance, in the order they were added. */
  get instances(): Instance[] {
    return [...this.byName.values()];
  }

  get(name: string): Instance | undefined {
    return this.byName.get(name);
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  on(listener: SupervisorListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts every instance, or only those `which` selects (the rest stay `waiting`). */
  start(which: (instance: Instance) => boolean = () => true): this {
    if (this.started) return this;
    this.started = true;
    for (const instance of this.byName.values()) if (which(instance)) instance.start();
    this.settleIfIdle();
    return this;
  }

  /** Starts an instance that is waiting, stopped or over. */
  startOne(name: string): void {
    if (!this.stopping) this.byName.get(name)?.start();
  }

  /** A user's restart: no back-off, the crash streak starts afresh. Resolves when the old run is over. */
  restartOne(name: string): Promise<void> {
    const instance = this.byName.get(name);
    if (!instance || this.stopping) return Promise.resolve();
    return instance.stop('restart');
  }

  /** A user's stop: the instance stays `stopped` until started again. Resolves when its group is gone. */
  stopOne(name: string): Promise<void> {
    const instance = this.byName.get(name);
    return instance ? instance.stop('stop') : Promise.resolve();
  }

  /** A new instance (scaling up); started at once unless `start` is false. */
  add(plan: InstancePlan, start = true): Instance {
    const instance = new Instance(plan, this.deps);
    this.byName.set(plan.name, instance);
    if (start && this.started && !this.stopping) instance.start();
    return instance;
  }

  /** Scaling down: stops the instance, then forgets it. */
  async remove(name: string): Promise<void> {
    const instance = this.byName.get(name);
    if (!instance) return;
    await instance.stop('stop');
    this.byName.delete(name);
    this.settleIfIdle();
  }

  /** Graceful stop: SIGTERM to every group, SIGKILL after the timeout. `status` becomes the exit status. */
  stop(reason: string, status?: number): void {
    if (status !== undefined && this.stopStatus === undefined) this.stopStatus = status;
    if (this.stopping) return;
    this.stopping = true;
    this.emit({ kind: 'stopping', reason });
    for (const instance of this.byName.values()) void instance.stop('shutdown');
    this.started = true;
    this.settleIfIdle();
  }

  /** SIGKILL to every group now (a second Ctrl-C), and to the processes that left their group. */
  kill(): void {
    this.killing = true;
    if (!this.stopping) this.stop('killing');
    for (const instance of this.byName.values()) instance.kill();
  }

  /** Back-pressure: stop reading the children's output, so they block on write. */
  pause(): void {
    for (const instance of this.byName.values()) instance.pause();
  }

  resume(): void {
    for (const instance of this.byName.values()) instance.resume();
  }

  /** Re-checks whether everything is over (after the runtime's own reasons to stay changed). */
  settleIfIdle(): void {
    if (!this.started || this.settling) return;
    for (const instance of this.byName.values()) {
      if (instance.live || instance.state === 'backoff') return;
    }
    if (!this.stopping && this.options.endsWhenIdle && !this.options.endsWhenIdle()) return;
    this.settling = true;
    const finish = (): void => this.resolveDone(this.stopStatus ?? this.firstFailure ?? 0);
    if (!this.options.findStrays) return finish();
    void findStraysAndStop({
      find: this.options.findStrays,
      signal: this.options.signalProcess ?? signalProcess,
      clock: this.clock,
      timeoutMs: this.options.timeoutMs ?? 5000,
      report: (pids, signal) => this.emit({ kind: 'strays', pids, signal }),
      killing: () => this.killing,
    }).then(finish, finish);
  }

  private emit(event: SupervisorEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private hooks(): InstanceHooks {
    return {
      stateChanged: (instance, previous) => this.emit({ kind: 'state', name: instance.name, state: instance.state, previous }),
      spawned: (instance, pid) => {
        this.options.guard?.watch(pid);
        this.emit({ kind: 'spawn', name: instance.name, pid, port: instance.plan.port });
      },
      killing: (instance, pid) => this.emit({ kind: 'kill', name: instance.name, pid }),
      leftBehind: (instance, exit) => this.emit({ kind: 'left-behind', name: instance.name, ...exit }),
      spawnFailed: (instance, error) => {
        this.emit({ kind: 'spawn-error', name: instance.name, message: spawnErrorMessage(error, this.options.cwd) });
        this.recordFailure(127);
        if (this.policy === 'never' && !this.stopping) this.stop(`${instance.name} could not start`, 127);
        this.settleIfIdle();
      },
      ended: (instance, exit, intent) => this.onEnded(instance, exit, intent),
    };
  }

  private onEnded(instance: Instance, exit: ExitInfo, intent: StopIntent | undefined): void {
    if (instance.pid !== undefined) this.options.guard?.unwatch(instance.pid);
    // Ended because ps-run asked (a shutdown, a user's stop or restart): never a crash.
    const crashed = intent === undefined && isCrash(exit);
    this.emit({ kind: 'exit', name: instance.name, code: exit.code, signal: exit.signal, crashed, requested: intent !== undefined });
    if (intent !== undefined || this.stopping) {
      // A restart starts the next run right after this: the only instance being restarted is not idle.
      if (intent !== 'restart' || this.stopping) this.settleIfIdle();
      return;
    }
    const decision = decideAfterExit(this.policy, this.options.maxRestarts, exit, instance.streak, this.options.backoff);
    switch (decision.action) {
      case 'restart':
        this.emit({ kind: 'restart', name: instance.name, delayMs: decision.delayMs, attempt: decision.streak.restarts });
        instance.retryAfter(decision.delayMs, decision.streak);
        break;
      case 'give-up':
        instance.fail();
        this.recordFailure(exitStatus(exit));
        this.emit({ kind: 'give-up', name: instance.name, crashes: decision.crashes });
        break;
      case 'stop-all':
        instance.fail();
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
}

/** What a failed spawn means to a user: a missing working directory is the usual ENOENT of /bin/sh. */
function spawnErrorMessage(error: Error, cwd: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' && !directoryExists(cwd)) return `its working directory ${cwd} no longer exists`;
  if (code === 'E2BIG') return 'its command line or environment is too large for the system (E2BIG)';
  return error.message;
}

function directoryExists(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
