// The router: one HTTP/1.1 address in front of the ready instances of a process type. It forwards
// each request to an instance in the rotation, retries what can be saved when one fails, tunnels
// upgrades, and answers 503 when no instance became ready in time.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { UsageError } from '../errors.js';
import { findPortHolder } from '../port-holder.js';
import { systemClock, type Clock } from '../supervisor/clock.js';
import type { Balance } from './balance.js';
import { forwardOnce, type Outcome } from './forward.js';
import { requestHeaders } from './headers.js';
import { tcpAccepts, type PortProbe } from './probe.js';
import { Rotation, type Member, type MemberState } from './rotation.js';
import { rawHead, upgradeOnce } from './upgrade.js';
import { InstancePool } from './upstream.js';

export interface AccessEntry {
  method: string;
  path: string;
  /** 0 when the client went away before any answer. */
  status: number;
  /** The instance that answered, or '-' when none did. */
  instance: string;
  ms: number;
}

export interface RouterOptions {
  /** The routed process type, e.g. 'web' (named in the 503 body). */
  type: string;
  host?: string;
  port: number;
  /** How long a request waits for a ready instance before it is answered 503. */
  waitMs?: number;
  balance?: Balance;
  accessLog?: (entry: AccessEntry) => void;
  clock?: Clock;
  probe?: PortProbe;
}

export interface RotationEntry {
  name: string;
  port: number;
  state: MemberState;
  inflight: number;
}

/** Long enough to cover a restart of a typical web process, short enough that a client is not left hanging. */
export const DEFAULT_WAIT_MS = 3000;
/** Attempts per request: the first, and retries on other instances (each failed one is taken out). */
const MAX_ATTEMPTS = 5;
const INSTANCE_HOST = '127.0.0.1';
/** How long an idle client connection is kept open. */
const KEEP_ALIVE_MS = 75_000;

export class Router {
  readonly type: string;
  private readonly host: string;
  private readonly port: number;
  private readonly waitMs: number;
  private readonly clock: Clock;
  private readonly server: Server;
  private readonly rotationTable: Rotation;
  /** Per instance, a pool of keep-alive connections to it; dropped when it leaves the rotation (a new port is a new member). */
  private readonly pools = new Map<string, InstancePool>();
  private readonly tunnels = new Set<Duplex>();
  private closed = false;

