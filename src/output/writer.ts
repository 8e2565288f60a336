// Children's bytes -> whole lines -> formatted blocks -> the sink. One LineBuffer per stream of each
// instance, so a line is never mixed with another process's output and never lost.
import type { OutputListener, StreamName } from '../supervisor/instance.js';
import { StreamLines } from './lines.js';
import type { Sink } from './sink.js';

export type LogStream = StreamName | 'system';

/** Formats a block of whole lines (each ending in `\n`) from one source. */
export type BlockFormatter = (block: Buffer, name: string, stream: LogStream, nowMs: number) => Buffer | string;

export class LogWriter implements OutputListener {
  private readonly lines = new StreamLines();

  constructor(
    private readonly sink: Sink,
    private readonly format: BlockFormatter,
    private readonly now: () => number = Date.now,
  ) {}

  data(name: string, stream: StreamName, chunk: Buffer): void {
    const block = this.lines.push(name, stream, chunk);
    if (block) this.sink.write(this.format(block, name, stream, this.now()));
  }

  end(name: string, stream: StreamName): void {
    const block = this.lines.end(name, stream);
    if (block) this.sink.write(this.format(block, name, stream, this.now()));
  }

  /** A line of ps-run's own, under the name `system` (or another, such as the smoke command's). */
  system(text: string, name = 'system'): void {
    this.sink.write(this.format(Buffer.from(`${text}\n`), name, 'system', this.now()));
  }
}
