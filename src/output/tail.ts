// Keeps the last lines of each process, to show with a failure.
import type { OutputListener, StreamName } from '../supervisor/instance.js';
import { StreamLines, forEachLine } from './lines.js';

export class TailKeeper implements OutputListener {
  private readonly tails = new Map<string, string[]>();
  private readonly streams = new StreamLines();

  constructor(private readonly keep = 20) {}

  data(name: string, stream: StreamName, chunk: Buffer): void {
    const block = this.streams.push(name, stream, chunk);
    if (block) this.add(name, block);
  }

  end(name: string, stream: StreamName): void {
    const block = this.streams.end(name, stream);
    if (block) this.add(name, block);
  }

  lines(name: string): readonly string[] {
    return this.tails.get(name) ?? [];
  }

  private add(name: string, block: Buffer): void {
    let tail = this.tails.get(name);
    if (!tail) this.tails.set(name, (tail = []));
    // Only the last `keep` lines of a big block matter: skip decoding the rest.
    const starts: [number, number][] = [];
    forEachLine(block, (start, end) => {
      starts.push([start, end]);
      if (starts.length > this.keep) starts.shift();
    });
    for (const [start, end] of starts) tail.push(block.toString('utf8', start, end).replace(/\r$/, ''));
    if (tail.length > this.keep) tail.splice(0, tail.length - this.keep);
  }
}
