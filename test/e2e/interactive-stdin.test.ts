// Every child gets a stdin pipe that ps-run holds open: a watcher that exits on end of input (tailwind,
// esbuild) keeps running beside the web server of a Procfile.dev; the pipe closes when the instance is
// stopped and when ps-run dies, even by SIGKILL; --no-stdin gives the old empty stdin. Ports 29500-29599.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MARK, exitWithin, fixture, isAlive, logLines, makeApp, pidsWithEnv, portAccepts, runTracker, waitUntil } from './helpers.js';
import { client, socketPath } from './interactive-support.js';

const tracker = runTracker();
const holders: number[] = [];
afterEach(() => {
  tracker.cleanup();
  for (const pid of holders.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
});

const PROCFILE_DEV = `web: ${fixture('server.js')}\ncss: ${fixture('watcher.js', '--heartbeat 100')}\n`;

/** ps-run as Rails' bin/dev runs it: `PORT=... ps-run start -f Procfile.dev --env /dev/null`. */
function binDev(extra: string[] = [], port = 29500) {
  const app = makeApp({ 'Procfile.dev': PROCFILE_DEV });
  const run = tracker.start(['start', '-f', 'Procfile.dev', '--env', '/dev/null', '-s', socketPath(), ...extra], {
    cwd: app,
    env: { PORT: String(port) },
  });
  return run;
}

describe('stdin held open', () => {
  it('keeps a watcher that exits on end of input running beside web; Ctrl-C stops both, exit 130, nothing left', async () => {
    const run = binDev();
    await run.waitFor(/web\.1 +\| listening 29500 web\.1/);
    // The watcher is still there after several heartbeats (half a second and more after it started).
    await run.waitFor(/css\.1 +\| watcher: heartbeat 5\n/);
    expect(run.stdout).not.toContain('stdin closed');
    expect(run.stdout).not.toMatch(/css\.1 exited/);
    expect(await portAccepts(29500)).toBe(true);
    const pids = pidsWithEnv(MARK, run.mark).filter((pid) => pid !== run.child.pid);
    expect(pids.length).toBeGreaterThanOrEqual(2);

    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
    const lines = logLines(run.stdout);
    expect(lines).toContain('system | stopping all processes (received SIGINT)');
    expect(lines.filter((l) => /^system \| (web|css)\.1 (was killed by|exited with)/.test(l))).toHaveLength(2);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('with --no-stdin, the watcher sees end of input at once and exits 0; web keeps running', async () => {
    const run = binDev(['--no-stdin'], 29510);
    await run.waitFor(/css\.1 +\| watcher: stdin closed, exiting\n/);
    await run.waitFor(/system \| css\.1 exited with code 0\n/);
    expect(run.stdout).not.toContain('heartbeat');
    await run.waitFor(/web\.1 ready/);
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });
});

describe('the stdin pipe closes', () => {
  /** A process outside the run's group and session that only the end of its stdin can stop (see the fixture). */
  async function startHolder() {
    const app = makeApp({ Procfile: `holder: ${fixture('stdin-holder.js')}\nweb: ${fixture('server.js')}\n` });
    const eofFile = path.join(app, 'eof');
    const socket = socketPath();
    const run = tracker.start(['start', '-s', socket, '-p', '29520', '--port-step', '1'], { cwd: app, env: { EOF_FILE: eofFile } });
    const pid = Number((await run.waitFor(/holder\.1 +\| holder pid (\d+)/))[1]);
    holders.push(pid);
    await run.waitFor(/web\.1 ready/);
    expect(isAlive(pid)).toBe(true);
    expect(existsSync(eofFile)).toBe(false);
    return { app, socket, run, pid, eofFile };
  }

  it('when the instance is stopped (ps-run stop)', async () => {
    const { app, socket, run, pid, eofFile } = await startHolder();
    const result = await client(['stop', 'holder', '-s', socket], app);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    await waitUntil(() => existsSync(eofFile) && !isAlive(pid), 10_000, 'the holder to read end of file and exit');
    expect(readFileSync(eofFile, 'utf8')).toBe('eof');
    // Only that instance: ps-run and web go on.
    expect(run.child.exitCode).toBeNull();
    expect(await portAccepts(29521)).toBe(true);
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
  });

  it('when ps-run is SIGKILLed: nothing of ps-run is left to hold it', async () => {
    const { run, pid, eofFile } = await startHolder();
    run.signal('SIGKILL');
    await waitUntil(() => existsSync(eofFile) && !isAlive(pid), 10_000, 'the holder to read end of file and exit');
    // The watchdog ended the rest of the run.
    await waitUntil(() => pidsWithEnv(MARK, run.mark).length === 0, 10_000, 'nothing of the run left');
  });
});
