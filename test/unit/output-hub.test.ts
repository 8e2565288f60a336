// The output hub and the terminal's LogWriter: one line buffer per pipe, so lines from different
// processes (or runs) never mix inside a line; partial lines shown after a quiet moment; fan-out.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../support/fake-clock.js';
import { jsonFormat, textFormat } from '../../src/output/formats.js';
import { FLOWING_BYTES, IDLE_TICK_MS, OutputHub } from '../../src/output/hub.js';
import { Sink } from '../../src/output/sink.js';
import { LogWriter, type BlockFormatter } from '../../src/output/writer.js';
import type { PipeSink } from '../../src/supervisor/instance.js';

const AT = new Date(2024, 0, 2, 9, 30, 0).getTime();

/** A hub whose pipes are opened on first use per name and stream (`end` closes one: the next use is a new run). */
function capture(format: BlockFormatter) {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const clock = new FakeClock(AT);
  const hub = new OutputHub(clock);
  const writer = new LogWriter(new Sink(stream), format, () => clock.now());
  hub.subscribe(writer, { display: true });
  const pipes = new Map<string, PipeSink>();
  const pipe = (name: string, s: 'stdout' | 'stderr'): PipeSink => {
    const key = `${name} ${s}`;
    if (!pipes.has(key)) pipes.set(key, hub.open(name, s));
    return pipes.get(key)!;
  };
  const data = (name: string, s: 'stdout' | 'stderr', chunk: Buffer): void => pipe(name, s).data(chunk);
  const end = (name: string, s: 'stdout' | 'stderr'): void => {
    pipe(name, s).end();
    pipes.delete(`${name} ${s}`);
  };
  return { writer: { data, end, system: (t: string, n?: string) => writer.system(t, n) }, hub, clock, output: () => chunks.join('') };
}

const text = textFormat({ names: ['web.1', 'web.2'], timestamps: false, colorize: (_n, t) => t });

