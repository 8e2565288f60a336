// The last lines of each instance, bounded by lines and bytes, for `ps-run logs` and the smoke failure
// report. Blocks are kept as they came (no copy, no split per line on the hot path); trimming drops
// whole old blocks, and reads cut lines out of what is left.
import type { LineSubscriber, LogStream } from './hub.js';
import { countLines, forEachLine } from './lines.js';

export interface StoredLine {
  time: number;
  stream: LogStream;
  line: Buffer;
}

interface Entry {
  time: number;
  stream: LogStream;
  block: Buffer;
  lines: number;
}

export const RING_LINES = 1000;
export const RING_BYTES = 1024 * 1024;

export class LogRing {
  private entries: Entry[] = [];
  /** Index of the oldest entry kept: dropping advances it, and the array is compacted now and then. */
  private first = 0;
  private lines = 0;
  private bytes = 0;

  constructor(
    private readonly maxLines = RING_LINES,
    private readonly maxBytes = RING_BYTES,
  ) {}

  /** `ends`: the block's line ends, when the caller has them (its line count is all the ring needs). */
  add(stream: LogStream, block: Buffer, time: number, ends?: Int32Array): void {
    // A block bigger than the ring keeps only its tail. A small view of a large read buffer is copied,
    // or it would pin the whole buffer; a block that is most of its buffer is kept as it is.
    const tail = block.length > this.maxBytes ? tailBytes(block, this.maxBytes) : block;
    const kept = tail.length * 2 < tail.buffer.byteLength ? Buffer.from(tail) : tail;
    const entry: Entry = { time, stream, block: kept, lines: ends !== undefined && tail === block ? ends.length : countLines(kept) };
    this.entries.push(entry);
    this.lines += entry.lines;
    this.bytes += kept.length;
    while (this.first < this.entries.length - 1) {
      const oldest = this.entries[this.first]!;
      if (this.lines - oldest.lines < this.maxLines && this.bytes <= this.maxBytes) break;
      this.lines -= oldest.lines;
      this.bytes -= oldest.block.length;
      this.first++;
    }
    // Compacting when half the array is dropped entries keeps each add O(1) on average.
    if (this.first > 64 && this.first * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.first);
      this.first = 0;
    }
  }

  /** The last `n` lines (at most the ring's line limit), oldest first. */
  tail(n: number): StoredLine[] {
    const want = Math.min(n, this.maxLines);
    const out: StoredLine[] = [];
    for (let e = this.entries.length - 1; e >= this.first && out.length < want; e--) {
      const entry = this.entries[e]!;
      const lines: StoredLine[] = [];
      forEachLine(entry.block, (start, end) =>
        lines.push({ time: entry.time, stream: entry.stream, line: entry.block.subarray(start, end) }),
      );
      out.unshift(...lines.slice(Math.max(0, lines.length - (want - out.length))));
    }
    return out;
  }
}

/** The whole lines in the last `max` bytes of a block. */
function tailBytes(block: Buffer, max: number): Buffer {
  const from = block.indexOf(10, block.length - max - 1);
  return from === -1 ? block.subarray(block.length - max) : block.subarray(from + 1);
}

/** One ring per instance name. */
export class LogRings implements LineSubscriber {
  private readonly rings = new Map<string, LogRing>();

  constructor(
    private readonly maxLines = RING_LINES,
    private readonly maxBytes = RING_BYTES,
  ) {}

  lines(name: string, stream: LogStream, block: Buffer, time: number, ends?: Int32Array): void {
    if (stream === 'system') return;
    let ring = this.rings.get(name);
    if (!ring) this.rings.set(name, (ring = new LogRing(this.maxLines, this.maxBytes)));
    ring.add(stream, block, time, ends);
  }

  tail(name: string, n: number): StoredLine[] {
    return this.rings.get(name)?.tail(n) ?? [];
  }

  /** Last lines as text, without `\r` (for the smoke failure report). */
  text(name: string, n: number): string[] {
    return this.tail(name, n).map((l) => l.line.toString('utf8').replace(/\r$/, ''));
  }
}
