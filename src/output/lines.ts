// Bytes from one child stream -> blocks of whole lines. A partial line waits for its newline; a line
// that never ends is cut every `maxLine` bytes so memory stays bounded.

/** Longest partial line held per stream; longer ones are emitted in pieces of this size. */
export const MAX_LINE_BYTES = 64 * 1024;
const NEWLINE = 10;
const NEWLINE_BUFFER = Buffer.from('\n');

export class LineBuffer {
  private parts: Buffer[] = [];
  private size = 0;

  constructor(private readonly maxLine = MAX_LINE_BYTES) {}

  /** The whole lines completed by `chunk` (with what was pending), each ending in `\n`; null when none. */
  push(chunk: Buffer): Buffer | null {
    const last = chunk.lastIndexOf(NEWLINE);
    if (last === -1) {
      this.parts.push(chunk);
      this.size += chunk.length;
      return this.size >= this.maxLine ? this.takePending() : null;
    }
    const head = last === chunk.length - 1 ? chunk : chunk.subarray(0, last + 1);
    const block = this.size === 0 ? head : Buffer.concat([...this.parts, head]);
    const rest = chunk.subarray(last + 1);
    this.parts = rest.length === 0 ? [] : [rest];
    this.size = rest.length;
    return this.size >= this.maxLine ? Buffer.concat([block, this.takePending()]) : block;
  }

  /** At end of stream: the unfinished last line, given its newline; null when nothing is pending. */
  flush(): Buffer | null {
    return this.size === 0 ? null : this.takePending();
  }

  get pendingBytes(): number {
    return this.size;
  }

  /** The partial line held now, without taking it (to show a prompt while it waits for its newline). */
  peek(): Buffer {
    if (this.parts.length > 1) this.parts = [Buffer.concat(this.parts)];
    return this.parts[0] ?? Buffer.alloc(0);
  }

  private takePending(): Buffer {
    const block = Buffer.concat([...this.parts, NEWLINE_BUFFER]);
    this.parts = [];
    this.size = 0;
    return block;
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

/** Where each line of the block being prefixed ends; reused, so prefixing allocates only its output. */
let ends = new Int32Array(1024);

/**
 * Copies `block` (whole lines, each ending in `\n`) with `prefix` in front of every line, in one
 * allocation: one native scan for the newlines, then a byte loop for the short prefix (cheaper than a
 * native call per line) and a native copy per line body.
 */
export function prefixLines(block: Buffer, prefix: Buffer): Buffer {
  let lines = 0;
  for (let i = block.indexOf(NEWLINE); i !== -1; i = block.indexOf(NEWLINE, i + 1)) {
    if (lines === ends.length) {
      const grown = new Int32Array(lines * 2);
      grown.set(ends);
      ends = grown;
    }
    ends[lines++] = i + 1;
  }
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