  constructor(private readonly options: RouterOptions) {
    this.type = options.type;
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port;
    this.waitMs = options.waitMs ?? DEFAULT_WAIT_MS;
    this.clock = options.clock ?? systemClock;
    this.rotationTable = new Rotation({
      balance: options.balance ?? 'least-connections',
      clock: this.clock,
      probe: options.probe ?? tcpAccepts,
      onLeave: (member) => this.dropPool(member.name),
    });
    // No request timeout: a long upload or stream is the application's business, not the router's. An
    // idle client connection is kept 75 s (nginx's default) rather than node:http's 5 s: a client that
    // sends on a connection as the router closes it loses that request, and the fewer closes the fewer
    // such races.
    this.server = createServer({ requestTimeout: 0, keepAliveTimeout: KEEP_ALIVE_MS }, (req, res) => void this.handle(req, res));
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.handleUpgrade(req, socket, head));
    this.server.on('clientError', (_error, socket: Duplex) => socket.destroy());
  }

  get url(): string {
    const address = this.server.address();
    const port = address !== null && typeof address === 'object' ? address.port : this.port;
    return `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${port}`;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => reject(listenError(error, this.host, this.port));
      this.server.once('error', onError);
      this.server.listen(this.port, this.host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
  }

  /** The instance is ready: it joins the rotation (again, if it was drained or down). */
  admit(name: string, port: number): void {
    this.rotationTable.admit(name, port);
  }

  /** The instance is gone (exited or stopped): out at once, its pooled connections closed. */
  remove(name: string): void {
    this.rotationTable.remove(name);
  }

  /** No new requests; resolves once its requests in flight and upgraded connections ended, or after timeoutMs. */
  drain(name: string, timeoutMs: number): Promise<void> {
    return this.rotationTable.drain(name, timeoutMs);
  }

  rotation(): RotationEntry[] {
    return this.rotationTable.list().map(({ name, port, state, inflight }) => ({ name, port, state, inflight }));
  }

  /** Stops listening and ends every connection, tunnels and pooled ones included. */
  close(): Promise<void> {
    this.closed = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    for (const tunnel of this.tunnels) tunnel.destroy();
    this.rotationTable.close();
    for (const name of [...this.pools.keys()]) this.dropPool(name);
    return closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = this.clock.now();
    let instance = '-';
    const { accessLog } = this.options;
    if (accessLog) {
      res.once('close', () =>
        accessLog({
          method: req.method ?? '',
          path: req.url ?? '',
          status: res.headersSent ? res.statusCode : 0,
          instance,
          ms: this.clock.now() - started,
        }),
      );
    }
    // node:http has answered `Expect: 100-continue` already (100 Continue); the instance gets the body as it comes.
    const head = requestHeaders(req.rawHeaders, { address: req.socket.remoteAddress, proto: 'http', upgrade: false });
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      // The usual case, an instance in the rotation now, without waiting on a promise.
      const member = (this.closed ? undefined : this.rotationTable.pick()) ?? (await this.nextMember(started));
      if (!member) return this.answer(res, 503, `no ${this.type} instance is ready\n`);
      instance = member.name;
      const outcome = await this.attempt(member, (pool) => forwardOnce(pool, req, res, head));
      if (outcome.kind === 'answered' || outcome.kind === 'aborted') return;
      if (outcome.kind === 'failed' && !outcome.retryable) return this.answer(res, 502, `${member.name} failed before answering\n`);
    }
    this.answer(res, 502, `no ${this.type} instance answered\n`);
  }

  private async handleUpgrade(req: IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
    client.on('error', () => client.destroy());
    const started = this.clock.now();
    const { headers } = requestHeaders(req.rawHeaders, { address: req.socket.remoteAddress, proto: 'http', upgrade: true });
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const member = await this.nextMember(started);
      if (!member) return this.answerRaw(client, 503, 'Service Unavailable', `no ${this.type} instance is ready\n`);
      // An upgraded connection counts as in flight until it closes, so a drain waits for it.
      this.rotationTable.begin(member);
      let tunnelled = false;
      const outcome = await upgradeOnce({ host: INSTANCE_HOST, port: member.port }, req, client, head, headers, (upstream) => {
        tunnelled = true;
        this.tunnel(member, client, upstream);
      });
      if (!tunnelled) this.rotationTable.end(member);
      if (outcome.kind === 'answered' || outcome.kind === 'aborted') return;
      this.rotationTable.markDown(member);
      if (outcome.kind === 'failed') return this.answerRaw(client, 502, 'Bad Gateway', `${member.name} failed before answering\n`);
    }
    this.answerRaw(client, 502, 'Bad Gateway', `no ${this.type} instance answered\n`);
  }

  private tunnel(member: Member, client: Duplex, upstream: Duplex): void {
    this.tunnels.add(client).add(upstream);
    let open = 2;
    const closed = (): void => {
      if (--open > 0) return;
      this.tunnels.delete(client);
      this.tunnels.delete(upstream);
      this.rotationTable.end(member);
    };
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      from.on('error', () => to.destroy());
      from.once('close', () => {
        to.destroy();
        closed();
      });
      from.pipe(to);
    }
    if (this.closed) client.destroy();
  }

  /** An instance for the next attempt, waiting (up to waitMs from the request's start) for one to be ready. */
  private nextMember(started: number): Promise<Member | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    return this.rotationTable.waitForReady(started + this.waitMs - this.clock.now());
  }

  /** The instance's connection pool, made on first use. */
  private poolFor(member: Member): InstancePool {
    let pool = this.pools.get(member.name);
    if (pool === undefined) {
      pool = new InstancePool(member.port, INSTANCE_HOST);
      this.pools.set(member.name, pool);
    }
    return pool;
  }

  /** Closes the instance's pooled connections (it left the rotation). */
  private dropPool(name: string): void {
    const pool = this.pools.get(name);
    if (pool === undefined) return;
    this.pools.delete(name);
    pool.destroy();
  }

  private async attempt(member: Member, send: (pool: InstancePool) => Promise<Outcome>): Promise<Outcome> {
    const pool = this.poolFor(member);
    this.rotationTable.begin(member);
    try {
      const outcome = await send(pool);
      if (outcome.kind === 'refused' || outcome.kind === 'failed') this.rotationTable.markDown(member);
      return outcome;
    } finally {
      this.rotationTable.end(member);
    }
  }

  private answer(res: ServerResponse, status: number, body: string): void {
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  private answerRaw(client: Duplex, status: number, message: string, body: string): void {
    const head = rawHead(status, message, [
      ['content-type', 'text/plain; charset=utf-8'],
      ['content-length', String(Buffer.byteLength(body))],
      ['connection', 'close'],
    ]);
    client.end(head + body);
  }
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  const where = `${host}:${port}`;
  if (error.code === 'EADDRINUSE') {
    // Named like the instances' port check does, so the user knows what to stop.
    const holder = findPortHolder(port);
    const by = holder ? ` by pid ${holder.pid}${holder.command ? ` (${holder.command.slice(0, 60)})` : ''}` : '';
    return new UsageError(`router port ${port} is already in use${by} (${where})`, { hint: 'choose another port', cause: error });
  }
  if (error.code === 'EACCES') return new UsageError(`router port ${port} needs privileges this user lacks (${where})`, { cause: error });
  if (error.code === 'EADDRNOTAVAIL') return new UsageError(`router host ${host} is not an address of this machine`, { cause: error });
  return new UsageError(`router cannot listen on ${where}: ${error.message}`, { cause: error });
}
