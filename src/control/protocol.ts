// The control protocol, version 1: newline-delimited JSON over a Unix socket. A client sends one request
// line; the server answers with one line (`ok`), or, for `logs` and `attach`, a stream of frames. Every
// server line carries `v`. Parsing and framing are pure.
import type { InstanceStatus, RuntimeInfo } from '../runtime/control.js';

export const PROTOCOL_VERSION = 1;
/** Longest line either side accepts (an input frame of attach, say). */
export const MAX_LINE = 1024 * 1024;

export type Request =
  | { cmd: 'status' }
  | { cmd: 'restart'; targets: string[]; by: string }
  | { cmd: 'stop'; targets: string[]; by: string }
  | { cmd: 'scale'; counts: Record<string, number>; by: string }
  | { cmd: 'quit'; by: string }
  | { cmd: 'logs'; targets: string[]; lines: number; follow: boolean }
  | { cmd: 'attach'; target: string; lines: number }
  /** After attach: bytes for the instance's stdin. */
  | { cmd: 'input'; data: string };

export type Reply =
  | { v: 1; ok: true; info: RuntimeInfo; instances: InstanceStatus[] }
  /** `tty`: (attach) the instance runs under a pseudo-terminal, so the caller's terminal goes raw. */
  | { v: 1; ok: true; names: string[]; removed?: string[]; tty?: boolean }
  | { v: 1; ok: false; error: string }
  /** Whole lines of one instance (base64: any bytes), for logs and the start of attach. */
  | { v: 1; kind: 'lines'; name: string; stream: string; time: number; data: string }
  /** A follower fell behind and lost this many lines. */
  | { v: 1; kind: 'dropped'; count: number }
  /** Raw output of an attached instance. */
  | { v: 1; kind: 'raw'; data: string }
  /** The stream is over (logs without -f; attach when ps-run stops). */
  | { v: 1; kind: 'end'; reason: string };

export class ProtocolError extends Error {}

const strings = (value: unknown, what: string): string[] => {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new ProtocolError(`${what} must be a list of strings`);
  return value as string[];
};

const whole = (value: unknown, what: string): number => {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new ProtocolError(`${what} must be a whole number`);
  return value;
};

const text = (value: unknown, what: string): string => {
  if (typeof value !== 'string') throw new ProtocolError(`${what} must be a string`);
  return value;
};

/** One request line -> a checked request; anything else is a ProtocolError with a reason. */
export function parseRequest(line: string): Request {
  let message: unknown;
  try {
    message = JSON.parse(line);
  } catch {
    throw new ProtocolError('a request is one JSON object per line');
  }
  if (typeof message !== 'object' || message === null) throw new ProtocolError('a request is one JSON object per line');
  const m = message as Record<string, unknown>;
  if (m.v !== PROTOCOL_VERSION)
    throw new ProtocolError(`unsupported protocol version ${JSON.stringify(m.v)} (this ps-run speaks ${PROTOCOL_VERSION})`);
  const by = typeof m.by === 'string' ? m.by : 'a control client';
  switch (m.cmd) {
    case 'status':
      return { cmd: 'status' };
    case 'restart':
    case 'stop':
      return { cmd: m.cmd, targets: strings(m.targets ?? [], 'targets'), by };
    case 'scale': {
      const counts = m.counts;
      if (typeof counts !== 'object' || counts === null || Array.isArray(counts)) throw new ProtocolError('counts must be an object');
      for (const [type, n] of Object.entries(counts)) whole(n, `count of ${type}`);
      return { cmd: 'scale', counts: counts as Record<string, number>, by };
    }
    case 'quit':
      return { cmd: 'quit', by };
    case 'logs':
      return {
        cmd: 'logs',
        targets: strings(m.targets ?? [], 'targets'),
        lines: whole(m.lines ?? 100, 'lines'),
        follow: m.follow === true,
      };
    case 'attach':
      return { cmd: 'attach', target: text(m.target, 'target'), lines: whole(m.lines ?? 20, 'lines') };
    case 'input':
      return { cmd: 'input', data: text(m.data, 'data') };
    default:
      throw new ProtocolError(`unknown command ${JSON.stringify(m.cmd)}`);
  }
}

export function encode(message: Reply | (Request & { v: 1 })): string {
  return `${JSON.stringify(message)}\n`;
}

/** Bytes -> complete lines; a line longer than MAX_LINE is an error (the peer is not speaking the protocol). */
export class LineDecoder {
  private pending = '';

  push(chunk: Buffer | string): string[] {
    const text = this.pending + chunk.toString();
    const lines = text.split('\n');
    this.pending = lines.pop() ?? '';
    if (this.pending.length > MAX_LINE) throw new ProtocolError(`a line longer than ${MAX_LINE} bytes`);
    return lines.filter((line) => line !== '');
  }
}
