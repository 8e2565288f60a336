// Stopping under adversity: a TERM-ignoring daemon that keeps forking (normal stop, and ps-run
// SIGKILLed with a PATH that holds nothing), stopped processes that must be continued to handle
// SIGTERM, and 1,000 instances. Ports 27000-27999 (nothing here binds one).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, MARK, exitWithin, isAlive, makeApp, pidsWithEnv, runTracker, waitUntil } from './helpers.js';

const tracker = runTracker();
afterEach(() => tracker.cleanup());

/** A Procfile command running a fixture by absolute paths only (no PATH lookup). */
const absolute = (name: string): string => `exec ${process.execPath} ${path.join(FIXTURES, name)}`;

/** The value of `name` in the environment of process `pid`. */
function envOf(pid: number, name: string): string | undefined {
  const entry = readFileSync(`/proc/${pid}/environ`, 'latin1')
    .split('\0')
    .find((e) => e.startsWith(`${name}=`));
  return entry?.slice(name.length + 1);
}

describe('a TERM-ignoring daemon that keeps forking', () => {
  it('a normal stop leaves nothing of it: SIGKILL rounds until none is found', async () => {
    const app = makeApp({ Procfile: `fork: ${absolute('forking-daemon.js')}\n` });
    const run = tracker.start(['start', '-p', '27100', '-t', '1', '--no-timestamp'], { cwd: app });
    await run.waitFor('forking daemon pid');
    await waitUntil(() => pidsWithEnv(MARK, run.mark).length > 6, 10_000, 'the daemon to fork');
    run.signal('SIGTERM');
    expect(await exitWithin(run)).toBe(143);
    expect(run.stdout).toMatch(/sending SIGKILL to \d+ process/);
    // At ps-run's exit, not some time later.
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('ps-run SIGKILLed with a PATH that holds nothing: the watchdog sweeps until nothing of the session is left', async () => {
    const app = makeApp({ Procfile: `fork: ${absolute('forking-daemon.js')}\n` });
    const run = tracker.start(['start', '-p', '27110', '--no-timestamp'], { cwd: app, env: { PATH: '/nonexistent' } });
    const daemon = Number((await run.waitFor(/forking daemon pid (\d+)/))[1]);
    const session = envOf(daemon, 'PS_RUN_SESSION') as string;
    expect(session).toBeTruthy();
    expect(pidsWithEnv('PS_RUN_WATCHDOG_SESSION', session)).toHaveLength(1);
    await waitUntil(() => pidsWithEnv(MARK, run.mark).length > 6, 10_000, 'the daemon to fork');
    run.signal('SIGKILL');
    await run.exited;
    await waitUntil(() => pidsWithEnv(MARK, run.mark).length === 0, 10_000, 'every process of the run to be gone');
    // Once the watchdog has finished, nothing it should have killed may remain.
    await waitUntil(() => pidsWithEnv('PS_RUN_WATCHDOG_SESSION', session).length === 0, 10_000, 'the watchdog to exit');
    expect(isAlive(daemon)).toBe(false);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });
});

describe('stopped processes', () => {
  it('a group leader and a process that left its group, both stopped with SIGSTOP, get SIGCONT after SIGTERM and handle it', async () => {
    const app = makeApp({ Procfile: `term: ${absolute('term-file.js')}\nstray: DETACH=1 ${absolute('term-file.js')}\n` });
    const termFile = path.join(app, 'terms');
    const run = tracker.start(['start', '-p', '27120', '-t', '30', '--no-timestamp'], { cwd: app, env: { TERM_FILE: termFile } });
    await waitUntil(() => (run.stdout.match(/term-file ready pid/g) ?? []).length === 3, 20_000, 'three ready lines');
    const pids = [...run.stdout.matchAll(/term-file ready pid (\d+)/g)].map((m) => Number(m[1]));
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    run.signal('SIGTERM');
    // Without SIGCONT they would sit stopped until the 30 s timeout, then be SIGKILLed.
    expect(await exitWithin(run, 25_000)).toBe(143);
    expect(run.stdout).not.toContain('SIGKILL');
    const handled = readFileSync(termFile, 'utf8').trim().split('\n').map(Number);
    expect(handled.sort()).toEqual(pids.sort());
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });
});

describe('stopping at scale (slow)', () => {
  it('1,000 instances that exit on SIGTERM stop within a generous deadline, nothing left', async () => {
    const count = 1000;
    const app = makeApp({ Procfile: 'sl: exec /bin/sleep 1000\n' });
    const run = tracker.start(['start', '-m', `sl=${count}`, '-p', '27000', '--port-step', '1000', '--settle', '0.1', '--no-timestamp'], {
      cwd: app,
    });
    await waitUntil(() => (run.stdout.match(/\| sl\.\d+ ready/g) ?? []).length >= count, 120_000, `${count} instances ready`);
    const stoppedAt = performance.now();
    run.signal('SIGTERM');
    expect(await exitWithin(run, 60_000)).toBe(143);
    console.log(`${count} instances stopped in ${Math.round(performance.now() - stoppedAt)} ms`);
    expect(run.stdout).not.toContain('SIGKILL');
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  }, 240_000);
});
