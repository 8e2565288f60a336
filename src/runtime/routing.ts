// The glue between the runtime and its routers: `--router` values -> specs and discovery variables
// (pure), and `Routing`, which opens a Router per routed type, admits instances on their ready event,
// drains and removes them as they stop, and runs rolling restarts through the runtime.
import { isIP } from 'node:net';
import { envNameOf } from '../discovery.js';
import type { Env } from '../env.js';
import { UsageError } from '../errors.js';
import type { AccessEntry, Router } from '../router/router.js';
import { rollingRestart, typeOf, type RollingDeps } from '../router/rolling.js';
import type { InstanceStatus, RuntimeEvent } from './control.js';

export interface RouterSpec {
  type: string;
  port: number;
}

export interface RoutingConfig {
  specs: readonly RouterSpec[];
  /** The address every router listens on; 127.0.0.1 unless the user widens it. */
  host: string;
  /** Access log lines (method, path, status, instance, ms) under the name `router`. */
  log: boolean;
}

/** The type `--router <port>` fronts when none is named. */
export const DEFAULT_ROUTED_TYPE = 'web';
export const DEFAULT_ROUTER_HOST = '127.0.0.1';

/** `8080` -> web on 8080; `api=8081` -> api on 8081. Pure. */
export function parseRouterSpecs(values: readonly string[]): RouterSpec[] {
  const specs: RouterSpec[] = [];
  for (const value of values) {
    const match = /^(?:([A-Za-z0-9_-]+)=)?(\d{1,5})$/.exec(value.trim());
    const port = Number(match?.[2]);
    if (!match || !(port >= 1 && port <= 65535)) {
      throw new UsageError(`bad --router value "${value}": expected <port> or <type>=<port>, e.g. 8080 or api=8081 (ports 1-65535)`);
    }
    const spec = { type: match[1] ?? DEFAULT_ROUTED_TYPE, port };
    const sameType = specs.find((s) => s.type === spec.type);
    if (sameType) throw new UsageError(`--router names ${spec.type} twice (ports ${sameType.port} and ${spec.port}): one router per type`);
    const samePort = specs.find((s) => s.port === spec.port);
    if (samePort) throw new UsageError(`--router gives port ${spec.port} to both ${samePort.type} and ${spec.type}`);
    specs.push(spec);
  }
  return specs;
}

/** `--router-host`: an IP address of this machine's to listen on. Pure. */
export function parseRouterHost(value: string | undefined): string {
  if (value === undefined) return DEFAULT_ROUTER_HOST;
  if (isIP(value) === 0) throw new UsageError(`bad --router-host "${value}": expected an IP address, e.g. 127.0.0.1 or 0.0.0.0`);
  return value;
}

