// The running app, put together in one place outside the CLI: port check, watchdog, supervisor,
// readiness, the output hub with its subscribers (terminal, rings), the stray sweep and the exit status.
// `start`, `smoke`, the control server, the router and library users drive it through RuntimeControl.
import type { Writable } from 'node:stream';
import { UsageError } from '../errors.js';
import { OutputHub, type LineSubscriber } from '../output/hub.js';
import { describeEvent } from '../output/messages.js';
import { LogRings, type StoredLine } from '../output/ring.js';
import { Sink } from '../output/sink.js';
import { LogWriter, type BlockFormatter } from '../output/writer.js';
import { planInstance, type InstancePlan } from '../plan.js';
import { findPortHolder, listeningSockets } from '../port-holder.js';
import type { Project } from '../project.js';
import { portAccepts } from '../readiness/probes.js';
import { checkFor, type ReadyCheck } from '../readiness/spec.js';
import { ReadinessTracker } from '../readiness/tracker.js';
import { spawnShell, type SignalGroupFn, type SpawnFn } from '../supervisor/child.js';
import { systemClock, type Clock } from '../supervisor/clock.js';
import type { SupervisorEvent } from '../supervisor/events.js';
import type { Instance } from '../supervisor/instance.js';
import type { Backoff, RestartPolicy } from '../supervisor/policy.js';
import { treeRunnable } from '../supervisor/proc-state.js';
import { StraySearch, keepLearning } from '../supervisor/strays.js';
import { Supervisor } from '../supervisor/supervisor.js';
import { SESSION_VARIABLE, Watchdog, newSessionId } from '../supervisor/watchdog.js';
import type { InstanceStatus, Requester, RuntimeControl, RuntimeEvent, RuntimeInfo } from './control.js';
import { closedOutputStatus } from '../exit-status.js';
import { typesToStart, waitingFor, type StartOrder } from '../start-order.js';
import { planScale, resolveTargets } from './targets.js';
import { Routing, type RoutingConfig } from './routing.js';

export interface RuntimeOptions {
  project: Project;
  checks?: ReadonlyMap<string, ReadyCheck>;
  /** How long an `alive`-checked process must stay up to count as ready. Default 1000 ms. */
  settleMs?: number;
  restart?: RestartPolicy;
  maxRestarts?: number;
  backoff?: Backoff;
  /** SIGTERM -> SIGKILL grace period. Default 5000 ms. */
  timeoutMs?: number;
  /** 'pipe' (default): a stdin pipe held open for every child; 'ignore': an empty stdin. */
  stdin?: 'pipe' | 'ignore';
  /** The merged log: where it goes and how it looks. */
  output: { stream: Writable; format: BlockFormatter };
  /** More readers of every line (log files). They must not block. */
  subscribers?: LineSubscriber[];
  /** One line for the user outside the log (ps-run's stderr), e.g. why the output failed. */
  warn?: (text: string) => void;
  /** Reads past this many ms waiting for an instance to come up fail the request. Default 60 s. */
  upTimeoutMs?: number;
  /** Start order (--after): a type starts once every instance of the types it names is ready. */
  after?: StartOrder;
  /** Types that run under a pseudo-terminal, and the spawn that does it (see supervisor/pty.ts). */
  tty?: { types: ReadonlySet<string>; spawn: SpawnFn };
  /** For tests: the edges. Production defaults are real processes, signals and time. */
  spawn?: SpawnFn;
  signalGroup?: SignalGroupFn;
  clock?: Clock;
  /** The orphan-proofing watchdog; default on. */
  watchdog?: boolean;
  /** Routers in front of process types (--router); they listen before anything is spawned. */
  routing?: RoutingConfig;
}

type Listener = (event: RuntimeEvent) => void;

export class Runtime implements RuntimeControl {
  readonly session: string;
  readonly project: Project;
  readonly hub: OutputHub;
  readonly supervisor: Supervisor;
  readonly tracker: ReadinessTracker;
  readonly writer: LogWriter;
  readonly done: Promise<number>;
  socketPath: string | undefined;
  readonly routers: { type: string; url: string }[] = [];
  private readonly rings = new LogRings();
  private readonly sink: Sink;
  private readonly watchdog: Watchdog | undefined;
  private readonly listeners = new Set<Listener>();
  private readonly clock: Clock;
  private userActed = false;
  private readonly after: StartOrder;
  /** Types whose instances may run (their --after wait is over). */
  private readonly startedTypes = new Set<string>();
  private started = false;
  private routing: Routing | undefined;
  private readonly strays: StraySearch | undefined;
  private stopLearning = (): void => {};

