// An HTTP/1.1 response parser for the router's side of a connection to an instance (RFC 9112):
// bytes in, the head, body pieces and the message's end out, with how the body is framed decided
// as RFC 9112 section 6.3 says. Pure: no sockets, no clock. One message per request: the router
// never pipelines, so bytes after a message's end make the connection unfit for reuse.
import { connectionOptions } from './headers.js';

export interface ResponseHead {
  status: number;
  statusText: string;
  /** A flat [name, value, ...] list, names as the instance wrote them, values without surrounding spaces. */
  rawHeaders: string[];
}

export interface ResponseEvents {
  /** The final response's head (informational 1xx responses are skipped). */
  onHead(head: ResponseHead): void;
  /** A piece of the body, de-chunked; a view into the bytes given to execute(), valid until it returns. */
  onBody(chunk: Buffer): void;
  /** The message ended; `reusable` when the connection may carry another request. */
  onComplete(reusable: boolean): void;
}

export class ResponseParseError extends Error {
  override name = 'ResponseParseError';
}

/** The largest head (status line and headers) accepted, as Node's own HTTP client does (16 KiB). */
export const MAX_HEAD_BYTES = 16 * 1024;
/** A chunk-size line (size, extensions) longer than this is refused. */
const MAX_CHUNK_LINE = 4096;

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'close' | 'done';

const CR = 13;
const LF = 10;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/;

/**
 * Feed it the connection's bytes with execute(); at the connection's end call finish(), which ends a
 * body that runs until the connection closes and says whether the message was complete. Errors are
 * thrown as ResponseParseError; after one the parser is not to be used again.
 */
export class ResponseParser {
  private state: State = 'head';
  /** Bytes of an unfinished head or chunk-size line, kept across calls. */
  private pending: Buffer | undefined;
  /** Body bytes still to come: of the Content-Length, or of the current chunk. */
  private remaining = 0;
  private reusable = true;
  /** onComplete was called. */
  private announced = false;

  /** `head` is whether the request was HEAD: its response has no body whatever its headers say. */
  constructor(
    private readonly events: ResponseEvents,
    private readonly head: boolean,
  ) {}

  execute(data: Buffer): void {
    let at = 0;
    while (at < data.length) {
      switch (this.state) {
        case 'head':
          at = this.readHead(data, at);
          break;
        case 'length':
          at = this.passBody(data, at);
          if (this.remaining === 0) this.end();
          break;
        case 'close':
          this.events.onBody(at === 0 ? data : data.subarray(at));
          at = data.length;
          break;
        case 'chunk-size':
          at = this.readChunkSize(data, at);
          break;
        case 'chunk-data':
          at = this.passBody(data, at);
          if (this.remaining === 0) {
            this.state = 'chunk-end';
            this.remaining = 2;
          }
          break;
        case 'chunk-end':
          // The CRLF after a chunk's data, possibly split across reads.
          if (data[at] !== (this.remaining === 2 ? CR : LF)) throw new ResponseParseError('a chunk does not end with CRLF');
          at++;
          if (--this.remaining === 0) this.state = 'chunk-size';
          break;
        case 'trailers':
          at = this.readTrailers(data, at);
          break;
        case 'done':
          // The router never pipelines: anything more is not an answer to a request of ours.
          this.reusable = false;
          at = data.length;
          break;
      }
    }
    if (this.state === 'done') this.announce();
  }

  /** The connection ended. True when the message was complete (a body that runs to the close ends here). */
  finish(): boolean {
    if (this.state === 'close') {
      this.reusable = false;
      this.end();
      this.announce();
    }
    return this.state === 'done';
  }

  /** Hands over the body bytes still expected that this read holds; returns the offset after them. */
  private passBody(data: Buffer, at: number): number {
    const take = Math.min(this.remaining, data.length - at);
    this.remaining -= take;
    this.events.onBody(data.subarray(at, at + take));
    return at + take;
  }

  /** The message's last byte was read; onComplete waits until the rest of the read is seen (any byte more makes the connection unfit for reuse). */
  private end(): void {
    this.state = 'done';
  }

  private announce(): void {
    if (this.announced) return;
    this.announced = true;
    this.events.onComplete(this.reusable);
  }

  /** Appends to the pending bytes up to and including the line end that ends a head; returns the new offset. */
  private readHead(data: Buffer, at: number): number {
    const joined = this.pending === undefined ? data.subarray(at) : Buffer.concat([this.pending, data.subarray(at)]);
    const before = this.pending?.length ?? 0;
    // The head ends at the first empty line (CRLF CRLF); search from a little before the new bytes.
    const end = joined.indexOf('\r\n\r\n', Math.max(0, before - 3), 'latin1');
    // The head so far (no end yet) or the whole head: either way over the limit is refused.
    if ((end === -1 ? joined.length : end) > MAX_HEAD_BYTES)
      throw new ResponseParseError(`the response head is over ${MAX_HEAD_BYTES} bytes`);
    if (end === -1) {
      this.pending = Buffer.from(joined);
      return data.length;
    }
    this.pending = undefined;
    const used = end + 4 - before;
    this.onHeadText(joined.toString('latin1', 0, end));
    return at + used;
  }

