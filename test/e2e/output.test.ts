// The merged log: whole lines under heavy concurrent output, partial lines, stderr, prefixes and colors.
// Ports 24000-24999.
import { afterEach, describe, expect, it } from 'vitest';
import { exitWithin, fixture, makeApp, runTracker } from './helpers.js';

const tracker = runTracker();
afterEach(() => tracker.cleanup());

const pad2 = (n: number): string => String(n).padStart(2, '0');
/** Every local HH:MM:SS from `from` to `to`. */
function clockTimes(from: number, to: number): Set<string> {
  const times = new Set<string>();
  for (let t = Math.floor(from / 1000) * 1000; t <= to; t += 1000) {
    const d = new Date(t);
    times.add(`${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`);
  }
  return times;
}

describe('output', () => {
  it('keeps every line whole, none lost, in order per process, under heavy concurrent output', async () => {
    const LINES = 20_000;
    const app = makeApp({ Procfile: `spam: ${fixture('spam.js')}\nerr: ${fixture('spam.js')} 1>&2\n` });
    const run = tracker.start(['start', '-m', 'spam=4,err=2', '-p', '24000'], { cwd: app, env: { LINES: String(LINES) } });
    expect(await exitWithin(run, 50_000)).toBe(0);
    const next = new Map<string, number>();
    let bad = 0;
    for (const line of run.stdout.split('\n')) {
      if (line === '' || / system +\| /.test(line)) continue;
      const match = /^\d\d:\d\d:\d\d (\S+) +\| (\S+) line (\d{8}) x{50}$/.exec(line);
      if (!match || match[1] !== match[2]) {
        if (bad++ < 3) console.error(`not a whole line: ${JSON.stringify(line.slice(0, 200))}`);
        continue;
      }
      const name = match[1] as string;
      const expected = next.get(name) ?? 0;
      expect(Number(match[3]), `${name} out of order`).toBe(expected);
      next.set(name, expected + 1);
    }
    expect(bad).toBe(0);
    expect(Object.fromEntries(next)).toEqual({
      'spam.1': LINES,
      'spam.2': LINES,
      'spam.3': LINES,
      'spam.4': LINES,
      'err.1': LINES,
      'err.2': LINES,
    });
  });

  it('flushes a partial last line when the process exits, before its exit message', async () => {
    const app = makeApp({ Procfile: "p: printf 'first\\nno newline at end'\n" });
    const run = tracker.start(['start', '-p', '24100', '--no-timestamp'], { cwd: app });
    expect(await exitWithin(run)).toBe(0);
    expect(run.stdout).toContain('p.1    | first\np.1    | no newline at end\n');
    expect(run.stdout.indexOf('no newline at end')).toBeLessThan(run.stdout.indexOf('p.1 exited'));
  });

  it('shows stderr as well as stdout', async () => {
    const app = makeApp({ Procfile: 'e: echo to-stdout; echo to-stderr >&2\n' });
    const run = tracker.start(['start', '-p', '24200', '--no-timestamp'], { cwd: app });
    expect(await exitWithin(run)).toBe(0);
    expect(run.stdout).toContain('e.1    | to-stdout\n');
    expect(run.stdout).toContain('e.1    | to-stderr\n');
  });

  it('cuts a line that never ends into bounded pieces, losing nothing', async () => {
    const app = makeApp({ Procfile: `long: node -e "process.stdout.write('y'.repeat(1000000))"\n` });
    const run = tracker.start(['start', '-p', '24300', '--no-timestamp'], { cwd: app });
    expect(await exitWithin(run)).toBe(0);
    const pieces = run.stdout
      .split('\n')
      .filter((l) => l.startsWith('long.1 | '))
      .map((l) => l.slice('long.1 | '.length));
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces) {
      expect(piece).toMatch(/^y+$/);
      // Bounded: ps-run holds at most 64 KiB of a partial line plus the chunk just read.
      expect(piece.length).toBeLessThanOrEqual(2 * 64 * 1024);
    }
    expect(pieces.join('').length).toBe(1_000_000);
  });

  it('prefixes lines with local HH:MM:SS and the name padded to the widest, system included', async () => {
    const app = makeApp({ Procfile: 'a: echo hi\nlonger_name: echo there\n' });
    const from = Date.now();
    const run = tracker.start(['start', '-p', '24400'], { cwd: app });
    expect(await exitWithin(run)).toBe(0);
    const times = clockTimes(from, Date.now());
    const lines = run.stdout.split('\n').filter((l) => l !== '');
    expect(lines.length).toBeGreaterThanOrEqual(6);
    for (const line of lines) {
      const match = /^(\d\d:\d\d:\d\d) (.{13}) \| /.exec(line);
      expect(match, line).not.toBeNull();
      expect(times.has(match?.[1] as string), line).toBe(true);
    }
    expect(lines).toContain(`${lines.find((l) => l.includes('| hi'))?.slice(0, 9)}a.1           | hi`);
    expect(lines.some((l) => l.endsWith(' longer_name.1 | there'))).toBe(true);
    expect(lines.some((l) => / system {8}\| a\.1 started with pid \d+ on port 24400$/.test(l))).toBe(true);
    expect(lines.some((l) => / system {8}\| a\.1 exited with code 0$/.test(l))).toBe(true);
  });

  it('--no-timestamp drops the time', async () => {
    const app = makeApp({ Procfile: 'web: echo hi\n' });
    const run = tracker.start(['start', '-p', '24500', '--no-timestamp'], { cwd: app });
    expect(await exitWithin(run)).toBe(0);
    const lines = run.stdout.split('\n').filter((l) => l !== '');
    expect(lines).toContain('web.1  | hi');
    for (const line of lines) expect(line).toMatch(/^(web\.1 |system) \| /);
  });
});

