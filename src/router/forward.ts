// One attempt to pass a request to one instance, streaming both bodies, and what became of it: the
// router decides from the outcome whether the request may be tried on another instance. The
// instance side is a keep-alive connection of the instance's pool and the router's own response
// parser: the request head written in one piece, the response head and body handed over as they come.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { endToEndRaw, type ForwardedHead } from './headers.js';
import { ResponseParser, type ResponseEvents, type ResponseHead } from './response-parser.js';
import type { Connection, Exchange, InstancePool } from './upstream.js';

export type Outcome =
  /** The instance answered (the response may still have broken off mid-body: nothing to retry then). */
  | { kind: 'answered' }
  /** The connection was never made (refused, unreachable): nothing was sent, any request may go elsewhere. */
  | { kind: 'refused'; error: Error }
  /** Sent (maybe in part) but no response started: `retryable` when the method is idempotent and no body was sent. */
  | { kind: 'failed'; error: Error; retryable: boolean }
  /** The client went away first; nothing to answer, and no fault of the instance. */
  | { kind: 'aborted' };

/** Idempotent methods (RFC 9110 9.2.2): repeating them has the effect of sending them once. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/** Errors of the connect step: nothing of the request reached the instance. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ETIMEDOUT']);

/** The request line and headers as one string (latin1, as node:http read them). */
function requestText(method: string, path: string, head: ForwardedHead, pool: InstancePool): string {
  let text = `${method} ${path} HTTP/1.1\r\n`;
  const headers = head.headers;
  for (let i = 0; i + 1 < headers.length; i += 2) text += `${headers[i] as string}: ${headers[i + 1] as string}\r\n`;
  // HTTP/1.1 requires a Host; a client that sent none (HTTP/1.0) gets the instance's address.
  if (!head.host) text += `host: ${pool.host}:${pool.port}\r\n`;
  // node:http has taken a chunked body apart; it goes on in chunks again (its length is not known).
  if (head.chunked) text += 'transfer-encoding: chunked\r\n';
  return `${text}\r\n`;
}

export function forwardOnce(pool: InstancePool, req: IncomingMessage, res: ServerResponse, head: ForwardedHead): Promise<Outcome> {
  return new Promise((resolve) => new Forwarding(pool, req, res, head, resolve).start(false));
}

class Forwarding implements Exchange, ResponseEvents {
  private connection!: Connection;
  private reused = false;
  private parser!: ResponseParser;
  /** Any byte of the response arrived. */
  private heard = false;
  /** The final response head was passed to the client. */
  private responded = false;
  /** Some of the request body was written to the instance. */
  private bodySent = false;
  /** The whole request was written. */
  private requestDone = false;
  /** This attempt reads the request body (its listeners are on the request). */
  private readingBody = false;
  /** Reading from the instance is paused until the client's side drains. */
  private waitingForClient = false;
  private settled = false;
  private readonly method: string;

  constructor(
    private readonly pool: InstancePool,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly head: ForwardedHead,
    private readonly resolve: (outcome: Outcome) => void,
  ) {
    this.method = req.method ?? 'GET';
  }

  /** Sends the request on an idle connection, or a new one (`fresh`: after an idle one turned out closed). */
  start(fresh: boolean): void {
    const { connection, reused } = this.pool.acquire(fresh);
    this.connection = connection;
    this.reused = reused;
    connection.exchange = this;
    this.parser = new ResponseParser(this, this.method === 'HEAD');
    if (!fresh) this.res.once('close', this.onClientGone);
    connection.socket.write(requestText(this.method, this.req.url ?? '/', this.head, this.pool), 'latin1');
    if (!this.head.hasBody) this.requestDone = true;
    // The body is read once the connection is made: a refused attempt leaves it unread for the next.
    else if (connection.connected) this.sendBody();
  }

  connect(): void {
    if (this.head.hasBody && !this.settled) this.sendBody();
  }

  data(chunk: Buffer): void {
    this.heard = true;
    try {
      this.parser.execute(chunk);
    } catch (error) {
      this.fail(error as Error);
    }
  }

  end(): void {
    if (this.settled) return;
    // A body that runs until the connection closes ends here; anything else ended too soon.
    if (!this.parser.finish())
      this.fail(Object.assign(new Error('the instance closed the connection before the response ended'), { code: 'ECONNRESET' }));
  }

