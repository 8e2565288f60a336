// Text lines (time, aligned names, colors) and JSON Lines (valid JSON whatever the bytes).
import { describe, expect, it } from 'vitest';
import { jsonFormat, textFormat } from '../../src/output/formats.js';
import { clockTime, colorLevel, makeColorizer } from '../../src/output/style.js';

const AT = new Date(2024, 0, 2, 14, 2, 11, 250).getTime(); // local 14:02:11.250
const plain = (name: string, text: string): string => text;
const str = (out: Buffer | string): string => out.toString();

describe('textFormat', () => {
  const format = textFormat({ names: ['web.1', 'worker.10'], timestamps: true, colorize: plain });

  it('prefixes every line with local time and the name padded to the widest', () => {
    expect(str(format(Buffer.from('hello\nworld\n'), 'web.1', 'stdout', AT))).toBe(
      '14:02:11 web.1     | hello\n14:02:11 web.1     | world\n',
    );
    expect(str(format(Buffer.from('x\n'), 'worker.10', 'stderr', AT))).toBe('14:02:11 worker.10 | x\n');
  });

  it('pads to `system` when every name is shorter', () => {
    const short = textFormat({ names: ['a.1'], timestamps: true, colorize: plain });
    expect(str(short(Buffer.from('x\n'), 'a.1', 'stdout', AT))).toBe('14:02:11 a.1    | x\n');
    expect(str(short(Buffer.from('up\n'), 'system', 'system', AT))).toBe('14:02:11 system | up\n');
  });

  it('follows the clock from one second to the next (the prefix is cached per second only)', () => {
    expect(str(format(Buffer.from('a\n'), 'web.1', 'stdout', AT))).toBe('14:02:11 web.1     | a\n');
    expect(str(format(Buffer.from('b\n'), 'web.1', 'stdout', AT + 750))).toBe('14:02:12 web.1     | b\n');
    expect(str(format(Buffer.from('c\n'), 'web.1', 'stdout', AT + 3600_000))).toBe('15:02:11 web.1     | c\n');
  });

  it('drops the time and its space with --no-timestamp', () => {
    const bare = textFormat({ names: ['web.1'], timestamps: false, colorize: plain });
    expect(str(bare(Buffer.from('hi\n'), 'web.1', 'stdout', AT))).toBe('web.1  | hi\n');
  });

  it('colors the prefix, not the line', () => {
    const colored = textFormat({ names: ['web.1', 'worker.1'], timestamps: false, colorize: makeColorizer(1, ['web', 'worker']) });
    expect(str(colored(Buffer.from('hi\n'), 'web.1', 'stdout', AT))).toBe('\u001b[36mweb.1    |\u001b[39m hi\n');
    expect(str(colored(Buffer.from('hi\n'), 'worker.1', 'stdout', AT))).toBe('\u001b[33mworker.1 |\u001b[39m hi\n');
    expect(str(colored(Buffer.from('hi\n'), 'system', 'system', AT))).toBe('\u001b[90msystem   |\u001b[39m hi\n');
  });
});

describe('makeColorizer and colorLevel', () => {
  it('gives each process type its own color, the same for every instance', () => {
    const colorize = makeColorizer(1, ['web', 'worker', 'clock']);
    expect(colorize('web.1', 'x')).toBe(colorize('web.2', 'x'));
    expect(new Set(['web.1', 'worker.1', 'clock.1'].map((n) => colorize(n, 'x'))).size).toBe(3);
  });

  it('leaves text alone at level 0', () => {
    expect(makeColorizer(0, ['web'])('web.1', 'x')).toBe('x');
  });

  it('lets --color/--no-color win, then NO_COLOR, then detection', () => {
    expect(colorLevel('never', {}, 3)).toBe(0);
    expect(colorLevel('always', { NO_COLOR: '1' }, 0)).toBe(1);
    expect(colorLevel('auto', { NO_COLOR: '1' }, 2)).toBe(0);
    expect(colorLevel('auto', { NO_COLOR: '' }, 2)).toBe(2);
  });

  it('formats local time as HH:MM:SS', () => {
    expect(clockTime(new Date(2024, 5, 6, 7, 8, 9).getTime())).toBe('07:08:09');
  });
});

describe('jsonFormat', () => {
  const parse = (out: Buffer | string): unknown[] =>
    str(out)
      .split('\n')
      .slice(0, -1)
      .map((line) => JSON.parse(line) as unknown);

  it('writes one object per line with ISO time in ms, process, stream and line', () => {
    expect(parse(jsonFormat(Buffer.from('a\nb\n'), 'web.1', 'stderr', AT))).toEqual([
      { time: new Date(AT).toISOString(), process: 'web.1', stream: 'stderr', line: 'a' },
      { time: new Date(AT).toISOString(), process: 'web.1', stream: 'stderr', line: 'b' },
    ]);
    expect(new Date(AT).toISOString()).toMatch(/\.250Z$/);
  });

  it('stays valid JSON with quotes, backslashes and control characters', () => {
    const line = 'say "hi"\\ \t\u0000\u001b[31mred\u001b[0m \u007f';
    expect(parse(jsonFormat(Buffer.from(`${line}\n`), 'system', 'system', AT))).toEqual([
      { time: new Date(AT).toISOString(), process: 'system', stream: 'system', line },
    ]);
  });

  it('turns invalid UTF-8 into U+FFFD', () => {
    const block = Buffer.concat([Buffer.from('ok '), Buffer.from([0xff, 0xc3]), Buffer.from('\n')]);
    const [entry] = parse(jsonFormat(block, 'web.1', 'stdout', AT)) as { line: string }[];
    expect(entry?.line).toBe('ok \ufffd\ufffd');
  });

  it('drops the carriage return of a CRLF line', () => {
    const entries = parse(jsonFormat(Buffer.from('dos\r\nunix\n\r\n'), 'web.1', 'stdout', AT)) as { line: string }[];
    expect(entries.map((e) => e.line)).toEqual(['dos', 'unix', '']);
  });
});