describe('colors', () => {
  const ESC = '\u001b[';
  const PROCFILE = 'c: echo "FC=${FORCE_COLOR-unset}"\n';

  it.each<[string, string[], NodeJS.ProcessEnv, boolean, RegExp]>([
    ['--color forces them; children get FORCE_COLOR', ['--color'], { NO_COLOR: undefined, FORCE_COLOR: undefined }, true, /\| FC=[123]\n/],
    ['NO_COLOR: none, and no FORCE_COLOR', [], { NO_COLOR: '1', FORCE_COLOR: undefined }, false, /\| FC=unset\n/],
    ['NO_COLOR beats FORCE_COLOR', [], { NO_COLOR: '1', FORCE_COLOR: '1' }, false, /\| FC=1\n/],
    ['--no-color: none', ['--no-color'], { NO_COLOR: undefined, FORCE_COLOR: undefined }, false, /\| FC=unset\n/],
    ['not a terminal: none', [], { NO_COLOR: undefined, FORCE_COLOR: undefined }, false, /\| FC=unset\n/],
    ['FORCE_COLOR in the environment: colored', [], { NO_COLOR: undefined, FORCE_COLOR: '1' }, true, /\| FC=1\n/],
    [
      '--color with NO_COLOR: colored, but children get no FORCE_COLOR',
      ['--color'],
      { NO_COLOR: '1', FORCE_COLOR: undefined },
      true,
      /\| FC=unset\n/,
    ],
  ])('%s', async (_what, args, env, colored, child) => {
    const run = tracker.start(['start', '-p', '24600', ...args], { cwd: makeApp({ Procfile: PROCFILE }), env });
    expect(await exitWithin(run)).toBe(0);
    expect(run.stdout.includes(ESC)).toBe(colored);
    expect(run.stdout.replaceAll(new RegExp(`${ESC.replace('[', '\\[')}[0-9;]*m`, 'g'), '')).toMatch(child);
  });

  it('different process types get different colors', async () => {
    const app = makeApp({ Procfile: 'a: echo one\nb: echo two\n' });
    const run = tracker.start(['start', '-p', '24700', '--color', '--no-timestamp'], { cwd: app, env: { NO_COLOR: undefined } });
    expect(await exitWithin(run)).toBe(0);
    const colorOf = (text: string): string | undefined => new RegExp(`^(\\u001b\\[[0-9;]*m)${text}`, 'm').exec(run.stdout)?.[1];
    expect(colorOf('a\\.1 ')).toBeDefined();
    expect(colorOf('b\\.1 ')).toBeDefined();
    expect(colorOf('a\\.1 ')).not.toBe(colorOf('b\\.1 '));
  });
});