  private constructor(
    private readonly options: RuntimeOptions,
    watchdog: Watchdog | undefined,
    session: string,
  ) {
    const { project } = options;
    this.project = project;
    this.session = session;
    this.watchdog = watchdog;
    this.clock = options.clock ?? systemClock;
    this.after = options.after ?? new Map();
    this.hub = new OutputHub(this.clock, undefined, (name) => {
      const instance = this.supervisor.get(name);
      return instance?.live === true && instance.pid !== undefined && treeRunnable(instance.pid);
    });
    this.sink = new Sink(options.output.stream, {
      pressure: (paused) => {
        this.hub.hold(paused);
        if (paused) this.supervisor.pause();
        else this.supervisor.resume();
      },
      closed: (error) => {
        const { status, reason } = closedOutputStatus(error);
        if (status !== 0) options.warn?.(`ps-run: cannot write the log (${reason}); stopping`);
        this.supervisor.stop(`output ${reason}`, status);
      },
    });
    this.writer = new LogWriter(this.sink, options.output.format, () => this.clock.now());
    for (const plan of project.instances) this.writer.widen(plan.name);
    this.tracker = new ReadinessTracker([], options.checks ?? new Map(), { clock: this.clock, settleMs: options.settleMs ?? 1000 });
    const plans = project.instances.map((plan) => this.withSession(plan));
    // The stray sweep at the end reads only processes it has not seen while the run was up.
    const strays = watchdog ? new StraySearch(session, new Set([process.pid, watchdog.pid ?? -1])) : undefined;
    // Nothing is started yet (but the watchdog, excluded): whatever runs now is not of this run.
    strays?.seed();
    this.strays = strays;
    for (const plan of plans) this.tracker.add(plan);
    this.supervisor = new Supervisor({
      instances: plans,
      cwd: project.root,
      restart: options.restart,
      maxRestarts: options.maxRestarts,
      backoff: options.backoff,
      timeoutMs: options.timeoutMs,
      stdin: options.stdin,
      spawn: withTty(options.spawn ?? spawnShell, options.tty),
      signalGroup: options.signalGroup,
      clock: options.clock,
      guard: watchdog,
      findStrays: strays ? () => strays.find() : undefined,
      output: this.hub,
      endsWhenIdle: () => !this.held(),
    });
    this.hub.subscribe(this.writer, { display: true });
    this.hub.subscribe(this.rings);
    if ([...this.tracker.states.values()].some((s) => s.check.kind === 'log')) this.hub.subscribe(this.tracker);
    for (const subscriber of options.subscribers ?? []) this.hub.subscribe(subscriber);
    this.supervisor.on((event) => this.onSupervisorEvent(event));
    this.tracker.on((event) => {
      this.writer.system(describeEvent(event));
      if (event.kind === 'ready') this.startWaiting();
      this.emit(event);
    });
    this.done = this.supervisor.done.then(async (status) => {
      this.stopLearning();
      this.tracker.dispose();
      this.hub.dispose();
      this.watchdog?.close();
      await this.routing?.close();
      return status;
    });
  }

  /** Checks the ports, starts the watchdog; throws UsageError before anything is spawned. */
  static async create(options: RuntimeOptions): Promise<Runtime> {
    const session = options.project.env[SESSION_VARIABLE] ?? newSessionId();
    // The watchdog shell boots while the port check reads /proc; nothing is spawned before it passed.
    const watchdog = options.watchdog === false ? undefined : new Watchdog(session);
    const runtime = new Runtime(options, watchdog, session);
    try {
      await runtime.checkPortsFree(runtime.supervisor.instances.map((i) => i.plan));
      if (options.routing) await runtime.openRouting(options.routing);
    } catch (error) {
      watchdog?.close();
      throw error;
    }
    return runtime;
  }

  start(): this {
    if (this.started) return this;
    this.started = true;
    if (this.supervisor.instances.length === 0) this.writer.system('no process to run: the formation selects none');
    const first = new Set(typesToStart(this.after, this.types(), new Set(), new Set()));
    for (const type of first) this.startedTypes.add(type);
    for (const type of this.types().filter((t) => !first.has(t))) {
      this.writer.system(`${type} waits for ${(this.after.get(type) ?? []).join(', ')} to be ready (--after)`);
    }
    this.supervisor.start((instance) => first.has(instance.plan.type));
    if (this.strays) this.stopLearning = keepLearning(this.strays, this.clock);
    return this;
  }

