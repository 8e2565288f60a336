// Watches each instance until its readiness check passes: a port or HTTP probe polled after spawn,
// a log line matched, a clean exit, or simply still being alive after the settle time.
import type { LineSubscriber, LogStream } from '../output/hub.js';
import { forEachLine } from '../output/lines.js';
import type { InstancePlan } from '../plan.js';
import type { Clock } from '../supervisor/clock.js';
import type { SupervisorEvent } from '../supervisor/events.js';
import { httpAnswers, portAccepts } from './probes.js';
import { checkFor, describeCheck, type ReadyCheck } from './spec.js';

export type Readiness = 'waiting' | 'ready' | 'failed';

export interface ReadinessState {
  plan: InstancePlan;
  check: ReadyCheck;
  status: Readiness;
  /** ms from the (latest) spawn to readiness. */
  afterMs?: number;
  reason?: string;
  running: boolean;
  exitCode?: number | null;
  exitSignal?: NodeJS.Signals | null;
}

export type ReadinessEvent = Extract<SupervisorEvent, { kind: 'ready' | 'not-ready' }>;

export interface TrackerDeps {
  clock: Clock;
  settleMs: number;
  /** First delay between probes (default 20 ms); it grows by half each time, up to `maxPollMs`. */
  pollMs?: number;
  /** Longest delay between probes (default 250 ms; never below `pollMs`). */
  maxPollMs?: number;
  portAccepts?: (port: number) => Promise<boolean>;
  httpAnswers?: (port: number, path: string) => Promise<boolean>;
}

interface Run {
  generation: number;
  startedAt: number;
  /** The pending settle or poll timer of this run. */
  timer?: unknown;
  /** A log check still looking at lines. */
  matching?: boolean;
}

export class ReadinessTracker implements LineSubscriber {
  readonly states = new Map<string, ReadinessState>();
  private readonly runs = new Map<string, Run>();
  private readonly listeners = new Set<(event: ReadinessEvent) => void>();
  private generation = 0;

  constructor(
    plans: readonly InstancePlan[],
    private readonly checks: ReadonlyMap<string, ReadyCheck>,
    private readonly deps: TrackerDeps,
  ) {
    for (const plan of plans) this.add(plan);
  }

  /** A new instance (scaling up) to watch from its first spawn. */
  add(plan: InstancePlan): void {
    this.states.set(plan.name, { plan, check: checkFor(plan.type, this.checks), status: 'waiting', running: false });
  }

  /** An instance scaled away. */
  remove(name: string): void {
    const run = this.runs.get(name);
    if (run) this.forget(name, run);
    this.states.delete(name);
  }

  on(listener: (event: ReadinessEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  allReady(): boolean {
    for (const state of this.states.values()) if (state.status !== 'ready') return false;
    return true;
  }

  /** Feed supervisor events: spawns arm the checks, exits settle `exit` checks or fail the others. */
  handle(event: SupervisorEvent): void {
    if (event.kind === 'spawn') this.arm(event.name);
    else if (event.kind === 'exit') this.exited(event.name, event.code, event.signal, event.requested);
  }

  lines(name: string, stream: LogStream, block: Buffer): void {
    if (stream === 'system') return;
    const run = this.runs.get(name);
    if (run?.matching) this.matchLines(name, run, block);
  }

  private arm(name: string): void {
    const state = this.states.get(name);
    if (!state) return;
    const run: Run = { generation: ++this.generation, startedAt: this.deps.clock.now() };
    this.runs.set(name, run);
    state.running = true;
    state.status = 'waiting';
    state.reason = undefined;
    const { check } = state;
    if (check.kind === 'log') run.matching = true;
    else if (check.kind === 'alive') {
      run.timer = this.deps.clock.setTimeout(() => this.isCurrent(name, run) && this.ready(name, run), this.deps.settleMs);
    } else if (check.kind === 'port' || check.kind === 'http') this.poll(name, run, check);
  }

  private poll(name: string, run: Run, check: Extract<ReadyCheck, { kind: 'port' | 'http' }>): void {
    const port = this.states.get(name)!.plan.port;
    let delay = this.deps.pollMs ?? 20;
    const maxDelay = Math.max(delay, this.deps.maxPollMs ?? 250);
    const probe = (): void => {
      if (!this.isCurrent(name, run)) return;
      const answer =
        check.kind === 'port' ? (this.deps.portAccepts ?? portAccepts)(port) : (this.deps.httpAnswers ?? httpAnswers)(port, check.path);
      void answer.then((ok) => {
        if (!this.isCurrent(name, run)) return;
        if (ok) this.ready(name, run);
        else {
          // Probes back off, so a slow starter is not flooded with connections while it boots.
          run.timer = this.deps.clock.setTimeout(probe, delay);
          delay = Math.min(delay * 1.5, maxDelay);
        }
      });
    };
    // After the current turn: when the whole formation is spawned in one loop, its first probes
    // do not slow the spawns down (a process cannot be listening the instant it is spawned).
    queueMicrotask(probe);
  }

  private matchLines(name: string, run: Run, block: Buffer): void {
    const state = this.states.get(name)!;
    if (state.check.kind !== 'log' || !this.isCurrent(name, run)) return;
    const { pattern } = state.check;
    let matched = false;
    forEachLine(block, (start, end) => {
      if (!matched && pattern.test(block.toString('utf8', start, end))) matched = true;
    });
    if (matched) {
      run.matching = false;
      this.ready(name, run);
    }
  }

  private exited(name: string, code: number | null, signal: NodeJS.Signals | null, requested: boolean): void {
    const state = this.states.get(name);
    const run = this.runs.get(name);
    if (!state || !run) return;
    this.forget(name, run);
    state.running = false;
    state.exitCode = code;
    state.exitSignal = signal;
    // Stopped by ps-run itself (a shutdown, a user's stop or restart): not a readiness failure of this process.
    if (requested) state.status = state.status === 'ready' ? 'waiting' : state.status;
    if (state.status !== 'waiting' || requested) return;
    if (state.check.kind === 'exit' && code === 0) {
      this.ready(name, run);
      return;
    }
    state.status = 'failed';
    state.reason = signal !== null ? `was killed by ${signal} before it was ready` : `exited with code ${code} before it was ready`;
    this.emit({ kind: 'not-ready', name, check: describeCheck(state.check), reason: state.reason });
  }

  /** Stops every timer: nothing of the tracker may keep the process alive once the run is over. */
  dispose(): void {
    for (const [name, run] of this.runs) this.forget(name, run);
  }

  private forget(name: string, run: Run): void {
    if (run.timer !== undefined) this.deps.clock.clearTimeout(run.timer);
    this.runs.delete(name);
  }

  private isCurrent(name: string, run: Run): boolean {
    return this.runs.get(name) === run && this.states.get(name)?.status === 'waiting';
  }

  private ready(name: string, run: Run): void {
    const state = this.states.get(name)!;
    state.status = 'ready';
    state.afterMs = this.deps.clock.now() - run.startedAt;
    this.emit({ kind: 'ready', name, port: state.plan.port, check: describeCheck(state.check), afterMs: state.afterMs });
  }

  private emit(event: ReadinessEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
