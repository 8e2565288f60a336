// Keep-alive connections from the router to one instance. Each connection has its listeners for
// life and hands what its socket says to the exchange (one request and its response) it carries now;
// an idle connection that hears anything (bytes nobody asked for, or its end) is closed.
import { connect, type Socket } from 'node:net';

/** One request and its response on a connection: what the connection's socket says goes to it. */
export interface Exchange {
  /** The TCP connection was made (for a new connection; a reused one is connected already). */
  connect(): void;
  data(chunk: Buffer): void;
  /** The instance ended the connection (EOF). */
  end(): void;
  /** The socket closed; `error` is what broke it, if anything did. */
  closed(error: Error | undefined): void;
  /** The socket's write buffer drained. */
  drain(): void;
}

export class Connection {
  /** The exchange this connection carries, or undefined while it is idle. */
  exchange: Exchange | undefined;
  /** Whether the TCP connection was ever made (a refused one was not). */
  connected = false;
  private error: Error | undefined;

  constructor(
    readonly socket: Socket,
    private readonly pool: InstancePool,
  ) {
    socket.on('connect', () => {
      this.connected = true;
      this.exchange?.connect();
    });
    socket.on('data', (chunk: Buffer) => (this.exchange ? this.exchange.data(chunk) : socket.destroy()));
    socket.on('end', () => (this.exchange ? this.exchange.end() : socket.destroy()));
    socket.on('drain', () => this.exchange?.drain());
    socket.on('error', (error) => (this.error = error));
    socket.on('close', () => {
      this.pool.forget(this);
      const exchange = this.exchange;
      this.exchange = undefined;
      exchange?.closed(this.error);
    });
  }
}

/**
 * The connections to one instance: an idle one reused (the most recent first, so a surplus ages out
 * at the instance), a new one made when none is idle. No limit: as many as requests in flight.
 */
export class InstancePool {
  private readonly idle: Connection[] = [];
  private destroyed = false;

  constructor(
    readonly port: number,
    readonly host: string,
  ) {}

  /** An idle connection (`reused`: the instance may have closed it a moment ago) or a new one. */
  acquire(fresh = false): { connection: Connection; reused: boolean } {
    const idle = fresh ? undefined : this.idle.pop();
    if (idle !== undefined) return { connection: idle, reused: true };
    const socket = connect({ port: this.port, host: this.host, noDelay: true });
    return { connection: new Connection(socket, this), reused: false };
  }

  /** The connection finished an exchange and may carry another. */
  release(connection: Connection): void {
    connection.exchange = undefined;
    if (this.destroyed || connection.socket.destroyed) return void connection.socket.destroy();
    // Reading while idle (a response's back-pressure may have paused it): that is how its close is heard.
    connection.socket.resume();
    this.idle.push(connection);
  }

  /** The connection closed: it is no longer idle. */
  forget(connection: Connection): void {
    const at = this.idle.indexOf(connection);
    if (at !== -1) this.idle.splice(at, 1);
  }

  /** Closes the idle connections; busy ones close when their exchange ends. */
  destroy(): void {
    this.destroyed = true;
    for (const connection of this.idle.splice(0)) connection.socket.destroy();
  }
}