describe('OutputHub and LogWriter', () => {
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

  it('shows a partial line (a prompt) once its pipe has been quiet for two ticks; the rest follows on its own line, nothing twice', () => {
    const { writer, output, clock, hub } = capture(text);
    const whole: string[] = [];
    hub.subscribe({ lines: (_n, _s, block) => whole.push(block.toString()) });
    writer.data('web.1', 'stdout', Buffer.from('(rdbg) '));
    clock.advance(IDLE_TICK_MS);
    expect(output()).toBe('');
    clock.advance(IDLE_TICK_MS);
    expect(output()).toBe('web.1  | (rdbg) \n');
    writer.data('web.1', 'stdout', Buffer.from('p 1\n'));
    expect(output()).toBe('web.1  | (rdbg) \nweb.1  | p 1\n');
    // Logical subscribers (rings, log checks, files) get the line whole, once.
    expect(whole).toEqual(['(rdbg) p 1\n']);
  });

  it("hands every subscriber the line ends of the block it gets, the display's rest of a shown line included", () => {
    const { writer, clock, hub } = capture(text);
    const seen: { display: boolean; block: string; ends: number[] }[] = [];
    const record =
      (display: boolean) =>
      (_n: string, _s: string, block: Buffer, _t: number, ends?: Int32Array): void =>
        void seen.push({ display, block: block.toString(), ends: [...(ends ?? [])] });
    hub.subscribe({ lines: record(true) }, { display: true });
    hub.subscribe({ lines: record(false) });
    writer.data('web.1', 'stdout', Buffer.from('a\nbb\n'));
    writer.data('web.1', 'stdout', Buffer.from('(rdbg) '));
    clock.advance(2 * IDLE_TICK_MS);
    writer.data('web.1', 'stdout', Buffer.from('p 1\nq\n'));
    hub.system('done');
    expect(seen).toEqual([
      { display: true, block: 'a\nbb\n', ends: [2, 5] },
      { display: false, block: 'a\nbb\n', ends: [2, 5] },
      { display: true, block: '(rdbg) \n', ends: [8] },
      { display: true, block: 'p 1\nq\n', ends: [4, 6] },
      { display: false, block: '(rdbg) p 1\nq\n', ends: [11, 13] },
      { display: true, block: 'done\n', ends: [5] },
      { display: false, block: 'done\n', ends: [5] },
    ]);
  });

  it('gives a line cut off in a large run of output a second of quiet before showing it (a writer starved mid-write)', () => {
    const { writer, output, clock } = capture(text);
    const line = `${'x'.repeat(79)}\n`;
    // A big write read in two pieces: the first ends mid-line, after more than FLOWING_BYTES.
    const lines = line.repeat(Math.ceil(FLOWING_BYTES / line.length) + 1);
    writer.data('web.1', 'stdout', Buffer.from(lines + 'x'.repeat(40)));
    const before = output();
    clock.advance(IDLE_TICK_MS * 19);
    expect(output()).toBe(before);
    writer.data('web.1', 'stdout', Buffer.from(`${'x'.repeat(39)}\n`));
    expect(output().slice(before.length)).toBe(`web.1  | ${'x'.repeat(79)}\n`);
    // Still shown in the end, if nothing more comes.
    writer.data('web.1', 'stdout', Buffer.from(lines + 'Continue? '));
    clock.advance(IDLE_TICK_MS * 20);
    expect(output().endsWith('web.1  | Continue? \n')).toBe(true);
    // After a line boundary, a prompt that follows a little output is quick again.
    writer.data('web.1', 'stdout', Buffer.from('\nok\n(dbg) '));
    clock.advance(IDLE_TICK_MS * 2);
    expect(output().endsWith('web.1  | ok\nweb.1  | (dbg) \n')).toBe(true);
  });

  it('shows nothing of a partial line while the terminal holds the children up (back-pressure is not silence)', () => {
    const { writer, output, clock, hub } = capture(text);
    hub.hold(true);
    writer.data('web.1', 'stdout', Buffer.from('half a li'));
    clock.advance(IDLE_TICK_MS * 10);
    expect(output()).toBe('');
    hub.hold(false);
    writer.data('web.1', 'stdout', Buffer.from('ne\n'));
    expect(output()).toBe('web.1  | half a line\n');
  });

  it('a prompt followed by a bare newline shows no empty line', () => {
    const { writer, output, clock } = capture(text);
    writer.data('web.1', 'stdout', Buffer.from('Password: '));
    clock.advance(IDLE_TICK_MS * 2);
    writer.data('web.1', 'stdout', Buffer.from('\nnext\n'));
    expect(output()).toBe('web.1  | Password: \nweb.1  | next\n');
  });

  it('does not cut a line whose pieces keep arriving', () => {
    const { writer, output, clock } = capture(text);
    for (let i = 0; i < 10; i++) {
      writer.data('web.1', 'stdout', Buffer.from(`${i}`));
      clock.advance(IDLE_TICK_MS - 1);
    }
    writer.data('web.1', 'stdout', Buffer.from('\n'));
    expect(output()).toBe('web.1  | 0123456789\n');
    // With nothing pending, the tick stops after its next turn: no timer while idle.
    clock.advance(IDLE_TICK_MS);
    expect(clock.pending).toBe(0);
  });

  it('keeps two pipes of one name apart (a daemon left by an earlier run, and the new run)', () => {
    const { hub, output } = capture(text);
    const old = hub.open('web.1', 'stdout');
    const fresh = hub.open('web.1', 'stdout');
    old.data(Buffer.from('old hal'));
    fresh.data(Buffer.from('new line\n'));
    old.data(Buffer.from('f\n'));
    expect(output()).toBe('web.1  | new line\nweb.1  | old half\n');
  });

  it('hands raw bytes to raw listeners of that name only, and lines to every subscriber until it leaves', () => {
    const { hub, writer } = capture(text);
    const raw: string[] = [];
    const seen: string[] = [];
    const off = hub.listenRaw('web.1', (chunk) => raw.push(chunk.toString()));
    const leave = hub.subscribe({ lines: (name, _s, block) => seen.push(`${name}:${block.toString()}`) }, { display: true });
    writer.data('web.1', 'stdout', Buffer.from('ab'));
    writer.data('web.2', 'stdout', Buffer.from('x\n'));
    writer.data('web.1', 'stdout', Buffer.from('c\n'));
    off();
    leave();
    writer.data('web.1', 'stdout', Buffer.from('later\n'));
    expect(raw).toEqual(['ab', 'c\n']);
    expect(seen).toEqual(['web.2:x\n', 'web.1:abc\n']);
  });

  it('starts a new raw listener with the partial lines pending for that name (the prompt attach shows)', () => {
    const { hub, writer } = capture(text);
    writer.data('web.1', 'stdout', Buffer.from('done\n(dbg) '));
    writer.data('web.1', 'stderr', Buffer.from('warn: '));
    writer.data('web.2', 'stdout', Buffer.from('other '));
    writer.data('web.1', 'stdout', Buffer.from('more '));
    const raw: string[] = [];
    hub.listenRaw('web.1', (chunk) => raw.push(chunk.toString()));
    expect(raw).toEqual(['(dbg) more ', 'warn: ']);
    writer.data('web.1', 'stdout', Buffer.from('1\n'));
    writer.end('web.1', 'stderr');
    const late: string[] = [];
    hub.listenRaw('web.1', (chunk) => late.push(chunk.toString()));
    // The line ended and the pipe closed: nothing is pending any more.
    expect(late).toEqual([]);
    expect(raw).toEqual(['(dbg) more ', 'warn: ', '1\n']);
  });

  it('widens the prefix column when a longer name appears (scaling up)', () => {
    const { writer, output } = capture(text);
    const formatter = textFormat({ names: ['web.1'], timestamps: false, colorize: (_n, t) => t });
    formatter.widen?.('worker.10');
    expect(formatter(Buffer.from('a\n'), 'web.1', 'stdout', AT).toString()).toBe('web.1     | a\n');
    writer.system('x');
    expect(output()).toBe('system | x\n');
  });

  it('does not show a partial line while its writer is still runnable (descheduled mid-line on a busy machine)', () => {
    const chunks: string[] = [];
    const clock = new FakeClock(AT);
    let busy = true;
    const hub = new OutputHub(clock, undefined, () => busy);
    hub.subscribe({ lines: (_n, _s, block) => chunks.push(block.toString()) }, { display: true });
    const pipe = hub.open('web.1', 'stdout');
    pipe.data(Buffer.from('spam.1 line 0000'));
    clock.advance(IDLE_TICK_MS * 10);
    expect(chunks).toEqual([]);
    busy = false;
    clock.advance(IDLE_TICK_MS * 2);
    expect(chunks).toEqual(['spam.1 line 0000\n']);
  });
});
