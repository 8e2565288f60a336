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
import { encode, LineDecoder, parseRequest, ProtocolError, type Reply, type Request } from './protocol.js';
import { ensureSocketDirectory } from './socket-path.js';
import { dial } from './client.js';

/** A follower with this much unsent is behind: further lines are dropped (and counted) until it drains. */
export const FOLLOWER_QUEUE_BYTES = 256 * 1024;

const V = 1 as const;

function linesFrame(name: string, stream: LogStream | string, time: number, data: Buffer): string {
  return encode({ v: V, kind: 'lines', name, stream, time, data: data.toString('base64') });
}

function tailFrames(tail: Map<string, StoredLine[]>): string {
  const all = [...tail.entries()].flatMap(([name, lines]) => lines.map((l) => ({ name, ...l })));
  all.sort((a, b) => a.time - b.time);
  return all.map((l) => linesFrame(l.name, l.stream, l.time, Buffer.concat([l.line, Buffer.from('\n')]))).join('');
}

export class ControlServer {
  private readonly server = net.createServer((socket) => this.serve(socket));
  private readonly sockets = new Set<net.Socket>();
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
    for (const socket of this.sockets) socket.end(encode({ v: V, kind: 'end', reason: 'ps-run stopped' }));
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
    let dropped = 0;
    const subscriber = request.follow
      ? {
          lines: (name: string, stream: LogStream, block: Buffer, time: number, ends?: Int32Array): void => {
            if (socket.writableLength >= FOLLOWER_QUEUE_BYTES) {
              if (dropped === 0) socket.once('drain', reportDropped);
              // The hub's count: a follower far behind costs no scan of what it loses.
              dropped += ends?.length ?? countLines(block);
              return;
            }
            socket.write(linesFrame(name, stream, time, block));
          },
        }
      : undefined;
    const reportDropped = (): void => {
      if (dropped > 0 && !socket.destroyed) socket.write(encode({ v: V, kind: 'dropped', count: dropped }));
      dropped = 0;
    };
    const { tail, unsubscribe } = this.runtime.follow(request.targets.length === 0 ? 'all' : names, request.lines, subscriber);
    socket.write(tailFrames(tail));
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
    const { tail } = this.runtime.follow([name], request.lines, undefined);
    socket.write(tailFrames(tail));
    let dropped = 0;
    const off = this.runtime.listenRaw(name, (chunk) => {
      if (socket.writableLength >= FOLLOWER_QUEUE_BYTES) {
        dropped += chunk.length;
        return;
      }
      if (dropped > 0) {
        socket.write(encode({ v: V, kind: 'raw', data: Buffer.from(`\n[ps-run: ${dropped} bytes dropped]\n`).toString('base64') }));
        dropped = 0;
      }
      socket.write(encode({ v: V, kind: 'raw', data: chunk.toString('base64') }));
    });
    cleanups.push(off);
    return (next) => {
      if (next.cmd !== 'input') return;
      if (!this.runtime.input(name, Buffer.from(next.data, 'base64'))) {
        socket.write(
          encode({ v: V, kind: 'raw', data: Buffer.from(`[ps-run: ${name} is not running; input dropped]\n`).toString('base64') }),
        );
      }
    };
  }
}