  private onHeadText(text: string): void {
    const lines = text.split('\r\n');
    const status = STATUS_LINE.exec(lines[0] as string);
    if (status === null) throw new ResponseParseError(`not an HTTP/1 status line: ${JSON.stringify((lines[0] as string).slice(0, 60))}`);
    const code = Number(status[2]);
    const rawHeaders: string[] = [];
    let length: number | undefined;
    let chunked = false;
    let transferEncoding = false;
    let connection: string[] | undefined;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      const colon = line.indexOf(':');
      const name = colon > 0 ? line.slice(0, colon) : '';
      // obs-fold (a line that starts with a space) and names with spaces are refused, as RFC 9112 5.2 allows.
      if (!TOKEN.test(name)) throw new ResponseParseError(`a malformed header line: ${JSON.stringify(line.slice(0, 60))}`);
      const value = line.slice(colon + 1).trim();
      rawHeaders.push(name, value);
      const lower = name.toLowerCase();
      if (lower === 'content-length') {
        if (!/^\d+$/.test(value) || (length !== undefined && length !== Number(value)))
          throw new ResponseParseError(`a bad Content-Length: ${value}`);
        length = Number(value);
      } else if (lower === 'transfer-encoding') {
        transferEncoding = true;
        const codings = value.split(',');
        chunked = (codings[codings.length - 1] as string).trim().toLowerCase() === 'chunked';
      } else if (lower === 'connection') (connection ??= []).push(value);
    }
    if (code < 200) {
      // 1xx: informational, the final answer follows (101 is not for a request that asked no upgrade).
      if (code === 101) throw new ResponseParseError('101 Switching Protocols to a request that asked no upgrade');
      return;
    }
    // HTTP/1.1 keeps the connection unless told to close it; HTTP/1.0 closes it unless told to keep it.
    const options = connection && connectionOptions(connection);
    if (options?.has('close') === true || (status[1] === '0' && options?.has('keep-alive') !== true)) this.reusable = false;
    this.events.onHead({ status: code, statusText: status[3] ?? '', rawHeaders });
    if (this.head || code === 204 || code === 304) return this.end();
    if (transferEncoding) {
      // Transfer-Encoding overrides Content-Length (RFC 9112 6.3); a message with both is not reused.
      if (length !== undefined) this.reusable = false;
      if (chunked) this.state = 'chunk-size';
      else {
        this.reusable = false;
        this.state = 'close';
      }
    } else if (length !== undefined) {
      this.remaining = length;
      this.state = 'length';
      if (length === 0) this.end();
    } else {
      this.reusable = false;
      this.state = 'close';
    }
  }

  private readChunkSize(data: Buffer, at: number): number {
    const lineEnd = data.indexOf(LF, at);
    if (lineEnd === -1) {
      this.keep(data.subarray(at), MAX_CHUNK_LINE, 'a chunk-size line');
      return data.length;
    }
    const line = this.take(data.subarray(at, lineEnd), MAX_CHUNK_LINE, 'a chunk-size line');
    if (line.length === 0 || line[line.length - 1] !== CR) throw new ResponseParseError('a chunk-size line does not end with CRLF');
    const text = line.toString('latin1', 0, line.length - 1);
    const semicolon = text.indexOf(';');
    const hex = (semicolon === -1 ? text : text.slice(0, semicolon)).trim();
    if (!/^[0-9A-Fa-f]{1,12}$/.test(hex)) throw new ResponseParseError(`a bad chunk size: ${JSON.stringify(text.slice(0, 40))}`);
    const size = parseInt(hex, 16);
    if (size === 0) this.state = 'trailers';
    else {
      this.remaining = size;
      this.state = 'chunk-data';
    }
    return lineEnd + 1;
  }

  /** Trailer fields after the last chunk, up to the empty line; they are dropped (node:http would need them declared). */
  private readTrailers(data: Buffer, at: number): number {
    for (;;) {
      const lineEnd = data.indexOf(LF, at);
      if (lineEnd === -1) {
        this.keep(data.subarray(at), MAX_HEAD_BYTES, 'the trailers');
        return data.length;
      }
      const line = this.take(data.subarray(at, lineEnd), MAX_HEAD_BYTES, 'the trailers');
      at = lineEnd + 1;
      if (line.length === 0 || line[line.length - 1] !== CR) throw new ResponseParseError('a trailer line does not end with CRLF');
      if (line.length === 1) {
        this.end();
        return at;
      }
    }
  }

  /** Keeps the start of a line that continues in the next read. */
  private keep(part: Buffer, limit: number, what: string): void {
    const joined = this.pending === undefined ? Buffer.from(part) : Buffer.concat([this.pending, part]);
    if (joined.length > limit) throw new ResponseParseError(`${what} is over ${limit} bytes`);
    this.pending = joined;
  }

  /** The whole line: the kept start (if any) and its end in this read. */
  private take(end: Buffer, limit: number, what: string): Buffer {
    if (this.pending === undefined) return end;
    const line = Buffer.concat([this.pending, end]);
    this.pending = undefined;
    if (line.length > limit) throw new ResponseParseError(`${what} is over ${limit} bytes`);
    return line;
  }
}
