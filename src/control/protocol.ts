// The control protocol, version 1: newline-delimited JSON over a Unix socket. A client sends one request
// line; the server answers with one line (`ok`), or, for `logs` and `attach`, a stream of frames. Every
// server line carries `v`. A frame of process output carries its bytes base64-encoded in `data`, or, when
// the request asked for `binary`, as `bytes` raw bytes right after its line. Parsing and framing are pure.
import type { InstanceStatus, RuntimeInfo } from '../runtime/control.js';

export const PROTOCOL_VERSION = 1;
/** Longest line either side accepts (an input frame of attach, say). */
export const MAX_LINE = 1024 * 1024;
/** Most raw bytes one binary frame may announce (a block of output is at most a pipe read or so). */
export const MAX_PAYLOAD = 16 * 1024 * 1024;

export type Request =
  | { cmd: 'status' }
  | { cmd: 'restart'; targets: string[]; by: string }
  | { cmd: 'stop'; targets: string[]; by: string }
  | { cmd: 'scale'; counts: Record<string, number>; by: string }
  | { cmd: 'quit'; by: string }
  /** `binary`: output frames carry raw bytes after their line instead of base64 in it. */
  | { cmd: 'logs'; targets: string[]; lines: number; follow: boolean; binary?: boolean }
  | { cmd: 'attach'; target: string; lines: number; binary?: boolean }
  /** After attach: bytes for the instance's stdin. */
  | { cmd: 'input'; data: string };

export type Reply =
  | { v: 1; ok: true; info: RuntimeInfo; instances: InstanceStatus[] }
  /** `tty`: (attach) the instance runs under a pseudo-terminal, so the caller's terminal goes raw. */
  | { v: 1; ok: true; names: string[]; removed?: string[]; tty?: boolean }
  | { v: 1; ok: false; error: string }
  /** Whole lines of one instance, for logs and the start of attach: base64 in `data`, or `bytes` raw bytes after the line. */
  | ({ v: 1; kind: 'lines'; name: string; stream: string; time: number } & Carried)
  /** A follower fell behind and lost this many lines. */
  | { v: 1; kind: 'dropped'; count: number }
  /** Raw output of an attached instance. */
  | ({ v: 1; kind: 'raw' } & Carried)
  /** The stream is over (logs without -f; attach when ps-run stops). */
  | { v: 1; kind: 'end'; reason: string };

/** How a frame carries bytes of output: base64 in its line, or (binary) the count of raw bytes after it. */
export type Carried = { data: string; bytes?: undefined } | { bytes: number; data?: undefined };

/** The bytes a `lines` or `raw` frame carries: its raw payload (binary), else its base64 `data`. */
export function bytesOf(reply: Carried, payload: Buffer | undefined): Buffer {
  return payload ?? Buffer.from(reply.data ?? '', 'base64');
}

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
        binary: m.binary === true,
      };
    case 'attach':
      return { cmd: 'attach', target: text(m.target, 'target'), lines: whole(m.lines ?? 20, 'lines'), binary: m.binary === true };
    case 'input':
      return { cmd: 'input', data: text(m.data, 'data') };
    default:
      throw new ProtocolError(`unknown command ${JSON.stringify(m.cmd)}`);
  }
}

export function encode(message: Reply | (Request & { v: 1 })): string {
  return `${JSON.stringify(message)}\n`;
}

type Uncarried<K extends 'lines' | 'raw'> = Omit<Extract<Reply, { kind: K }>, 'data' | 'bytes'>;

/**
 * A frame carrying `bytes` of output, as the pieces to write: one line with the bytes in base64, or
 * (binary) the line announcing their length, then the bytes themselves, not encoded.
 */
export function carrying(message: Uncarried<'lines'> | Uncarried<'raw'>, bytes: Buffer, binary: boolean): (string | Buffer)[] {
  if (binary) return [encode({ ...message, bytes: bytes.length } as Reply), bytes];
  return [encode({ ...message, data: bytes.toString('base64') } as Reply)];
}

/** One frame from the server: its line, parsed, and the raw bytes it announced (binary frames). */
export interface Frame {
  message: unknown;
  payload?: Buffer;
}

/**
 * Bytes -> frames: lines of JSON, each followed by the `bytes` raw bytes it announces, if any. A line
 * longer than MAX_LINE, a line that is not JSON or a bad `bytes` is a ProtocolError (the peer is not
 * speaking the protocol). Payloads are views of the bytes received, not copies.
 */
export class FrameDecoder {
  /** Bytes received and not yet framed, in the order they came. */
  private parts: Buffer[] = [];
  private size = 0;
  /** How far the first part is known to hold no newline. */
  private scanned = 0;
  /** The frame whose payload is still arriving, and its length. */
  private awaiting: { message: unknown; length: number } | undefined;

  push(chunk: Buffer): Frame[] {
    this.parts.push(chunk);
    this.size += chunk.length;
    // A long payload arriving in many reads is joined once, when it is all here.
    if (this.awaiting && this.size < this.awaiting.length) return [];
    const buffered = this.parts.length === 1 ? chunk : Buffer.concat(this.parts, this.size);
    const frames: Frame[] = [];
    let at = 0;
    for (;;) {
      if (this.awaiting) {
        const { message, length } = this.awaiting;
        if (buffered.length - at < length) break;
        frames.push({ message, payload: buffered.subarray(at, at + length) });
        at += length;
        this.awaiting = undefined;
        this.scanned = at;
        continue;
      }
      const newline = buffered.indexOf(10, Math.max(at, this.scanned));
      if (newline === -1) {
        if (buffered.length - at > MAX_LINE) throw new ProtocolError(`a line longer than ${MAX_LINE} bytes`);
        this.scanned = buffered.length;
        break;
      }
      const line = buffered.toString('utf8', at, newline);
      at = newline + 1;
      this.scanned = at;
      if (line === '') continue;
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        throw new ProtocolError('a line that is not JSON');
      }
      const length = (message as { bytes?: unknown } | null)?.bytes;
      if (length === undefined) frames.push({ message });
      else if (typeof length === 'number' && Number.isInteger(length) && length >= 0 && length <= MAX_PAYLOAD)
        this.awaiting = { message, length };
      else throw new ProtocolError(`a frame announcing ${JSON.stringify(length)} bytes`);
    }
    const rest = buffered.subarray(at);
    this.parts = rest.length > 0 ? [rest] : [];
    this.size = rest.length;
    this.scanned -= at;
    return frames;
  }
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
