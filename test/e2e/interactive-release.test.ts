// `release:` is a one-shot (Heroku's release phase): under `start` its exit 0 is ready, not "not ready",
// and the others keep running; under `smoke` its exit 0 counts as ready without --ready release=exit, and
// a release that fails fails the smoke test. Ports 29850-29899.
import { afterEach, describe, expect, it } from 'vitest';
import { MARK, exitWithin, fixture, logLines, makeApp, pidsWithEnv, portAccepts, runTracker } from './helpers.js';
import { client, socketPath } from './interactive-support.js';

const tracker = runTracker();
afterEach(() => tracker.cleanup());

const PROCFILE = `release: ${fixture('oneshot.js')}\nweb: ${fixture('server.js')}\nworker: ${fixture('idle.js')}\n`;

describe('release: under start', () => {
  it('is ready when it exits 0; ps-run keeps running the others', async () => {
    const app = makeApp({ Procfile: PROCFILE });
    const socket = socketPath();
    const run = tracker.start(['start', '-s', socket, '-p', '29850', '--port-step', '1', '--settle', '0.2', '--no-timestamp'], {
      cwd: app,
    });
    await run.waitFor(/system +\| release\.1 ready [^\n]*\(exit\)\n/);
    await run.waitFor(/system +\| web\.1 ready/);
    const lines = logLines(run.stdout);
    expect(lines).toContain('release.1 | migrated');
    expect(lines).toContain('system    | release.1 exited with code 0');
    expect(run.stdout).not.toMatch(/not ready/);
    expect(run.stdout).not.toMatch(/stopping/);
    // Its port slot stays: web and worker have the ports foreman gives them.
    expect(await portAccepts(29851)).toBe(true);
    const status = JSON.parse((await client(['status', '--json', '-s', socket], app)).stdout) as { name: string; state: string }[];
    expect(status.map((s) => `${s.name} ${s.state}`)).toEqual(['release.1 exited', 'web.1 running', 'worker.1 running']);
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
  });
});

describe('release: under smoke', () => {
  it('counts its exit 0 as ready without --ready release=exit', async () => {
    const app = makeApp({ Procfile: PROCFILE });
    const run = tracker.start(['smoke', '-s', socketPath(), '-p', '29860', '--port-step', '1', '--settle', '0.2', '--no-timestamp'], {
      cwd: app,
    });
    expect(await exitWithin(run)).toBe(0);
    expect(run.stdout).toMatch(/system +\| release\.1 ready [^\n]*\(exit\)\n/);
    expect(run.stdout).toMatch(/^release\.1 +29860 +exit +\d+ ms +exited 0$/m);
    expect(run.stdout).toMatch(/stopping all processes \(smoke passed\)/);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('fails when the release fails, with its status and its last lines', async () => {
    const app = makeApp({ Procfile: PROCFILE });
    const run = tracker.start(['smoke', '-s', socketPath(), '-p', '29870', '--port-step', '1', '--settle', '0.2', '--no-timestamp'], {
      cwd: app,
      env: { CODE: '3' },
    });
    expect(await exitWithin(run)).toBe(3);
    expect(run.stdout).toContain('release.1 not ready (exit): exited with code 3 before it was ready');
    expect(run.stderr).toBe(
      'ps-run: smoke failed: release.1 exited with code 3 before it was ready\nlast 2 lines of release.1:\n  migrating release.1\n  migrated\n',
    );
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });
});
