// LogWriter: one line buffer per source, so lines from different processes never mix inside a line.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { jsonFormat, textFormat } from '../../src/output/formats.js';
import { Sink } from '../../src/output/sink.js';
import { LogWriter, type BlockFormatter } from '../../src/output/writer.js';

const AT = new Date(2024, 0, 2, 9, 30, 0).getTime();

function capture(format: BlockFormatter): { writer: LogWriter; output: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const writer = new LogWriter(new Sink(stream), format, () => AT);
  return { writer, output: () => chunks.join('') };
}

const text = textFormat({ names: ['web.1', 'web.2'], timestamps: false, colorize: (_n, t) => t });

describe('LogWriter', () => {
  it('never puts another process between the two halves of a line', () => {
    const { writer, output } = capture(text);
    writer.data('web.1', 'stdout', Buffer.from('first ha'));
    writer.data('web.2', 'stdout', Buffer.from('other line\n'));
    writer.data('web.1', 'stdout', Buffer.from('lf\nsecond\n'));
    expect(output()).toBe('web.2  | other line\nweb.1  | first half\nweb.1  | second\n');
  });

  it('keeps stdout and stderr of one process apart', () => {
    const { writer, output } = capture(text);
    writer.data('web.1', 'stdout', Buffer.from('out '));
    writer.data('web.1', 'stderr', Buffer.from('err\n'));
    writer.data('web.1', 'stdout', Buffer.from('done\n'));
    expect(output()).toBe('web.1  | err\nweb.1  | out done\n');
  });

  it('never mixes sources whatever the chunking (every line arrives whole, in order)', () => {
    const { writer, output } = capture(text);
    const streams = ['web.1', 'web.2'].map((name) => ({
      name,
      bytes: Buffer.from(Array.from({ length: 200 }, (_, i) => `${name} line ${i} ${'x'.repeat(i % 17)}\n`).join('')),
      at: 0,
    }));
    // Deterministic pseudo-random chunk sizes, alternating sources.
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) % 37;
    while (streams.some((s) => s.at < s.bytes.length)) {
      for (const s of streams) {
        const size = Math.min(next() + 1, s.bytes.length - s.at);
        if (size > 0) writer.data(s.name, 'stdout', s.bytes.subarray(s.at, s.at + size));
        s.at += size;
      }
    }
    const lines = output().trimEnd().split('\n');
    expect(lines).toHaveLength(400);
    for (const name of ['web.1', 'web.2']) {
      const mine = lines.filter((l) => l.startsWith(`${name.padEnd(6)} | `));
      expect(mine).toEqual(Array.from({ length: 200 }, (_, i) => `${name.padEnd(6)} | ${name} line ${i} ${'x'.repeat(i % 17)}`));
    }
  });

  it('flushes a partial last line at end of stream', () => {
    const { writer, output } = capture(text);
    writer.data('web.1', 'stdout', Buffer.from('no newline'));
    expect(output()).toBe('');
    writer.end('web.1', 'stdout');
    expect(output()).toBe('web.1  | no newline\n');
  });

  it('starts afresh after end (a restarted instance)', () => {
    const { writer, output } = capture(text);
    writer.data('web.1', 'stdout', Buffer.from('old'));
    writer.end('web.1', 'stdout');
    writer.data('web.1', 'stdout', Buffer.from('new\n'));
    expect(output()).toBe('web.1  | old\nweb.1  | new\n');
  });

  it("writes ps-run's own lines under `system`, or another name", () => {
    const { writer, output } = capture(text);
    writer.system('web.1 started');
    writer.system('ok', 'web.2');
    expect(output()).toBe('system | web.1 started\nweb.2  | ok\n');
  });

  it('gives the system stream in JSON', () => {
    const { writer, output } = capture(jsonFormat);
    writer.system('hello');
    expect(JSON.parse(output())).toEqual({ time: new Date(AT).toISOString(), process: 'system', stream: 'system', line: 'hello' });
  });
});
