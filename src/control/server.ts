// The control server: a Unix socket (0600, in a 0700 directory of the user's) that answers protocol
// requests with the runtime's own operations. It adds nothing of its own: every answer comes from
// RuntimeControl. Followers never slow the children or the terminal: one that falls behind loses lines
// and is told how many.
import { unlinkSync, chmodSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { LogStream } from '../output/hub.js';
import { countLines } from '../output/lines.js';
import type { StoredLine } from '../output/ring.js';
import type { RuntimeControl } from '../runtime/control.js';
import { carrying, encode, LineDecoder, parseRequest, ProtocolError, type Reply, type Request } from './protocol.js';
import { ensureSocketDirectory } from './socket-path.js';
import { dial } from './client.js';

/** A follower with this much unsent is behind: further lines are dropped (and counted) until it drains. */
export const FOLLOWER_QUEUE_BYTES = 256 * 1024;
/** A follower's frames are gathered for this long and written together. */
export const FOLLOWER_FLUSH_MS = 10;

const V = 1 as const;

/** Writes the pieces of frames (a binary frame's line and bytes, a tail's frames, a follower's gathered ones) as one write. */
function writeAll(socket: net.Socket, pieces: (string | Buffer)[]): void {
  if (pieces.length === 0) return;
  socket.write(
    pieces.length === 1 ? (pieces[0] as string | Buffer) : Buffer.concat(pieces.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))),
  );
}

function linesFrame(name: string, stream: LogStream | string, time: number, data: Buffer, binary: boolean): (string | Buffer)[] {
  return carrying({ v: V, kind: 'lines', name, stream, time }, data, binary);
}

function tailFrames(tail: Map<string, StoredLine[]>, binary: boolean): (string | Buffer)[] {
  const all = [...tail.entries()].flatMap(([name, lines]) => lines.map((l) => ({ name, ...l })));
  all.sort((a, b) => a.time - b.time);
  const newline = Buffer.from('\n');
  return all.flatMap((l) => linesFrame(l.name, l.stream, l.time, Buffer.concat([l.line, newline]), binary));
}

/**
 * What one `logs -f` follower is sent. Frames are gathered for FOLLOWER_FLUSH_MS and written together
 * (one write however many blocks arrived meanwhile); once FOLLOWER_QUEUE_BYTES are unsent, lines are
 * dropped and counted, and the count is sent before the next frame or when the socket drains.
 */
class FollowerFeed {
  private pieces: (string | Buffer)[] = [];
  /** Bytes gathered and not yet handed to the socket. */
  private gathered = 0;
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Waiting for the socket's 'drain' to send the count of dropped lines. */
  private awaitingDrain = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly binary: boolean,
  ) {}

  lines(name: string, stream: LogStream, block: Buffer, time: number, ends?: Int32Array): void {
    if (this.socket.writableLength + this.gathered >= FOLLOWER_QUEUE_BYTES) {
      if (!this.awaitingDrain) {
        this.awaitingDrain = true;
        this.socket.once('drain', this.drained);
      }
      // The hub's count: a follower far behind costs no scan of what it loses.
      this.dropped += ends?.length ?? countLines(block);
      return;
    }
    this.report();
    this.gather(linesFrame(name, stream, time, block, this.binary));
  }

  private readonly drained = (): void => {
    this.awaitingDrain = false;
    this.report();
  };

  private report(): void {
    if (this.dropped === 0 || this.socket.destroyed) return;
    this.gather([encode({ v: V, kind: 'dropped', count: this.dropped })]);
    this.dropped = 0;
  }

  private gather(pieces: (string | Buffer)[]): void {
    for (const piece of pieces) {
      this.pieces.push(piece);
      this.gathered += piece.length;
    }
    this.timer ??= setTimeout(this.flush, FOLLOWER_FLUSH_MS).unref();
  }

  /** Writes what is gathered now (on its timer, and before the server's last frame). */
  readonly flush = (): void => {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pieces.length === 0) return;
    const pieces = this.pieces;
    this.pieces = [];
    this.gathered = 0;
    if (!this.socket.destroyed && !this.socket.writableEnded) writeAll(this.socket, pieces);
  };
}

export class ControlServer {
  private readonly server = net.createServer((socket) => this.serve(socket));
  private readonly sockets = new Set<net.Socket>();
  /** The follower feed of each `logs -f` connection. */
  private readonly feeds = new Map<net.Socket, FollowerFeed>();
  private listening = false;

  constructor(
    private readonly runtime: RuntimeControl,
    readonly path: string,
  ) {}

  /**
   * Dial first: a live ps-run there is refused; a socket nobody answers on is stale and will be replaced.
   * Called before anything starts, so a second start says so instead of tripping over the first's ports.
   */
  static async claim(socketPath: string, procfileLabel: string): Promise<void> {
    ensureSocketDirectory(path.dirname(socketPath));
    const live = await dial(socketPath);
    if (live) {
      throw new UsageError(
        `ps-run is already running for ${procfileLabel}${live.pid ? ` (pid ${live.pid})` : ''}; use ps-run status, or -s for a second one`,
      );
    }
  }