  /** Types of the formation, in Procfile order. */
  private types(): string[] {
    return this.project.entries.map((e) => e.name).filter((type) => this.supervisor.instances.some((i) => i.plan.type === type));
  }

  /** Types whose every instance is ready (a one-shot's exit 0 counts). */
  private readyTypes(): Set<string> {
    const ready = new Set<string>();
    for (const type of this.types()) {
      const mine = this.supervisor.instances.filter((i) => i.plan.type === type);
      if (mine.every((i) => this.tracker.states.get(i.name)?.status === 'ready')) ready.add(type);
    }
    return ready;
  }

  /** Starts the types whose wait is over (instances of types already started are never touched again). */
  private startWaiting(): void {
    if (this.startedTypes.size === this.types().length || this.supervisor.isStopping) return;
    const now = typesToStart(this.after, this.types(), this.startedTypes, this.readyTypes());
    for (const type of now) {
      this.startedTypes.add(type);
      this.writer.system(`starting ${type}: ${(this.after.get(type) ?? []).join(', ')} ready`);
      for (const instance of this.supervisor.instances) if (instance.plan.type === type) this.supervisor.startOne(instance.name);
    }
  }

  info(): RuntimeInfo {
    return { pid: process.pid, procfile: this.project.procfile, socket: this.socketPath, routers: this.routers };
  }

  status(): InstanceStatus[] {
    const now = this.clock.now();
    const ready = this.readyTypes();
    return this.supervisor.instances.map((instance) => {
      const readiness = this.tracker.states.get(instance.name);
      const running = instance.state === 'running';
      const exit = instance.lastExit;
      return {
        name: instance.name,
        type: instance.plan.type,
        state: instance.state,
        pid: instance.live ? (instance.pid ?? null) : null,
        port: instance.plan.port,
        // A one-shot (exit check) that exited 0 stays ready; anything else is ready only while it runs.
        ready: readiness?.status === 'ready' && (running || (readiness.check.kind === 'exit' && instance.state === 'exited')),
        restarts: instance.restarts,
        uptimeMs: instance.live && instance.startedAt !== undefined ? now - instance.startedAt : null,
        lastExit: exit ? { code: exit.code, signal: exit.signal } : null,
        ...(this.routing ? { rotation: this.routing.placeOf(instance.name) } : {}),
        ...(instance.state === 'waiting' && !this.startedTypes.has(instance.plan.type)
          ? { waitingFor: waitingFor(instance.plan.type, this.after, ready) }
          : {}),
        ...(this.options.tty?.types.has(instance.plan.type) ? { tty: true } : {}),
      };
    });
  }

  subscribe(listener: Listener): { snapshot: InstanceStatus[]; unsubscribe(): void } {
    this.listeners.add(listener);
    return { snapshot: this.status(), unsubscribe: () => this.listeners.delete(listener) };
  }

  follow(
    names: readonly string[] | 'all',
    lines: number,
    subscriber: LineSubscriber | undefined,
  ): { tail: Map<string, StoredLine[]>; unsubscribe(): void } {
    const tailOf = names === 'all' ? this.supervisor.instances.map((i) => i.name) : names;
    const tail = new Map(tailOf.map((name) => [name, this.rings.tail(name, lines)] as const));
    if (!subscriber) return { tail, unsubscribe: () => {} };
    // 'all' follows instances added later (scaling up) too.
    const wanted = names === 'all' ? undefined : new Set(names);
    const unsubscribe = this.hub.subscribe(
      {
        lines: (name, stream, block, time, ends) => {
          if (stream !== 'system' && (!wanted || wanted.has(name))) subscriber.lines(name, stream, block, time, ends);
        },
      },
      { display: true },
    );
    return { tail, unsubscribe };
  }

  listenRaw(name: string, listener: (chunk: Buffer) => void): () => void {
    return this.hub.listenRaw(name, listener);
  }

  resolve(targets: readonly string[]): string[] {
    return resolveTargets(
      targets,
      this.supervisor.instances.map((i) => ({ name: i.name, type: i.plan.type })),
    );
  }

  /** The last lines of an instance as text (the smoke failure report). */
  lastLines(name: string, n: number): string[] {
    return this.rings.text(name, n);
  }

