// The last lines of each instance, bounded by lines and bytes, for `ps-run logs` and the smoke failure
// report. Blocks are stored whole (no split per line on the hot path); trimming drops whole old
// blocks, and reads cut lines out of what is left.
import type { LineSubscriber, LogStream } from './hub.js';
import { countLines, forEachLine } from './lines.js';

export interface StoredLine {
  time: number;
  stream: LogStream;
  line: Buffer;
}

export const RING_LINES = 1000;
export const RING_BYTES = 1024 * 1024;

/** A block shorter than this is copied into the ring's current chunk; a longer one is kept as it came. */
const SMALL_BLOCK = 4096;
/** The first chunk of a ring; each new one is twice the last, up to CHUNK_MAX. */
const CHUNK_MIN = 1024;
const CHUNK_MAX = 16 * 1024;

/**
 * One instance's last lines. A process that prints a line at a time hands over thousands of tiny
 * blocks, each its own buffer: kept as they came, each cost far more than its bytes (measured: about
 * 250 bytes of heap per 80-byte line). So small blocks are copied into chunks shared by many, and the
 * blocks are described by parallel arrays of numbers (no object per block); a large block is kept as
 * its own chunk. Trimming drops whole old blocks, and a chunk once no kept block lies in it.
 */
export class LogRing {
  // Per block, oldest at `first`: when it came, its stream, its chunk (an id, see `chunkBase`), where it
  // lies in the chunk, and its line count. Dropping advances `first`; the arrays are compacted now and then.
  private times: number[] = [];
  private streams: LogStream[] = [];
  private chunkIds: number[] = [];
  private starts: number[] = [];
  private ends: number[] = [];
  private counts: number[] = [];
  private first = 0;
  /** Chunks in use, oldest first; chunks[0] has the id chunkBase. */
  private chunks: Buffer[] = [];
  private chunkBase = 0;
  /** Bytes used of the newest chunk when it takes small blocks (-1: it is a large block's own). */
  private used = -1;
  private lines = 0;
  private bytes = 0;

  constructor(
    private readonly maxLines = RING_LINES,
    private readonly maxBytes = RING_BYTES,
  ) {}

  /** `ends`: the block's line ends, when the caller has them (its line count is all the ring needs). */
  add(stream: LogStream, block: Buffer, time: number, ends?: Int32Array): void {
    // A block bigger than the ring keeps only its tail.
    const tail = block.length > this.maxBytes ? tailBytes(block, this.maxBytes) : block;
    const lines = ends !== undefined && tail === block ? ends.length : countLines(tail);
    let start = 0;
    if (tail.length < SMALL_BLOCK) {
      const chunk = this.chunks[this.chunks.length - 1];
      if (chunk === undefined || this.used < 0 || this.used + tail.length > chunk.length) {
        const size = Math.min(CHUNK_MAX, Math.max(CHUNK_MIN, (chunk?.length ?? 0) * 2, tail.length));
        this.chunks.push(Buffer.allocUnsafeSlow(size));
        this.used = 0;
      }
      start = this.used;
      tail.copy(this.chunks[this.chunks.length - 1]!, start);
      this.used += tail.length;
    } else {
      // A small view of a large read buffer is copied, or it would pin the whole buffer.
      this.chunks.push(tail.length * 2 < tail.buffer.byteLength ? Buffer.from(tail) : tail);
      this.used = -1;
    }
    this.times.push(time);
    this.streams.push(stream);
    this.chunkIds.push(this.chunkBase + this.chunks.length - 1);
    this.starts.push(start);
    this.ends.push(start + tail.length);
    this.counts.push(lines);
    this.lines += lines;
    this.bytes += tail.length;
    this.trim();
  }

  /** The last `n` lines (at most the ring's line limit), oldest first. */
  tail(n: number): StoredLine[] {
    const want = Math.min(n, this.maxLines);
    const out: StoredLine[] = [];
    for (let e = this.times.length - 1; e >= this.first && out.length < want; e--) {
      const block = this.chunks[this.chunkIds[e]! - this.chunkBase]!.subarray(this.starts[e], this.ends[e]);
      const time = this.times[e]!;
      const stream = this.streams[e]!;
      const lines: StoredLine[] = [];
      forEachLine(block, (start, end) => lines.push({ time, stream, line: block.subarray(start, end) }));
      out.unshift(...lines.slice(Math.max(0, lines.length - (want - out.length))));
    }
    return out;
  }

  /** Drops the oldest blocks while the ring is over a limit (the newest is always kept), then the chunks no block uses. */
  private trim(): void {
    const last = this.times.length - 1;
    while (this.first < last) {
      const lines = this.counts[this.first]!;
      const bytes = this.ends[this.first]! - this.starts[this.first]!;
      if (this.lines - lines < this.maxLines && this.bytes <= this.maxBytes) break;
      this.lines -= lines;
      this.bytes -= bytes;
      this.first++;
    }
    const oldestChunk = this.chunkIds[this.first]!;
    if (oldestChunk > this.chunkBase) {
      this.chunks.splice(0, oldestChunk - this.chunkBase);
      this.chunkBase = oldestChunk;
    }
    // Compacting when half the arrays are dropped entries keeps each add O(1) on average.
    if (this.first > 64 && this.first * 2 > this.times.length) {
      for (const column of [this.times, this.streams, this.chunkIds, this.starts, this.ends, this.counts] as unknown[][]) {
        column.splice(0, this.first);
      }
      this.first = 0;
    }
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
