// Bytes from one child stream -> blocks of whole lines. A partial line waits for its newline, copied
// into one growable buffer (a view per chunk would keep a chunk object alive per write() of a spinner);
// a line that never ends is cut every `maxLine` bytes, on a UTF-8 character boundary, so memory stays
// bounded and valid text stays valid.

/** Longest partial line held per stream; longer ones are emitted in pieces of at most this size. */
export const MAX_LINE_BYTES = 64 * 1024;
const NEWLINE = 10;
/** First size of a stream's pending buffer; it doubles up to `maxLine`. */
const INITIAL_PENDING = 256;
/** A pending buffer larger than this is released once its line is out, so idle streams stay small. */
const KEPT_PENDING = 4096;

/**
 * Where to cut `bytes[0, end)` so no UTF-8 sequence is split: before the last character when it is
 * incomplete, else at `end`. Bytes that are not valid UTF-8 are cut anywhere (at `end`).
 */
export function utf8CutPoint(bytes: Uint8Array, end: number): number {
  let lead = end - 1;
  while (lead > end - 4 && lead > 0 && ((bytes[lead] as number) & 0xc0) === 0x80) lead--;
  const byte = bytes[lead] as number;
  const length = byte >= 0xf0 && byte < 0xf8 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
  if (byte < 0xc0 || byte >= 0xf8 || lead + length <= end || lead === 0) return end;
  return lead;
}

export class LineBuffer {
  private pending: Buffer | undefined;
  private size = 0;

  constructor(private readonly maxLine = MAX_LINE_BYTES) {}

  /** The whole lines completed by `chunk` (with what was pending), each ending in `\n`; null when none. */
  push(chunk: Buffer): Buffer | null {
    const last = chunk.lastIndexOf(NEWLINE);
    let block: Buffer | null = null;
    let from = 0;
    if (last !== -1) {
      const head = last === chunk.length - 1 ? chunk : chunk.subarray(0, last + 1);
      block = this.size === 0 ? head : Buffer.concat([(this.pending as Buffer).subarray(0, this.size), head]);
      this.reset();
      from = last + 1;
    }
    const cut = this.append(chunk, from);
    if (cut.length === 0) return block;
    return Buffer.concat(block ? [block, ...cut] : cut);
  }

  /** At end of stream: the unfinished last line, given its newline; null when nothing is pending. */
  flush(): Buffer | null {
    if (this.size === 0) return null;
    const line = Buffer.allocUnsafe(this.size + 1);
    (this.pending as Buffer).copy(line, 0, 0, this.size);
    line[this.size] = NEWLINE;
    this.reset();
    return line;
  }

  get pendingBytes(): number {
    return this.size;
  }

  /** The partial line held now, without taking it (to show a prompt while it waits for its newline). */
  peek(): Buffer {
    return this.pending ? this.pending.subarray(0, this.size) : Buffer.alloc(0);
  }

  /** Copies `chunk[from..]` (no newline in it) into the pending buffer; returns the pieces cut from a full one. */
  private append(chunk: Buffer, from: number): Buffer[] {
    const pieces: Buffer[] = [];
    while (from < chunk.length) {
      const pending = this.room(chunk.length - from);
      const taken = chunk.copy(pending, this.size, from, Math.min(chunk.length, from + this.maxLine - this.size));
      this.size += taken;
      from += taken;
      if (this.size < this.maxLine) break;
      const at = utf8CutPoint(pending, this.size);
      const piece = Buffer.allocUnsafe(at + 1);
      pending.copy(piece, 0, 0, at);
      piece[at] = NEWLINE;
      pieces.push(piece);
      // The start of a character cut off (at most 3 bytes) begins the next piece.
      pending.copy(pending, 0, at, this.size);
      this.size -= at;
    }
    return pieces;
  }