  async restart(targets: readonly string[], requester: Requester): Promise<string[]> {
    const names = this.resolve(targets);
    this.act(`restart ${names.join(', ')}`, requester);
    // Instances behind a router restart one at a time, drained first (rolling); the rest all at once.
    const routed = this.routing?.routed(names) ?? [];
    await Promise.all([
      ...names.filter((name) => !routed.includes(name)).map((name) => this.restartAndAwait(name)),
      ...(this.routing && routed.length > 0 ? [this.routing.roll(routed)] : []),
    ]);
    return names;
  }

  async stop(targets: readonly string[], requester: Requester): Promise<string[]> {
    if (targets.length === 0) throw new UsageError('stop needs a target: an instance (web.2), a type (web) or a glob (w*)');
    const names = this.resolve(targets);
    this.act(`stop ${names.join(', ')}`, requester);
    await Promise.all(names.map((name) => this.supervisor.stopOne(name)));
    return names;
  }

  async scale(counts: ReadonlyMap<string, number>, requester: Requester): Promise<{ added: string[]; removed: string[] }> {
    const { project } = this;
    const step = planScale(
      counts,
      this.supervisor.instances.map((i) => ({ name: i.name, type: i.plan.type, index: i.plan.index })),
      project.entries.map((e) => e.name),
      project.portStep,
    );
    const plans = step.add.map(({ type, index }) => this.planFor(type, index));
    await this.checkPortsFree(plans);
    this.act(`scale ${[...counts].map(([type, n]) => `${type}=${n}`).join(' ')}`, requester);
    // A type scaled up from nothing may start now unless it still waits (--after).
    const ready = this.readyTypes();
    for (const { type } of step.add) if (waitingFor(type, this.after, ready).length === 0) this.startedTypes.add(type);
    // Every new name widens the column before any of them prints, so lines stay aligned.
    for (const plan of plans) this.writer.widen(plan.name);
    const added = plans.map((plan) => {
      this.tracker.add(plan);
      this.supervisor.add(plan, this.startedTypes.has(plan.type));
      return plan.name;
    });
    await Promise.all([
      ...added.filter((name) => this.startedTypes.has(this.supervisor.get(name)!.plan.type)).map((name) => this.awaitUp(name)),
      ...step.remove.map(async (name) => {
        await this.routing?.drain(name);
        await this.supervisor.remove(name);
        this.tracker.remove(name);
      }),
    ]);
    this.supervisor.settleIfIdle();
    return { added, removed: step.remove };
  }

  input(name: string, data: Buffer): boolean {
    const stdin = this.supervisor.get(name)?.stdin;
    if (!stdin || stdin.destroyed) return false;
    stdin.write(data);
    return true;
  }

  quit(requester: Requester): void {
    this.act('quit', requester);
    this.shutdown(`quit requested by ${requester.by}`, 0);
  }

  /** Graceful stop of everything; `status` becomes the exit status (128 + n for a signal). */
  shutdown(reason: string, status?: number): void {
    this.supervisor.stop(reason, status);
  }

  /** SIGKILL to everything of this run now (a second Ctrl-C). */
  kill(): void {
    this.supervisor.kill();
  }

  /** Bytes of log output dropped while stopping because nobody read them. */
  get droppedBytes(): number {
    return this.sink.dropped;
  }

  /** A one-instance supervisor for a command of this run (the smoke command): same watchdog, same log. */
  command(name: string, command: string): Supervisor {
    this.writer.widen(name);
    return new Supervisor({
      instances: [{ name, type: name, index: 1, command, port: 0, env: { ...this.project.env, [SESSION_VARIABLE]: this.session } }],
      cwd: this.project.root,
      restart: 'never',
      timeoutMs: this.options.timeoutMs,
      stdin: 'ignore',
      guard: this.watchdog,
      output: this.hub,
    });
  }

  private async restartAndAwait(name: string): Promise<void> {
    await this.supervisor.restartOne(name);
    await this.awaitUp(name);
  }

  /** Listens on the router ports and lets the routing layer follow this runtime. */
  private async openRouting(config: RoutingConfig): Promise<void> {
    const rolling = { by: 'rolling restart' };
    if (config.log) this.writer.widen('router');
    this.routing = await Routing.open(config, {
      subscribe: (listener) => this.subscribe(listener),
      restartOne: (name) => this.restartAndAwait(name),
      scaleType: async (type, count) => (await this.scale(new Map([[type, count]]), rolling)).added,
      instances: () => this.supervisor.instances.map((i) => ({ name: i.name, type: i.plan.type, port: i.plan.port })),
      log: (text) => this.writer.system(text, 'router'),
      drainMs: this.options.timeoutMs ?? 5000,
    });
    this.routers.push(...this.routing.list());
  }

