// Output ps-run did not expect: a 50 MiB line, binary, invalid UTF-8, `\r`, ANSI and floods, all at
// once; ps-run's memory stays bounded, no line is lost or mixed. Also `| head -5` and a slow reader.
// Ports 17000-17999.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, MARK, fixture, killMarked, makeApp, marker, pidsWithEnv, waitUntil } from './helpers.js';

const MIB = 1024 * 1024;
/**
 * ps-run's peak RSS (VmHWM) must stay under this while 50 MiB (one line) and ~40 MiB (floods) pass
 * through it. Measured on Node 20: ~55 MiB idle, ~90-107 MiB here (garbage awaiting GC), and the same
 * ~90 MiB for a 200 MiB line as for a 50 MiB one, so the peak does not grow with the volume. Holding
 * the 50 MiB line (its pieces, then the concatenated copy) would need 55 + 100 MiB at least.
 */
const RSS_BOUND_MIB = 150;

interface Spawned {
  child: ChildProcess;
  mark: string;
  stderr(): string;
  exited: Promise<number>;
}

const started: Spawned[] = [];
afterEach(() => {
  for (const run of started.splice(0)) {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
    killMarked(MARK, run.mark);
  }
});

/** The built CLI with a marker, its stdout left to the caller (raw bytes; nothing is read until asked). */
function spawnPsRun(args: string[], cwd: string, stdout: 'pipe' | NodeJS.WritableStream = 'pipe'): Spawned {
  const mark = marker();
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', [MARK]: mark },
    stdio: ['ignore', stdout as 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve) => child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : -1))));
  const run = { child, mark, stderr: () => stderr, exited };
  started.push(run);
  return run;
}

/** Peak resident set (VmHWM) of a live process in MiB, sampled until stopped; the kernel tracks the peak between samples. */
function watchPeakRss(pid: number): { peakMiB: () => number; stop: () => void } {
  let peak = 0;
  const sample = (): void => {
    try {
      const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      if (kib) peak = Math.max(peak, Number(kib) / 1024);
    } catch {
      // exited
    }
  };
  sample();
  const timer = setInterval(sample, 20);
  return { peakMiB: () => (sample(), peak), stop: () => clearInterval(timer) };
}

/** Splits raw bytes into lines and hands each to `onLine` as (name, content) from `name | content`. */
function lineSplitter(onLine: (name: string, content: Buffer) => void): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  const SEP = Buffer.from(' | ');
  return (chunk) => {
    let data = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let start = 0;
    for (let end = data.indexOf(10); end !== -1; end = data.indexOf(10, start)) {
      const line = data.subarray(start, end);
      const at = line.indexOf(SEP);
      if (at === -1) throw new Error(`a line without a prefix: ${JSON.stringify(line.subarray(0, 200).toString('latin1'))}`);
      onLine(line.subarray(0, at).toString('latin1').trimEnd(), line.subarray(at + SEP.length));
      start = end + 1;
    }
    data = data.subarray(start);
    pending = Buffer.from(data);
  };
}

/** The numbered line flood.js writes as line `i` of process `name`. */
const floodLine = (name: string, i: number): string => {
  const head = `${name} ${String(i).padStart(9, '0')} `;
  return `${head}${'y'.repeat(99 - head.length)}`;
};