  /** The pending buffer, grown (doubling, up to `maxLine`) to hold `more` bytes beyond what it holds. */
  private room(more: number): Buffer {
    const need = Math.min(this.maxLine, this.size + more);
    const current = this.pending;
    if (current && current.length >= need) return current;
    let capacity = current ? current.length : INITIAL_PENDING;
    while (capacity < need) capacity *= 2;
    // Its own allocation, not a slice of Node's shared pool, so nothing else is kept alive by it.
    const grown = Buffer.allocUnsafeSlow(Math.min(capacity, this.maxLine));
    if (current) current.copy(grown, 0, 0, this.size);
    this.pending = grown;
    return grown;
  }

  private reset(): void {
    this.size = 0;
    if (this.pending && this.pending.length > KEPT_PENDING) this.pending = undefined;
  }
}

/** Calls `each(start, end)` for every line of a block of whole lines (`end` excludes the `\n`). */
export function forEachLine(block: Buffer, each: (start: number, end: number) => void): void {
  let start = 0;
  while (start < block.length) {
    let end = block.indexOf(NEWLINE, start);
    if (end === -1) end = block.length;
    each(start, end);
    start = end + 1;
  }
}

/** How many lines of a block end in `\n` (lineEnds(block).length, without the table). */
export function countLines(block: Buffer): number {
  let lines = 0;
  for (let i = block.indexOf(NEWLINE); i !== -1; i = block.indexOf(NEWLINE, i + 1)) lines++;
  return lines;
}

/** Scratch for lineEnds: grown as needed, copied out per block. */
let scratch = new Int32Array(1024);

/**
 * Where each line of a block of whole lines ends (the offset just past its `\n`), in one native scan:
 * the output hub computes it once per block and hands it to every subscriber (the terminal's prefixes,
 * the rings' line counts, a follower's count of dropped lines), so no subscriber scans again.
 */
export function lineEnds(block: Buffer): Int32Array {
  let lines = 0;
  for (let i = block.indexOf(NEWLINE); i !== -1; i = block.indexOf(NEWLINE, i + 1)) {
    if (lines === scratch.length) {
      const grown = new Int32Array(lines * 2);
      grown.set(scratch);
      scratch = grown;
    }
    scratch[lines++] = i + 1;
  }
  return scratch.slice(0, lines);
}

/**
 * Copies `block` (whole lines, each ending in `\n`) with `prefix` in front of every line, in one
 * allocation: the line ends (`ends`, or one native scan), then a byte loop for the short prefix (cheaper
 * than a native call per line) and a native copy per line body.
 */
export function prefixLines(block: Buffer, prefix: Buffer, ends: Int32Array = lineEnds(block)): Buffer {
  const lines = ends.length;
  const width = prefix.length;
  const out = Buffer.allocUnsafe(block.length + lines * width);
  let at = 0;
  let start = 0;
  for (let k = 0; k < lines; k++) {
    for (let j = 0; j < width; j++) out[at + j] = prefix[j] as number;
    at += width;
    const end = ends[k] as number;
    at += block.copy(out, at, start, end);
    start = end;
  }
  return out;
}

/**
 * One LineBuffer per stream of each process, created on first output and dropped at end of stream:
 * the shared front of every listener that reads children's output as whole lines.
 */
export class StreamLines {
  private readonly buffers = new Map<string, LineBuffer>();

  /** Whole lines completed by `chunk` on that stream; null when none. */
  push(name: string, stream: string, chunk: Buffer): Buffer | null {
    const key = `${name}\0${stream}`;
    let buffer = this.buffers.get(key);
    if (!buffer) this.buffers.set(key, (buffer = new LineBuffer()));
    return buffer.push(chunk);
  }

  /** The stream ended: its unfinished last line, if any. */
  end(name: string, stream: string): Buffer | null {
    const key = `${name}\0${stream}`;
    const block = this.buffers.get(key)?.flush() ?? null;
    this.buffers.delete(key);
    return block;
  }
}