  private held(): boolean {
    const instances = this.supervisor.instances;
    return instances.some((i) => i.state === 'stopped') || (instances.length === 0 && this.userActed);
  }

  private act(what: string, requester: Requester): void {
    this.userActed = true;
    const text = `${what} (requested by ${requester.by})`;
    this.writer.system(text);
    this.emit({ kind: 'action', text });
  }

  private emit(event: RuntimeEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private onSupervisorEvent(event: SupervisorEvent): void {
    if (event.kind !== 'state') this.writer.system(describeEvent(event));
    if (event.kind === 'stopping') {
      // Once stopping, nobody waits for readiness any more (no late "ready" lines), and output that
      // nobody reads may no longer hold the children up.
      this.tracker.dispose();
      this.sink.stop();
      this.supervisor.resume();
    } else this.tracker.handle(event);
    this.emit(event);
  }

  /** Resolves once the instance is up: ready by its check (port, http, log) or running (alive, exit). */
  private awaitUp(name: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const deadline = this.clock.setTimeout(
        () => finish(new UsageError(`${name} did not come up within ${(this.options.upTimeoutMs ?? 60_000) / 1000} s`)),
        this.options.upTimeoutMs ?? 60_000,
      );
      const finish = (error?: Error): void => {
        this.listeners.delete(check);
        this.clock.clearTimeout(deadline);
        if (error) reject(error);
        else resolve();
      };
      const check = (): void => {
        const instance = this.supervisor.get(name);
        const readiness = this.tracker.states.get(name);
        if (!instance || this.supervisor.isStopping) return finish(new UsageError(`${name} is gone: ps-run is stopping`));
        if (instance.state === 'running') {
          const kind = readiness?.check.kind;
          if (readiness?.status === 'ready' || kind === 'alive' || kind === 'exit') return finish();
        }
        if (instance.state === 'failed' || instance.state === 'backoff' || instance.state === 'exited' || instance.state === 'stopped') {
          finish(new UsageError(`${name} ${describeEnd(instance)} before it was up`));
        }
      };
      this.listeners.add(check);
      check();
    });
  }

  private planFor(type: string, index: number): InstancePlan {
    const { project } = this;
    const position = project.entries.findIndex((e) => e.name === type);
    return this.withSession(planInstance(project.entries[position]!, position, index, project));
  }

  private withSession(plan: InstancePlan): InstancePlan {
    if (plan.env[SESSION_VARIABLE] === this.session) return plan;
    return { ...plan, env: { ...plan.env, [SESSION_VARIABLE]: this.session } };
  }

  /** A port that a port- or http-checked process will bind must be free before it starts. */
  private async checkPortsFree(plans: readonly InstancePlan[]): Promise<void> {
    const bound = plans.filter((plan) => {
      const kind = (this.tracker.states.get(plan.name)?.check ?? checkFor(plan.type, this.options.checks ?? new Map())).kind;
      return kind === 'port' || kind === 'http';
    });
    if (bound.length === 0) return;
    // One read of /proc/net/tcp{,6} answers for every port at once; elsewhere, probe each port.
    const listening = listeningSockets();
    const taken = listening ? bound.map((p) => listening.has(p.port)) : await Promise.all(bound.map((p) => portAccepts(p.port)));
    const plan = bound[taken.indexOf(true)];
    if (!plan) return;
    const holder = findPortHolder(plan.port);
    const by = holder ? ` by pid ${holder.pid}${holder.command ? ` (${holder.command.slice(0, 60)})` : ''}` : '';
    throw new UsageError(`port ${plan.port} for ${plan.name} is already in use${by}`, {
      hint: `stop it, or choose another base port with -p (now ${this.project.basePort})`,
    });
  }
}

/** The spawn for every instance: under a pseudo-terminal for the --tty types, the usual one for the rest. */
function withTty(spawn: SpawnFn, tty: RuntimeOptions['tty']): SpawnFn {
  if (!tty || tty.types.size === 0) return spawn;
  return (request) => (request.type !== undefined && tty.types.has(request.type) ? tty.spawn : spawn)(request);
}

function describeEnd(instance: Instance): string {
  const exit = instance.lastExit;
  if (instance.state === 'stopped') return 'was stopped';
  if (!exit) return 'could not start';
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}
