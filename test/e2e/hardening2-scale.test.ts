// Stop time when the host is busy: web=20 stops quickly with 3,000 other processes on the host (the
// stray sweep reads /proc once, not once per process). Slow: it starts 3,000 `sleep`s, in one process
// group that the test SIGKILLs afterwards. Ports 27500-27599 (alive checks: nothing binds one).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { MARK, exitWithin, makeApp, pidsWithEnv, runTracker, waitUntil } from './helpers.js';

const tracker = runTracker();
let crowd: ChildProcess | undefined;
afterEach(() => {
  tracker.cleanup();
  if (crowd?.pid !== undefined) {
    try {
      process.kill(-crowd.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  crowd = undefined;
});

/** How many processes of the host's process group `pgid` are alive (from /proc/<pid>/stat). */
async function crowdSize(pgid: number): Promise<number> {
  const { readdirSync, readFileSync } = await import('node:fs');
  let n = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') n++;
    } catch {
      // gone
    }
  }
  return n;
}

describe('stopping on a busy host (slow)', () => {
  it('web=20 stops within a generous deadline with 3,000 other processes on the host', async () => {
    // 3,000 sleeps in one group of their own, led by a shell that waits for them.
    crowd = spawn('/bin/sh', ['-c', 'i=0; while [ $i -lt 3000 ]; do /bin/sleep 1000 & i=$((i+1)); done; wait'], {
      detached: true,
      stdio: 'ignore',
    });
    const pgid = crowd.pid as number;
    await waitUntil(async () => (await crowdSize(pgid)) >= 3001, 120_000, '3,000 sleeps');
    const app = makeApp({ Procfile: 'web: exec /bin/sleep 1000\n' });
    const run = tracker.start(
      ['start', 'web=20', '-p', '27500', '--ready', 'web=alive', '--settle', '0.1', '--no-timestamp', '-s', path.join(app, 'ctl.sock')],
      { cwd: app },
    );
    await waitUntil(() => (run.stdout.match(/\| web\.\d+ ready/g) ?? []).length >= 20, 60_000, '20 instances ready');
    const stoppedAt = performance.now();
    run.signal('SIGTERM');
    expect(await exitWithin(run, 30_000)).toBe(143);
    console.log(`web=20 with 3,000 other processes: stopped in ${Math.round(performance.now() - stoppedAt)} ms`);
    expect(run.stdout).not.toContain('SIGKILL');
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  }, 240_000);
});
