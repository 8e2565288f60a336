// A second Ctrl-C kills everything of the run at once, including processes that left their group and
// ignore SIGTERM: nobody waits out -t. Ports 27100-27199 (only PORT values; nothing binds one).
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, MARK, exitWithin, makeApp, pidsWithEnv, runTracker, waitUntil } from './helpers.js';

const tracker = runTracker();
afterEach(() => tracker.cleanup());

const node = (name: string): string => `exec ${process.execPath} ${path.join(FIXTURES, name)}`;

describe('a second Ctrl-C', () => {
  it('during the stray sweep: the TERM-ignoring daemon and its children are SIGKILLed at once, not after -t 60', async () => {
    const app = makeApp({ Procfile: `fork: ${node('forking-daemon.js')}\n` });
    const run = tracker.start(['start', '-p', '27100', '-t', '60', '--no-timestamp', '-s', path.join(app, 'ctl.sock')], { cwd: app });
    await run.waitFor('forking daemon pid');
    await waitUntil(() => pidsWithEnv(MARK, run.mark).length > 4, 10_000, 'the daemon to fork');
    run.signal('SIGINT');
    // The leader is gone, the sweep has sent SIGTERM to the strays and would wait 60 s.
    await run.waitFor(/sending SIGTERM to \d+ process(es)? that left their process group/);
    const killedAt = performance.now();
    run.signal('SIGINT');
    expect(await exitWithin(run, 20_000)).toBe(130);
    const ms = performance.now() - killedAt;
    console.log(`second Ctrl-C during the sweep: ps-run exited ${ms.toFixed(0)} ms later`);
    expect(run.stdout).toMatch(/sending SIGKILL to \d+ process(es)? that left their process group/);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  }, 40_000);

  it('before the sweep (a group leader still ignores SIGTERM): the sweep starts with SIGKILL, no SIGTERM round', async () => {
    const app = makeApp({ Procfile: `fork: ${node('forking-daemon.js')}\nstub: ${node('stubborn.js')}\n` });
    const run = tracker.start(['start', '-p', '27110', '-t', '60', '--no-timestamp', '-s', path.join(app, 'ctl.sock')], { cwd: app });
    await run.waitFor('forking daemon pid');
    await run.waitFor('stubborn pid');
    await waitUntil(() => pidsWithEnv(MARK, run.mark).length > 4, 10_000, 'the daemon to fork');
    run.signal('SIGINT');
    await run.waitFor('ignoring SIGTERM');
    const killedAt = performance.now();
    run.signal('SIGINT');
    expect(await exitWithin(run, 20_000)).toBe(130);
    console.log(`second Ctrl-C with a stubborn leader: ps-run exited ${(performance.now() - killedAt).toFixed(0)} ms later`);
    expect(run.stdout).not.toMatch(/sending SIGTERM to \d+ process(es)? that left/);
    expect(run.stdout).toMatch(/sending SIGKILL to \d+ process(es)? that left their process group/);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  }, 40_000);
});
