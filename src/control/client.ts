// The client side of the control protocol: connect to a ps-run's socket, send one request, read its
// answer or its stream. Part of the programmatic API (ControlClient).
import net from 'node:net';
import { UsageError } from '../errors.js';
import { encode, FrameDecoder, PROTOCOL_VERSION, type Reply, type Request } from './protocol.js';

export type OkReply<K> = Extract<Reply, { ok: true }> & K;

/** Does a live ps-run answer on this socket? Its pid when it does; undefined when nobody listens. */
export async function dial(path: string, timeoutMs = 2000): Promise<{ pid: number | undefined } | undefined> {
  try {
    const client = new ControlClient(path, 'this socket');
    const reply = await client.request({ cmd: 'status' }, timeoutMs);
    return { pid: 'info' in reply ? reply.info.pid : undefined };
  } catch (error) {
    // Something listens but does not speak the protocol: still not ours to replace.
    if (error instanceof UsageError && error.message.startsWith('no ps-run')) return undefined;
    return { pid: undefined };
  }
}

export class ControlClient {
  constructor(
    readonly path: string,
    /** How the Procfile is named in messages (`./Procfile`). */
    private readonly label: string,
  ) {}

  /** Sends one request and resolves with the one answer (an error answer becomes a UsageError). */
  async request(request: Request, timeoutMs?: number): Promise<Extract<Reply, { ok: true }>> {
    let answer: Reply | undefined;
    await this.stream(
      request,
      (reply, close) => {
        answer = reply;
        close();
      },
      timeoutMs,
    );
    if (!answer || !('ok' in answer)) throw new UsageError(`ps-run at ${this.path} closed the connection without an answer`);
    return answer as Extract<Reply, { ok: true }>;
  }

  /**
   * Sends a request and hands every frame of the answer to `onReply` until the server ends or `close` is
   * called; `payload` is the raw bytes of a binary frame (see `bytesOf`). Resolves with the socket closed.
   * `write` sends more requests on the same connection (attach input).
   */
  stream(
    request: Request,
    onReply: (reply: Reply, close: () => void, payload?: Buffer) => void,
    timeoutMs?: number,
    opened?: (write: (request: Request) => void, close: () => void) => void,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(this.path);
      const decoder = new FrameDecoder();
      let failed = false;
      const close = (): void => {
        socket.end();
        socket.destroy();
      };
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => fail(new UsageError(`ps-run at ${this.path} did not answer within ${timeoutMs} ms`)), timeoutMs);
      const fail = (error: Error): void => {
        if (failed) return;
        failed = true;
        if (timer) clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      socket.on('connect', () => {
        socket.write(encode({ v: PROTOCOL_VERSION, ...request } as Request & { v: 1 }));
        opened?.((more) => socket.write(encode({ v: PROTOCOL_VERSION, ...more } as Request & { v: 1 })), close);
      });
      socket.on('data', (chunk) => {
        try {
          for (const { message, payload } of decoder.push(chunk)) {
            const reply = message as Reply;
            if (reply.v !== PROTOCOL_VERSION)
              return fail(
                new UsageError(`the ps-run at ${this.path} speaks protocol version ${String(reply.v)}, this one ${PROTOCOL_VERSION}`),
              );
            if (timer) clearTimeout(timer);
            if ('ok' in reply && !reply.ok) return fail(new UsageError(reply.error));
            onReply(reply, close, payload);
          }
        } catch (error) {
          fail(new UsageError(`unreadable answer from ${this.path}: ${(error as Error).message}`));
        }
      });
      socket.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') {
          fail(new UsageError(`no ps-run is running for ${this.label} (no socket at ${this.path})`));
        } else if (error.code === 'EACCES') fail(new UsageError(`permission denied on ${this.path}`));
        else if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET')
          fail(new UsageError(`control socket ${this.path}: ${error.code ?? error.message}`));
      });
      socket.on('close', () => {
        if (timer) clearTimeout(timer);
        if (!failed) resolve();
      });
    });
  }
}