describe('output ps-run did not expect', () => {
  it('a 50 MiB line, binary, invalid UTF-8, \\r, ANSI and two floods at once: bounded memory, every line whole', async () => {
    const FLOOD_LINES = 200_000;
    const app = makeApp({
      Procfile: [
        `big: ${fixture('hostile.js', 'bigline 50')}`,
        `binary: COPY=binary.out SEED=7 ${fixture('hostile.js', 'binary 2048')}`,
        `utf8: COPY=utf8.out ${fixture('hostile.js', 'utf8 5000')}`,
        `progress: COPY=progress.out ${fixture('hostile.js', 'progress 2000')}`,
        `ansi: COPY=ansi.out ${fixture('hostile.js', 'ansi 5000')}`,
        `flood: LINES=${FLOOD_LINES} ${fixture('flood.js')}`,
      ].join('\n'),
    });
    const run = spawnPsRun(['start', 'big', 'binary', 'utf8', 'progress', 'ansi', 'flood=2', '-p', '17000', '--no-timestamp'], app);
    const rss = watchPeakRss(run.child.pid as number);

    const copies = new Map<string, Buffer[]>(['binary.1', 'utf8.1', 'progress.1', 'ansi.1'].map((n) => [n, []]));
    const floodNext = new Map<string, number>([
      ['flood.1', 0],
      ['flood.2', 0],
    ]);
    let bigBytes = 0;
    let bigPieces = 0;
    let bigLongest = 0;
    const bigTail: string[] = [];
    const problems: string[] = [];
    const problem = (text: string): void => void (problems.length < 20 && problems.push(text));
    run.child.stdout?.on(
      'data',
      lineSplitter((name, content) => {
        if (name === 'system') return;
        const copy = copies.get(name);
        if (copy) return void copy.push(Buffer.from(content), Buffer.from('\n'));
        const next = floodNext.get(name);
        if (next !== undefined) {
          if (content.toString('latin1') !== floodLine(name, next))
            problem(`${name} line ${next}: ${content.toString('latin1').slice(0, 120)}`);
          floodNext.set(name, next + 1);
          return;
        }
        if (name === 'big.1') {
          if (bigTail.length > 0 || content.some((byte) => byte !== 66)) return void bigTail.push(content.toString('latin1'));
          bigBytes += content.length;
          bigPieces++;
          bigLongest = Math.max(bigLongest, content.length);
          return;
        }
        problem(`a line from an unknown name ${JSON.stringify(name)}`);
      }),
    );

    const status = await Promise.race([run.exited, new Promise<string>((r) => setTimeout(() => r('still running'), 120_000))]);
    rss.stop();
    const peak = rss.peakMiB();
    console.log(
      `hostile output: ps-run peak RSS ${peak.toFixed(1)} MiB; the 50 MiB line came in ${bigPieces} pieces of at most ${bigLongest} bytes`,
    );
    expect(status).toBe(0);
    expect(run.stderr()).toBe('');
    expect(problems).toEqual([]);
    expect(peak).toBeLessThan(RSS_BOUND_MIB);
    // No byte of the 50 MiB line is lost; it is cut into bounded pieces, then the next line follows whole.
    expect(bigBytes).toBe(50 * MIB);
    expect(bigLongest).toBeLessThanOrEqual(128 * 1024);
    // The newline after the big line may end an empty piece, when a cut fell just before it.
    expect(bigTail.filter((line) => line !== '')).toEqual(['after the big line']);
    expect(bigTail.length).toBeLessThanOrEqual(2);
    for (const [name, next] of floodNext) expect(next, name).toBe(FLOOD_LINES);
    // What ps-run printed for each process is byte for byte what the process wrote.
    for (const [name, parts] of copies) {
      const sent = readFileSync(path.join(app, `${name.split('.')[0]}.out`));
      expect(Buffer.concat(parts).equals(sent), `${name}: ${sent.length} bytes sent`).toBe(true);
    }
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('--log-format json: every line of binary, invalid UTF-8, \\r and ANSI output is one valid JSON object', async () => {
    const app = makeApp({
      Procfile: [
        `binary: COPY=binary.out SEED=99 ${fixture('hostile.js', 'binary 256')}`,
        `utf8: COPY=utf8.out ${fixture('hostile.js', 'utf8 800')}`,
        `progress: COPY=progress.out ${fixture('hostile.js', 'progress 300')}`,
        `ansi: COPY=ansi.out ${fixture('hostile.js', 'ansi 800')}`,
      ].join('\n'),
    });
    const run = spawnPsRun(['start', '-p', '17100', '--log-format', 'json'], app);
    const chunks: Buffer[] = [];
    run.child.stdout?.on('data', (d: Buffer) => chunks.push(d));
    expect(await run.exited).toBe(0);
    expect(run.stderr()).toBe('');
    const got = new Map<string, string[]>();
    const lines = Buffer.concat(chunks).toString('utf8').split('\n');
    expect(lines.pop()).toBe('');
    for (const line of lines) {
      const entry = JSON.parse(line) as { process: string; stream: string; line: string; time: string };
      expect(typeof entry.line).toBe('string');
      expect(Number.isNaN(Date.parse(entry.time))).toBe(false);
      if (entry.process === 'system') continue;
      expect(entry.stream).toBe('stdout');
      got.set(entry.process, [...(got.get(entry.process) ?? []), entry.line]);
    }
    for (const type of ['binary', 'utf8', 'progress', 'ansi']) {
      const sent = readFileSync(path.join(app, `${type}.out`));
      const expected: string[] = [];
      let start = 0;
      for (let end = sent.indexOf(10); end !== -1; start = end + 1, end = sent.indexOf(10, start)) {
        const stop = end > start && sent[end - 1] === 13 ? end - 1 : end;
        expected.push(sent.toString('utf8', start, stop));
      }
      expect(got.get(`${type}.1`), type).toEqual(expected);
    }
    expect(got.get('utf8.1')?.[4]).toBe('utf8 4 <\ufffd\ufffd\ufffd> ok é');
  });
});

describe("ps-run's stdout closed early", () => {
  it('`ps-run start | head -5`: stops the processes, exits without an EPIPE trace, leaves nothing', async () => {
    const app = makeApp({ Procfile: `spam: LINES=1000000000 ${fixture('spam.js')}\nweb: ${fixture('server.js')}\n` });
    const head = spawn('head', ['-5'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const shown: Buffer[] = [];
    head.stdout.on('data', (d: Buffer) => shown.push(d));
    const headExited = new Promise((resolve) => head.once('close', resolve));
    const run = spawnPsRun(['start', 'spam=2', 'web', '-p', '17200'], app, head.stdin);
    // ps-run holds the only write end now.
    head.stdin.destroy();
    await headExited;
    expect(Buffer.concat(shown).toString().split('\n')).toHaveLength(6);
    const status = await Promise.race([run.exited, new Promise<string>((r) => setTimeout(() => r('still running'), 30_000))]);
    expect(status).toBe(0);
    expect(run.stderr()).not.toMatch(/EPIPE|Error|\n\s+at /);
    expect(run.stderr()).toBe('');
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });
});

describe('a slow reader', () => {
  it('back-pressure: the flooding process blocks while nobody reads, ps-run stays small, then every line arrives whole', async () => {
    const LINES = 400_000; // 40 MB of output
    const app = makeApp({ Procfile: `flood: COUNTER=written LINES=${LINES} ${fixture('flood.js')}\n` });
    const counter = path.join(app, 'written');
    const written = (): number => (existsSync(counter) ? Number(readFileSync(counter, 'utf8') || 0) : 0);
    const run = spawnPsRun(['start', '-p', '17300', '--no-timestamp'], app);
    const rss = watchPeakRss(run.child.pid as number);
    // Nothing reads ps-run's stdout yet. Wait until the writer has made progress and then stopped making it.
    let last = -1;
    await waitUntil(
      async () => {
        const now = written();
        const stalled = now > 0 && now === last;
        last = now;
        if (!stalled) await new Promise((r) => setTimeout(r, 300));
        return stalled;
      },
      30_000,
      'the flooding process to block on its writes',
    );
    const blockedAt = written();
    const peakWhileBlocked = rss.peakMiB();
    console.log(
      `slow reader: the writer blocked after ${(blockedAt / MIB).toFixed(2)} MiB of ${(LINES * 100) / MIB} MiB; ps-run peak RSS ${peakWhileBlocked.toFixed(1)} MiB`,
    );
    // Only pipe and stream buffers sit between the writer and the reader: a few hundred KiB, not 40 MB.
    expect(blockedAt).toBeLessThan(8 * MIB);
    expect(peakWhileBlocked).toBeLessThan(RSS_BOUND_MIB);
    expect(run.child.exitCode).toBeNull();

    let next = 0;
    const bad: string[] = [];
    run.child.stdout?.on(
      'data',
      lineSplitter((name, content) => {
        if (name === 'system') return;
        if (name !== 'flood.1' || content.toString('latin1') !== floodLine('flood.1', next)) {
          if (bad.length < 10) bad.push(`${name} | ${content.toString('latin1').slice(0, 120)}`);
        }
        next++;
      }),
    );
    const status = await Promise.race([run.exited, new Promise<string>((r) => setTimeout(() => r('still running'), 60_000))]);
    rss.stop();
    expect(status).toBe(0);
    expect(bad).toEqual([]);
    expect(next).toBe(LINES);
    expect(written()).toBe(LINES * 100);
    expect(rss.peakMiB()).toBeLessThan(RSS_BOUND_MIB);
  });
});
