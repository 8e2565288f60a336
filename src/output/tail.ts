// Keeps the last lines of each process, to show with a failure.
import type { OutputListener, StreamName } from '../supervisor/instance.js';
import { LineBuffer, forEachLine } from './lines.js';

export class TailKeeper implements OutputListener {
  private readonly tails = new Map<string, string[]>();
  private readonly buffers = new Map<string, LineBuffer>();

  constructor(private readonly keep = 20) {}

  data(name: string, stream: StreamName, chunk: Buffer): void {
    const key = `${name}\0${stream}`;
    let buffer = this.buffers.get(key);
    if (!buffer) this.buffers.set(key, (buffer = new LineBuffer()));
    const block = buffer.push(chunk);
    if (block) this.add(name, block);
  }

  end(name: string, stream: StreamName): void {
    const key = `${name}\0${stream}`;
    const block = this.buffers.get(key)?.flush();
    this.buffers.delete(key);
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