  /** Listens on the claimed path (removing a stale socket there), owner-only. */
  async listen(): Promise<void> {
    try {
      unlinkSync(this.path);
    } catch {
      // nothing there
    }
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new UsageError(
            `cannot listen on ${this.path}: ${error.code === 'EADDRINUSE' ? 'address in use' : (error.code ?? error.message)}`,
          ),
        ),
      );
      this.server.listen(this.path, () => resolve());
    });
    chmodSync(this.path, 0o600);
    this.listening = true;
  }

  async close(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    for (const socket of this.sockets) {
      // A follower gets the lines gathered for it before the end.
      this.feeds.get(socket)?.flush();
      socket.end(encode({ v: V, kind: 'end', reason: 'ps-run stopped' }));
    }
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
    await new Promise<void>((resolve) => {
      // Clients that do not hang up after the end frame are cut after a moment. The timer holds the event
      // loop: with every socket unref'd, node would otherwise exit (status 0) before this promise settles.
      const cut = setTimeout(() => {
        for (const socket of this.sockets) socket.destroy();
      }, 200);
      this.server.close(() => {
        clearTimeout(cut);
        resolve();
      });
    });
  }

  private serve(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.unref();
    const decoder = new LineDecoder();
    let session: ((request: Request) => void) | undefined;
    const cleanups: (() => void)[] = [];
    const send = (reply: Reply): void => {
      if (!socket.destroyed) socket.write(encode(reply));
    };
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.feeds.delete(socket);
      for (const cleanup of cleanups) cleanup();
    });
    socket.on('data', (chunk) => {
      let lines: string[];
      try {
        lines = decoder.push(chunk);
      } catch (error) {
        send({ v: V, ok: false, error: (error as Error).message });
        socket.end();
        return;
      }
      for (const line of lines) {
        let request: Request;
        try {
          request = parseRequest(line);
        } catch (error) {
          if (!(error instanceof ProtocolError)) throw error;
          send({ v: V, ok: false, error: error.message });
          socket.end();
          return;
        }
        if (session) session(request);
        else session = this.handle(request, socket, send, cleanups);
      }
    });
  }

  /** Answers the first request of a connection; returns a handler for later lines (attach input). */
  private handle(
    request: Request,
    socket: net.Socket,
    send: (reply: Reply) => void,
    cleanups: (() => void)[],
  ): ((r: Request) => void) | undefined {
    const fail = (error: unknown): void => {
      send({ v: V, ok: false, error: error instanceof Error ? error.message : String(error) });
      socket.end();
    };
    const answer = (work: () => Promise<Reply> | Reply): void => {
      Promise.resolve()
        .then(work)
        .then((reply) => {
          send(reply);
          socket.end();
        }, fail);
    };
    const rt = this.runtime;
    switch (request.cmd) {
      case 'status':
        answer(() => ({ v: V, ok: true, info: rt.info(), instances: rt.status() }));
        return undefined;
      case 'restart':
        answer(async () => ({ v: V, ok: true, names: await rt.restart(request.targets, { by: request.by }) }));
        return undefined;
      case 'stop':
        answer(async () => ({ v: V, ok: true, names: await rt.stop(request.targets, { by: request.by }) }));
        return undefined;
      case 'scale':
        answer(async () => {
          const { added, removed } = await rt.scale(new Map(Object.entries(request.counts)), { by: request.by });
          return { v: V, ok: true, names: added, removed };
        });
        return undefined;
      case 'quit':
        answer(() => {
          rt.quit({ by: request.by });
          return { v: V, ok: true, names: [] };
        });
        return undefined;
      case 'logs':
        try {
          this.logs(request, socket, send, cleanups);
        } catch (error) {
          fail(error);
        }
        return undefined;
      case 'attach':
        try {
          return this.attach(request, socket, send, cleanups);
        } catch (error) {
          fail(error);
          return undefined;
        }
      case 'input':
        fail(new Error('input comes after attach'));
        return undefined;
    }
  }

  private logs(
    request: Extract<Request, { cmd: 'logs' }>,
    socket: net.Socket,
    send: (reply: Reply) => void,
    cleanups: (() => void)[],
  ): void {
    const names = this.runtime.resolve(request.targets);
    send({ v: V, ok: true, names });
    const binary = request.binary === true;
    const feed = request.follow ? new FollowerFeed(socket, binary) : undefined;
    if (feed) this.feeds.set(socket, feed);
    const { tail, unsubscribe } = this.runtime.follow(request.targets.length === 0 ? 'all' : names, request.lines, feed);
    writeAll(socket, tailFrames(tail, binary));
    if (!request.follow) {
      socket.end(encode({ v: V, kind: 'end', reason: 'done' }));
      return;
    }
    cleanups.push(unsubscribe);
    // A follower reads until it hangs up; what it sends is ignored.
  }

  private attach(
    request: Extract<Request, { cmd: 'attach' }>,
    socket: net.Socket,
    send: (reply: Reply) => void,
    cleanups: (() => void)[],
  ): (r: Request) => void {
    const [name, ...more] = this.runtime.resolve([request.target]);
    if (!name || more.length > 0)
      throw new UsageError(`attach needs one instance; "${request.target}" matches ${[name, ...more].join(', ')}`);
    const tty = this.runtime.status().find((s) => s.name === name)?.tty === true;
    send({ v: V, ok: true, names: [name], ...(tty ? { tty } : {}) });
    const binary = request.binary === true;
    const { tail } = this.runtime.follow([name], request.lines, undefined);
    writeAll(socket, tailFrames(tail, binary));
    const raw = (bytes: Buffer): void => writeAll(socket, carrying({ v: V, kind: 'raw' }, bytes, binary));
    let dropped = 0;
    const off = this.runtime.listenRaw(name, (chunk) => {
      if (socket.writableLength >= FOLLOWER_QUEUE_BYTES) {
        dropped += chunk.length;
        return;
      }
      if (dropped > 0) {
        raw(Buffer.from(`\n[ps-run: ${dropped} bytes dropped]\n`));
        dropped = 0;
      }
      raw(chunk);
    });
    cleanups.push(off);
    return (next) => {
      if (next.cmd !== 'input') return;
      if (!this.runtime.input(name, Buffer.from(next.data, 'base64')))
        raw(Buffer.from(`[ps-run: ${name} is not running; input dropped]\n`));
    };
  }
}
