// Memory while nobody reads ps-run's output (a pipe never read): a leader exits and its TERM-ignoring
// grandchild keeps writing during -t (was 113 MB -> 940 MB), and a flooding process restarted while
// output is paused (was 257 MB -> 955 MB). ps-run's RSS, read from /proc, stays under 150 MiB.
// Ports 27300-27399 (only PORT values; nothing binds one).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { promisify } from 'node:util';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, FIXTURES, MARK, client, killMarked, makeApp, marker, pidsWithEnv, waitUntil } from './helpers.js';

const execFileAsync = promisify(execFile);
const marks: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const mark of marks.splice(0)) killMarked(MARK, mark);
});

/** Writes 100-byte lines with blocking writes for ever; SIGTERM is caught and ignored. */
const STUBBORN_FLOOD = `const { writeSync } = require('node:fs');
process.on('SIGTERM', () => {});
const chunk = Buffer.from(('z'.repeat(99) + '\\n').repeat(640));
for (;;) writeSync(1, chunk);
`;

function rssMiB(pid: number): number {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    throw new Error(`ps-run (pid ${pid}) is gone`);
  }
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : 0;
}

/** ps-run with its stdout a pipe this test never reads. */
function startUnread(app: string, args: string[]): { child: ChildProcess; mark: string; stderr: () => string; exited: Promise<number> } {
  const mark = marker();
  marks.push(mark);
  const child = spawn(process.execPath, [BIN, 'start', '-s', path.join(app, 'ctl.sock'), ...args], {
    cwd: app,
    env: { ...process.env, NO_COLOR: '1', [MARK]: mark },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  child.stdout?.pause();
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve) =>
    child.once('close', (code, signal) => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0))),
  );
  return { child, mark, stderr: () => stderr, exited };
}

/** True once a process of the run other than ps-run itself (which carries the mark too) is there. */
function childStarted(run: { child: ChildProcess; mark: string }): boolean {
  return pidsWithEnv(MARK, run.mark).some((pid) => pid !== run.child.pid);
}

/** Samples RSS every 50 ms for `ms` and returns the peak. */
async function peakOver(pid: number, ms: number): Promise<number> {
  let peak = 0;
  const until = Date.now() + ms;
  await waitUntil(
    () => {
      peak = Math.max(peak, rssMiB(pid));
      return Date.now() >= until;
    },
    ms + 5000,
    'the sampling period',
  );
  return peak;
}

describe('nobody reads the output', () => {
  it('a leader exits, its TERM-ignoring child keeps writing during -t: ps-run stays under 150 MiB', async () => {
    const app = makeApp({ 'flood.cjs': STUBBORN_FLOOD, Procfile: `leak: ${process.execPath} flood.cjs & sleep 0.5; exit 0\n` });
    const run = startUnread(app, ['-p', '27300', '-t', '8', '--restart', 'never']);
    const pid = run.child.pid as number;
    await waitUntil(() => childStarted(run), 10_000, 'the flood to start');
    const peak = await peakOver(pid, 6000);
    console.log(`leader gone, stubborn child flooding, nobody reading: ps-run peak RSS ${peak.toFixed(1)} MiB`);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(150);
    run.child.kill('SIGTERM');
    await waitUntil(() => pidsWithEnv(MARK, run.mark).length === 0, 30_000, 'every process of the run to be gone');
  }, 60_000);

  it('a flooding process restarted three times while nobody reads: every new run starts paused, ps-run stays under 150 MiB', async () => {
    const app = makeApp({ Procfile: `flood: LINES=1000000000 exec ${process.execPath} ${path.join(FIXTURES, 'flood.js')}\n` });
    const run = startUnread(app, ['-p', '27310', '-t', '2']);
    const pid = run.child.pid as number;
    const socket = path.join(app, 'ctl.sock');
    // The restarts need the control socket: wait until ps-run answers on it with flood.1 running (the
    // flood's process alone is not enough, the socket may not listen yet on a slow machine).
    await waitUntil(
      async () => childStarted(run) && /flood\.1\s+running/.test((await client(['status', '-s', socket], app)).stdout),
      20_000,
      'the flood to run and ps-run to answer on its socket',
    );
    let peak = 0;
    const sampling = peakOver(pid, 6000).then(
      (p) => (peak = p),
      (error: Error) =>
        Promise.reject(new Error(`${error.message} (exit ${run.child.exitCode}, signal ${run.child.signalCode}); stderr: ${run.stderr()}`)),
    );
    for (let i = 0; i < 3; i++) {
      // Not spawnSync: the sampling must go on meanwhile.
      const restart = await execFileAsync(process.execPath, [BIN, 'restart', 'flood', '-s', socket], {
        timeout: 20_000,
      });
      expect(restart.stdout).toMatch(/flood\.1/);
    }
    await sampling;
    console.log(`three restarts while nobody reads: ps-run peak RSS ${peak.toFixed(1)} MiB`);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(150);
    run.child.kill('SIGTERM');
    await waitUntil(() => pidsWithEnv(MARK, run.mark).length === 0, 30_000, 'every process of the run to be gone');
  }, 60_000);
});