  closed(error: Error | undefined): void {
    if (!this.settled) this.fail(error ?? Object.assign(new Error('the connection to the instance closed'), { code: 'ECONNRESET' }));
  }

  drain(): void {
    if (this.readingBody) this.req.resume();
  }

  private sendBody(): void {
    this.readingBody = true;
    this.req.on('data', this.onRequestData);
    this.req.once('end', this.onRequestEnd);
    this.req.resume();
  }

  private readonly onRequestData = (chunk: Buffer): void => {
    if (this.settled) return;
    this.bodySent = true;
    const socket = this.connection.socket;
    let written: boolean;
    if (this.head.chunked) {
      // One chunk per piece read: size line, data and CRLF in one write.
      socket.cork();
      socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      socket.write(chunk);
      written = socket.write('\r\n', 'latin1');
      socket.uncork();
    } else written = socket.write(chunk);
    if (!written) this.req.pause();
  };

  private readonly onRequestEnd = (): void => {
    if (this.settled) return;
    if (this.head.chunked) this.connection.socket.write('0\r\n\r\n');
    this.requestDone = true;
  };

  onHead(head: ResponseHead): void {
    // node:http refuses a head it would not send (a control character in a value, say): that throws
    // here, and the attempt fails as if the instance had sent nothing.
    if (!this.res.destroyed) this.res.writeHead(head.status, head.statusText, endToEndRaw(head.rawHeaders));
    this.responded = true;
  }

  onBody(chunk: Buffer): void {
    if (chunk.length === 0 || this.res.destroyed) return;
    // The rest of this read is still handed over; the instance's next reads wait for the client.
    if (!this.res.write(chunk) && !this.waitingForClient) {
      this.waitingForClient = true;
      this.connection.socket.pause();
      this.res.once('drain', this.resumeResponse);
    }
  }

  private readonly resumeResponse = (): void => {
    this.waitingForClient = false;
    if (!this.settled) this.connection.socket.resume();
  };

  onComplete(reusable: boolean): void {
    this.res.end();
    this.detach();
    // A response that came before the whole request was sent leaves the connection mid-request.
    if (reusable && this.requestDone) this.pool.release(this.connection);
    else this.connection.socket.destroy();
    this.settle({ kind: 'answered' });
  }

  private readonly onClientGone = (): void => {
    if (this.settled) return;
    this.detach();
    this.connection.socket.destroy();
    this.settle(this.responded ? { kind: 'answered' } : { kind: 'aborted' });
  };

  private fail(error: NodeJS.ErrnoException): void {
    if (this.settled) return;
    this.detach();
    this.connection.socket.destroy();
    if (this.responded) {
      // A response broken off mid-body cuts the client's response short: nothing to retry.
      this.res.destroy();
      return this.settle({ kind: 'answered' });
    }
    if (this.reused && !this.heard && !this.bodySent) {
      // A kept-alive connection the instance had closed as the request went out: a new connection
      // to the same instance, which says whether the instance is really gone.
      return this.start(true);
    }
    if (!this.connection.connected && NOT_CONNECTED.has(error.code ?? '')) return this.settle({ kind: 'refused', error });
    this.settle({ kind: 'failed', error, retryable: IDEMPOTENT.has(this.method) && !this.head.hasBody });
  }

  /** This exchange is over for this connection: it no longer hears the request body or the socket. */
  private detach(): void {
    this.connection.exchange = undefined;
    if (this.readingBody) {
      this.readingBody = false;
      this.req.off('data', this.onRequestData);
      this.req.off('end', this.onRequestEnd);
      // Held until another attempt reads it, or settle() drops the rest.
      if (!this.requestDone) this.req.pause();
    }
    this.res.off('drain', this.resumeResponse);
  }

  private settle(outcome: Outcome): void {
    if (this.settled) return;
    this.settled = true;
    this.res.off('close', this.onClientGone);
    // A body this attempt began to read and no other attempt will: the rest is read and dropped, so
    // the client's connection can carry its next request (a refused attempt never began to read it).
    if (this.head.hasBody && !this.requestDone && outcome.kind !== 'refused') this.req.resume();
    this.resolve(outcome);
  }
}
