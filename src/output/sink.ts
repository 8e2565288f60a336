// The one place log bytes leave ps-run: writes to a stream, reports back-pressure, and survives a
// reader that went away (EPIPE), a terminal that hung up (EIO) or a full disk (ENOSPC) by reporting it
// once and dropping further output. Once the run is stopping, output that nobody reads is dropped (and
// counted) instead of queued, so a stalled reader can never hold a shutdown up.
// Blocks are written at once, not batched per event-loop turn: measured, batching cost 30% more CPU per
// line, because pausing the children until `drain` lets their pipes fill, so each read brings 64 KiB.
import type { Writable } from 'node:stream';

export interface SinkEvents {
  /** true: the reader is behind, stop reading the children; false: it caught up. */
  pressure?(paused: boolean): void;
  /** The stream failed (EPIPE when `ps-run | head` closed its end, EIO after a hang-up, ENOSPC). */
  closed?(error: NodeJS.ErrnoException): void;
}

/** While stopping, at most this much is queued for a reader that does not read; the rest is dropped. */
export const STOPPING_QUEUE_BYTES = 1024 * 1024;

/**
 * Bytes dropped per stream, over every Sink on it: the exit path (cli/main.ts) reads them to say how
 * much of the log never reached the reader.
 */
const droppedByStream = new WeakMap<Writable, number>();

/** Bytes dropped on `stream` since the last call; resets the count. */
export function takeDropped(stream: Writable): number {
  const dropped = droppedByStream.get(stream) ?? 0;
  droppedByStream.delete(stream);
  return dropped;
}

export class Sink {
  private paused = false;
  private broken = false;
  private stopping = false;
  /** Bytes dropped while stopping because the reader did not keep up. */
  dropped = 0;

  constructor(
    private readonly stream: Writable,
    private readonly events: SinkEvents = {},
  ) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (this.broken) return;
      this.broken = true;
      this.events.closed?.(error);
    });
  }

  write(data: Buffer | string): void {
    if (this.broken) return;
    if (this.stopping && this.stream.writableLength >= STOPPING_QUEUE_BYTES) {
      this.dropped += data.length;
      droppedByStream.set(this.stream, (droppedByStream.get(this.stream) ?? 0) + data.length);
      return;
    }
    if (this.stream.write(data) || this.paused || this.stopping) return;
    this.paused = true;
    this.events.pressure?.(true);
    this.stream.once('drain', () => {
      this.paused = false;
      if (!this.stopping) this.events.pressure?.(false);
    });
  }

  /** From now on the children are never paused for this reader: what it cannot take is dropped. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    if (this.paused) this.events.pressure?.(false);
  }

  /** Bytes written but not yet taken by the reader. */
  get queued(): number {
    return this.stream.writableLength;
  }
}
