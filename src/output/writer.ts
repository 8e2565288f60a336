// Whole-line blocks -> formatted text -> the sink: the terminal's subscriber of the output hub.
import type { LineSubscriber, LogStream } from './hub.js';
import type { Sink } from './sink.js';

export type { LogStream } from './hub.js';

/** Formats a block of whole lines (each ending in `\n`) from one source. */
export interface BlockFormatter {
  /** `ends`: where the block's lines end, when the caller has them (see lineEnds). */
  (block: Buffer, name: string, stream: LogStream, nowMs: number, ends?: Int32Array): Buffer | string;
  /** A new name may appear (scaling up): widen the prefix column if it is longer. */
  widen?(name: string): void;
}

export class LogWriter implements LineSubscriber {
  constructor(
    private readonly sink: Sink,
    private readonly format: BlockFormatter,
    private readonly now: () => number = Date.now,
  ) {}

  lines(name: string, stream: LogStream, block: Buffer, time: number, ends?: Int32Array): void {
    this.sink.write(this.format(block, name, stream, time, ends));
  }

  /** A line of ps-run's own, under the name `system` (or another, such as the smoke command's). */
  system(text: string, name = 'system'): void {
    this.sink.write(this.format(Buffer.from(`${text}\n`), name, 'system', this.now()));
  }

  widen(name: string): void {
    this.format.widen?.(name);
  }
}