/** The address a child dials: a wildcard listen address is reached through loopback. Pure. */
export function routerUrl(host: string, port: number): string {
  const dial = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${dial.includes(':') ? `[${dial}]` : dial}:${port}`;
}

/** PS_RUN_ROUTER_URL (the web router) and PS_RUN_<TYPE>_ROUTER_URL per routed type. Pure. */
export function routerEnv(specs: readonly RouterSpec[], host: string): Env {
  const env: Env = {};
  for (const { type, port } of specs) {
    const url = routerUrl(host, port);
    if (type === DEFAULT_ROUTED_TYPE) env.PS_RUN_ROUTER_URL = url;
    env[`PS_RUN_${envNameOf(type)}_ROUTER_URL`] = url;
  }
  return env;
}

/** Every routed type is in the Procfile and the formation, and no router port is an instance's. Pure. */
export function checkRouterSpecs(
  specs: readonly RouterSpec[],
  project: {
    entries: readonly { name: string }[];
    counts: ReadonlyMap<string, number>;
    instances: readonly { name: string; port: number }[];
  },
): void {
  const types = project.entries.map((e) => e.name);
  for (const { type, port } of specs) {
    if (!types.includes(type)) {
      throw new UsageError(
        `--router fronts "${type}", which is not a process type of the Procfile; known types: ${types.join(', ') || 'none'}`,
      );
    }
    if ((project.counts.get(type) ?? 0) === 0) {
      throw new UsageError(`--router fronts ${type}, but the formation runs no ${type} instance`, { hint: `add ${type}=1 or more` });
    }
    const clash = project.instances.find((i) => i.port === port);
    if (clash) {
      throw new UsageError(`router port ${port} for ${type} is also the port of ${clash.name}`, {
        hint: 'choose another router port, or another base port with -p',
      });
    }
  }
}

/** One access log line: `GET /path 200 web.2 3ms`. Pure. */
export function formatAccess(entry: AccessEntry): string {
  return `${entry.method} ${entry.path} ${entry.status || '-'} ${entry.instance} ${Math.round(entry.ms)}ms`;
}

/** The routers' lines under the smoke summary: address and who is in the rotation. Pure. */
export function describeRouters(routers: readonly { type: string; url: string }[], instances: readonly InstanceStatus[]): string {
  return routers
    .map(({ type, url }) => {
      const inRotation = instances.filter((i) => i.type === type && i.rotation?.startsWith('in')).map((i) => i.name);
      return `router for ${type}: ${url} (in rotation: ${inRotation.join(', ') || 'none'})\n`;
    })
    .join('');
}

/** What the routing layer needs of the runtime; Runtime implements it with its own methods. */
export interface RoutingHost {
  subscribe(listener: (event: RuntimeEvent) => void): { snapshot: InstanceStatus[]; unsubscribe(): void };
  /** Restarts the instance; resolves once it is up again, rejects if it did not come up. */
  restartOne(name: string): Promise<void>;
  /** Scales one type to `count`; resolves with the names added, once they are up. */
  scaleType(type: string, count: number): Promise<string[]>;
  instances(): readonly { name: string; type: string; port: number }[];
  /** An access log line, under the name `router`. */
  log(text: string): void;
  /** How long a drain waits for requests in flight (-t). */
  drainMs: number;
}

type Waiter = { resolve(): void; reject(error: Error): void };

export class Routing {
  private readonly waiters = new Map<string, Waiter[]>();
  private closing: Promise<void> | undefined;
  private unsubscribe: () => void = () => {};

  private constructor(
    private readonly routers: ReadonlyMap<string, Router>,
    private readonly host: RoutingHost,
  ) {}

  /** Listens on every router port (UsageError when one is taken: the others are closed again), then follows the runtime. */
  static async open(config: RoutingConfig, host: RoutingHost): Promise<Routing> {
    // Loaded here, not at start-up: only a ps-run that routes pays for node:http.
    const { Router } = await import('../router/router.js');
    const routers = new Map<string, Router>();
    for (const spec of config.specs) {
      const accessLog = config.log ? (entry: AccessEntry) => host.log(formatAccess(entry)) : undefined;
      routers.set(spec.type, new Router({ type: spec.type, port: spec.port, host: config.host, accessLog }));
    }
    const opened: Router[] = [];
    try {
      for (const router of routers.values()) {
        await router.listen();
        opened.push(router);
      }
    } catch (error) {
      await Promise.all(opened.map((r) => r.close()));
      throw error;
    }
    const routing = new Routing(routers, host);
    routing.unsubscribe = host.subscribe((event) => routing.onEvent(event)).unsubscribe;
    return routing;
  }

  /** Type and address of each router, for RuntimeInfo. */
  list(): { type: string; url: string }[] {
    return [...this.routers.values()].map((router) => ({ type: router.type, url: router.url }));
  }

  /** Its place in its type's rotation (`in`, `draining (2 in flight)`, `out`, `down`, `not in`); undefined when its type is not routed. */
  placeOf(name: string): string | undefined {
    const router = this.routers.get(typeOf(name));
    if (!router) return undefined;
    const entry = router.rotation().find((e) => e.name === name);
    if (!entry) return 'not in';
    return entry.inflight > 0 ? `${entry.state} (${entry.inflight} in flight)` : entry.state;
  }

  /** The names whose type has a router. */
  routed(names: readonly string[]): string[] {
    return names.filter((name) => this.routers.has(typeOf(name)));
  }

  /** Out of the rotation before it goes (scaling down): new requests go elsewhere, those in flight finish (up to -t). */
  async drain(name: string): Promise<void> {
    await this.routers.get(typeOf(name))?.drain(name, this.host.drainMs);
  }

  /** Rolling restart of routed instances: one at a time per type, with a surge instance when one instance carries the type alone. */
  async roll(names: readonly string[]): Promise<void> {
    const byType = new Map<string, string[]>();
    for (const name of this.routed(names)) byType.set(typeOf(name), [...(byType.get(typeOf(name)) ?? []), name]);
    await Promise.all(
      [...byType].map(([type, list]) => {
        const router = this.routers.get(type)!;
        const serving = router.rotation().filter((e) => e.state === 'in');
        const surge = serving.length === 1 && list.includes(serving[0]!.name);
        return rollingRestart(list, this.rollingDeps(router), surge);
      }),
    );
  }

  /** Stops accepting and ends every connection; once, however often it is asked. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.unsubscribe();
      for (const [name, waiters] of this.waiters) {
        for (const waiter of waiters) waiter.reject(new UsageError(`${name} is gone: ps-run is stopping`));
      }
      this.waiters.clear();
      await Promise.all([...this.routers.values()].map((r) => r.close()));
    })();
    return this.closing;
  }

  private rollingDeps(router: Router): RollingDeps {
    const portOf = (name: string): number | undefined => this.host.instances().find((i) => i.name === name)?.port;
    const countOf = (type: string): number => this.host.instances().filter((i) => i.type === type).length;
    return {
      drain: (name) => router.drain(name, this.host.drainMs),
      restart: async (name) => {
        const admitted = this.admitted(name);
        try {
          await this.host.restartOne(name);
        } catch (error) {
          admitted.catch(() => {});
          throw error;
        }
        await admitted;
      },
      admit: (name) => {
        const port = portOf(name);
        // Normally admitted already by its ready event; this only puts back one that was drained but never left.
        if (port !== undefined && router.rotation().some((e) => e.name === name)) router.admit(name, port);
      },
      addSurge: async (type) => {
        const [name] = await this.host.scaleType(type, countOf(type) + 1);
        if (name === undefined) throw new UsageError(`could not add a surge instance of ${type}`);
        await this.admitted(name);
        return name;
      },
      // Scaling down takes the highest number, the surge instance, and drains it first (see Runtime.scale).
      removeSurge: async (name) => void (await this.host.scaleType(typeOf(name), countOf(typeOf(name)) - 1)),
    };
  }

  /** Resolves once the instance is in its router's rotation (its ready event); rejects if it ends first. */
  private admitted(name: string): Promise<void> {
    // Already in (a surge instance is admitted by its ready event before scale resolves).
    const entry = this.routers
      .get(typeOf(name))
      ?.rotation()
      .find((e) => e.name === name);
    if (entry?.state === 'in') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(name) ?? [];
      list.push({ resolve, reject });
      this.waiters.set(name, list);
    });
  }

  private settle(name: string, error?: Error): void {
    const list = this.waiters.get(name);
    if (!list) return;
    this.waiters.delete(name);
    for (const waiter of list) {
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  }

  private onEvent(event: RuntimeEvent): void {
    if (event.kind === 'stopping') {
      // Shutting down: stop taking requests before the instances go.
      void this.close();
      return;
    }
    if (!('name' in event)) return;
    const router = this.routers.get(typeOf(event.name));
    if (!router) return;
    if (event.kind === 'ready') {
      router.admit(event.name, event.port);
      this.settle(event.name);
    } else if (event.kind === 'state' && event.state === 'stopping') {
      // Asked to stop: no new requests; the exit takes it out for good.
      void router.drain(event.name, this.host.drainMs);
    } else if (
      event.kind === 'state' &&
      (event.state === 'stopped' || event.state === 'exited' || event.state === 'failed' || event.state === 'backoff')
    ) {
      router.remove(event.name);
    } else if (event.kind === 'exit') {
      router.remove(event.name);
    } else if (event.kind === 'not-ready') {
      this.settle(event.name, new UsageError(`${event.name} did not become ready: ${event.reason}`));
    }
  }
}
