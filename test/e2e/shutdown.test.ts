// Stopping: shutdown signals, SIGKILL after the timeout, a second Ctrl-C, and nothing left behind
// (grandchildren included). Ports 23000-23999.
import { afterEach, describe, expect, it } from 'vitest';
import { MARK, exitWithin, fixture, isAlive, makeApp, pidsWithEnv, portAccepts, runTracker, waitUntil } from './helpers.js';

const tracker = runTracker();
afterEach(() => tracker.cleanup());

const SERVER = fixture('server.js');
const STUBBORN = fixture('stubborn.js');

describe('shutdown', () => {
  it.each<[NodeJS.Signals, number, number]>([
    ['SIGINT', 130, 23000],
    ['SIGTERM', 143, 23300],
    ['SIGHUP', 129, 23600],
  ])('%s stops everything within the timeout, grandchildren included, and exits %i', async (signal, status, base) => {
    // `pair` is a shell that forks two servers: they are grandchildren of ps-run.
    const app = makeApp({
      Procfile: `web: ${SERVER}\npair: ${SERVER} & PORT=$((PORT + 1)) ${SERVER} & wait\n`,
    });
    const run = tracker.start(['start', '-p', String(base), '-t', '20'], { cwd: app });
    const ports = [base, base + 100, base + 101];
    for (const port of ports) await run.waitFor(`listening ${port} `);
    const before = pidsWithEnv(MARK, run.mark);
    // ps-run, web's node, pair's shell and its two servers (sh -c may exec the single command away).
    expect(before.length).toBeGreaterThanOrEqual(5);
    run.signal(signal);
    expect(await exitWithin(run)).toBe(status);
    expect(run.stdout).toContain(`stopping all processes (received ${signal})`);
    expect(run.stdout).not.toContain('SIGKILL');
    expect(before.filter(isAlive)).toEqual([]);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
    for (const port of ports) expect(await portAccepts(port)).toBe(false);
  });

  it('a process that ignores SIGTERM gets SIGKILL after -t 1, its forked children too, and the log says so', async () => {
    const app = makeApp({
      Procfile: `stub: ${STUBBORN}\nfork: ${STUBBORN} & ${STUBBORN} & wait\nweb: ${SERVER}\n`,
    });
    const run = tracker.start(['start', '-p', '23900', '--port-step', '10', '-t', '1'], { cwd: app });
    await waitUntil(() => (run.stdout.match(/stubborn pid \d+/g) ?? []).length === 3, 20_000, 'three stubborn processes');
    await run.waitFor('listening 23920 web.1');
    const before = pidsWithEnv(MARK, run.mark);
    const signalledAt = Date.now();
    run.signal('SIGTERM');
    await run.waitFor(/ignoring SIGTERM/);
    expect(await exitWithin(run)).toBe(143);
    // Lower bound only: SIGKILL waits for the timeout.
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(950);
    expect(run.stdout).toMatch(/system\s+\| sending SIGKILL to stub\.1 \(pid \d+\)/);
    expect(run.stdout).toMatch(/system\s+\| sending SIGKILL to fork\.1 \(pid \d+\)/);
    expect(run.stdout).not.toMatch(/sending SIGKILL to web\.1/);
    expect(before.filter(isAlive)).toEqual([]);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('a second SIGINT kills at once, long before the timeout', async () => {
    const app = makeApp({ Procfile: `stub: ${STUBBORN}\nfork: sh -c '${STUBBORN}'; sleep 1000\n` });
    const run = tracker.start(['start', '-p', '23950', '-t', '600'], { cwd: app });
    await waitUntil(() => (run.stdout.match(/stubborn pid \d+/g) ?? []).length === 2, 20_000, 'two stubborn processes');
    const before = pidsWithEnv(MARK, run.mark);
    run.signal('SIGINT');
    await run.waitFor('stopping all processes (received SIGINT)');
    await run.waitFor(/ignoring SIGTERM/);
    expect(run.child.exitCode).toBeNull();
    run.signal('SIGINT');
    // Only the second SIGINT can end this run before the 600 s timeout.
    expect(await exitWithin(run, 30_000)).toBe(130);
    expect(run.stdout).toMatch(/sending SIGKILL to stub\.1/);
    expect(before.filter(isAlive)).toEqual([]);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('a signal during a back-off ends the run without restarting', async () => {
    const app = makeApp({ Procfile: `web: ${SERVER}\ncrash: exit 1\n` });
    const run = tracker.start(['start', '-p', '23960'], { cwd: app });
    await run.waitFor('listening 23960 web.1');
    await run.waitFor(/restarting crash\.1 in (400|800|1600) ms/);
    run.signal('SIGTERM');
    expect(await exitWithin(run)).toBe(143);
    const afterStop = run.stdout.slice(run.stdout.indexOf('stopping all processes'));
    expect(afterStop).not.toMatch(/crash\.1 started/);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });
});

describe('shutdown: processes that left their group', () => {
  it('a server the command started in a new session gets SIGTERM too, without waiting for the timeout', async () => {
    const app = makeApp({ Procfile: `web: setsid ${SERVER} & wait\n` });
    // The server ends on SIGTERM at once: only a wait on the 600 s timeout could miss the 30 s deadline.
    const run = tracker.start(['start', '-p', '23970', '-t', '600'], { cwd: app });
    await run.waitFor('listening 23970 web.1');
    run.signal('SIGINT');
    expect(await exitWithin(run, 30_000)).toBe(130);
    expect(run.stdout).not.toContain('SIGKILL');
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
    expect(await portAccepts(23970)).toBe(false);
  });
});
