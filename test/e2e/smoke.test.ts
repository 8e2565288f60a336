// `ps-run smoke`: pass, fail fast, time out, run a command, and leave nothing behind, against real
// processes. Ports 32000-32299.
// Servers bind below 32768, where this kernel's ephemeral ports (32768-60999) begin: a readiness probe's
// own client port must never be the port a test's server is about to bind.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MARK,
  exitWithin,
  fixture,
  isAlive,
  logLines,
  makeApp,
  pidsWithEnv,
  portAccepts,
  runTracker,
  waitUntil,
  type Run,
} from './helpers.js';

const tracker = runTracker();
afterEach(() => tracker.cleanup());

/** The run's session id, read from the environment of a process it started (while one is up). */
function sessionOf(mark: string): string {
  for (const pid of pidsWithEnv(MARK, mark)) {
    try {
      const found = /(?:^|\0)PS_RUN_SESSION=([^\0]+)/.exec(readFileSync(`/proc/${pid}/environ`, 'latin1'));
      if (found?.[1]) return found[1];
    } catch {
      // gone meanwhile
    }
  }
  throw new Error('no process of this run carries PS_RUN_SESSION');
}

/** Nothing the run started is left: no marked process now, and its watchdog ends shortly after. */
async function expectNothingLeft(run: Run & { mark: string }, session?: string): Promise<void> {
  expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  if (session) await waitUntil(() => pidsWithEnv('PS_RUN_WATCHDOG_SESSION', session).length === 0, 5000, 'the watchdog to exit');
}

const stderrLines = (run: Run): string[] => run.stderr.split('\n').filter((line) => line !== '');

/** The failure report printed to stderr: its first line and the indented tail lines after it. */
function failure(run: Run): { first: string; tail: string[] } {
  const lines = stderrLines(run);
  const start = lines.findIndex((line) => line.startsWith('ps-run: smoke failed: '));
  expect(start, `no failure line in stderr:\n${run.stderr}`).not.toBe(-1);
  const tail: string[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('  ')) break;
    tail.push(line.slice(2));
  }
  return { first: lines[start] as string, tail };
}

describe('ps-run smoke: without a command', () => {
  it('passes on a healthy formation: summary table, exit 0, nothing left running', async () => {
    const app = makeApp({ Procfile: `web: ${fixture('server.js')}\nworker: ${fixture('env.js', 'PS_RUN_SESSION')}\n` });
    // Ready by its last line, not by staying up a while: a busy machine may take longer than any settle
    // time to start node, and the session line must be printed before the smoke run ends.
    const run = tracker.start(['smoke', '-p', '32000', '--port-step', '10', '--ready', 'worker=log:^env done$'], { cwd: app });
    expect(await exitWithin(run)).toBe(0);
    const [, session] = /worker\.1 +\| PS_RUN_SESSION=(\S+)$/m.exec(run.stdout) ?? [];
    expect(session).toMatch(/^\w+$/);
    const lines = logLines(run.stdout);
    expect(lines).toContainEqual(expect.stringMatching(/^system\s+\| web\.1 ready on port 32000 after \d+ ms \(port\)$/));
    expect(lines).toContainEqual(expect.stringMatching(/^system\s+\| worker\.1 ready on port 32010 after \d+ ms \(log:\^env done\$\)$/));
    const header = lines.findIndex((line) => /^process\s+port\s+check\s+ready after\s+state$/.test(line));
    expect(header, run.stdout).not.toBe(-1);
    const rows = lines.slice(header + 1, header + 3).map((row) => row.split(/\s{2,}/));
    expect(rows).toEqual([
      ['web.1', '32000', 'port', expect.stringMatching(/^\d+ ms$/), 'running'],
      ['worker.1', '32010', 'log:^env done$', expect.stringMatching(/^\d+ ms$/), 'running'],
    ]);
    expect(run.stderr).toBe('');
    await expectNothingLeft(run, session);
    expect(await portAccepts(32000)).toBe(false);
  });

  it('SIGKILLs a process that ignores SIGTERM after --kill-timeout, and still passes', async () => {
    const app = makeApp({ Procfile: `web: ${fixture('server.js')}\nstubborn: ${fixture('stubborn.js')}\n` });
    // Ready once it says so: it ignores SIGTERM from then on.
    const run = tracker.start(
      ['smoke', '-p', '32020', '--port-step', '10', '--ready', 'stubborn=log:^stubborn pid', '--kill-timeout', '1'],
      {
        cwd: app,
      },
    );
    expect(await exitWithin(run)).toBe(0);
    expect(run.stdout).toMatch(/ignoring SIGTERM/);
    expect(run.stdout).toMatch(/sending SIGKILL to stubborn\.1/);
    await expectNothingLeft(run);
  });

  it.each([
    ['', '32040', []],
    [' (also with a long --settle)', '32060', ['--settle', '40']],
  ])('fails fast when a process crashes at start%s: its exit code, one reason line, its last 20 lines', async (_what, port, more) => {
    const app = makeApp({ Procfile: `web: ${fixture('server.js')}\nbad: ${fixture('noisy-crash.js')}\n` });
    const started = Date.now();
    const run = tracker.start(['smoke', '-p', port, '--port-step', '10', '--timeout', '60', ...more], { cwd: app });
    // A deadline far below the 60 s readiness timeout: the crash ends the run, not the timeout.
    expect(await exitWithin(run, 30_000)).toBe(7);
    expect(Date.now() - started).toBeLessThan(30_000);
    const report = failure(run);
    expect(report.first).toBe('ps-run: smoke failed: bad.1 exited with code 7 before it was ready');
    expect(stderrLines(run)[1]).toBe('last 20 lines of bad.1:');
    expect(report.tail).toHaveLength(20);
    expect(report.tail).toContain('fatal: boom');
    expect(report.tail).toContain('noisy line 29');
    for (let i = 0; i < 10; i++) expect(report.tail).not.toContain(`noisy line ${i}`);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    await expectNothingLeft(run);
    expect(await portAccepts(Number(port))).toBe(false);
  });

  it('fails at the timeout when a port is never bound: exit 1, the reason, the last lines', async () => {
    const app = makeApp({ Procfile: `web: ${fixture('idle.js')}\n` });
    const started = Date.now();
    const run = tracker.start(['smoke', '-p', '32080', '--timeout', '2'], { cwd: app });
    expect(await exitWithin(run, 30_000)).toBe(1);
    // It cannot give up before the timeout; how long after is the machine's business.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    const report = failure(run);
    expect(report.first).toBe('ps-run: smoke failed: web.1 was not ready after 2 s (check port)');
    expect(report.tail).toEqual(['idle web.1']);
    expect(run.stdout).not.toMatch(/^process\s+port/m);
    await expectNothingLeft(run);
  });

  it('does not leave behind a process that left its process group', async () => {
    const app = makeApp({ Procfile: `web: ${fixture('server.js')}\ndaemon: ${fixture('daemonize.js')}\n` });
    const pidfile = path.join(app, 'daemon.pid');
    // The command proves the daemon is alive while the app runs (process.kill(pid, 0) throws if not).
    const check = `const pid = Number(require("fs").readFileSync(process.env.PIDFILE, "utf8")); process.kill(pid, 0); console.log("daemon " + pid + " alive")`;
    const run = tracker.start(
      ['smoke', '-p', '32100', '--port-step', '10', '--ready', 'daemon=log:^daemon pid', '--', 'node', '-e', check],
      {
        cwd: app,
        env: { PIDFILE: pidfile },
      },
    );
    expect(await exitWithin(run)).toBe(0);
    const [, pid] = /daemon (\d+) alive/.exec(run.stdout) ?? [];
    expect(pid).toBe(readFileSync(pidfile, 'utf8'));
    await expectNothingLeft(run);
    expect(isAlive(Number(pid))).toBe(false);
  });
});

describe('ps-run smoke: with a command', () => {
  /** Fetches $PS_RUN_WEB_URL/probe, prints the answer, exits with $STATUS. */
  const FETCH = `fetch(process.env.PS_RUN_WEB_URL + "/probe").then((r) => r.text()).then((t) => { console.log("got " + t.trim()); process.exit(Number(process.env.STATUS)); })`;

  it('runs it once everything is ready, under its own name, and exits with its status 0', async () => {
    const app = makeApp({ Procfile: `web: ${fixture('server.js')}\n` });
    const run = tracker.start(['smoke', '-p', '32120', '--', 'node', '-e', FETCH], { cwd: app, env: { STATUS: '0' } });
    expect(await exitWithin(run)).toBe(0);
    const lines = logLines(run.stdout);
    const ready = lines.findIndex((line) => /^system\s+\| web\.1 ready on port 32120/.test(line));
    const running = lines.findIndex((line) => /^system\s+\| running node \(pid \d+\): everything is ready$/.test(line));
    expect(ready).not.toBe(-1);
    expect(running).toBeGreaterThan(ready);
    expect(lines).toContain('node   | got web.1 /probe');
    expect(lines).toContainEqual(expect.stringMatching(/^system\s+\| node exited with code 0$/));
    await expectNothingLeft(run);
  });

  it('exits with a non-zero status of the command, after stopping everything', async () => {
    const app = makeApp({ Procfile: `web: ${fixture('server.js')}\n` });
    const run = tracker.start(['smoke', '-p', '32140', '--', 'node', '-e', FETCH], { cwd: app, env: { STATUS: '42' } });
    expect(await exitWithin(run)).toBe(42);
    expect(run.stdout).toContain('got web.1 /probe');
    expect(run.stderr).not.toContain('smoke failed');
    await expectNothingLeft(run);
  });

  it('runs one word after -- as shell text', async () => {
    const app = makeApp({ Procfile: `web: ${fixture('server.js')}\n` });
    const run = tracker.start(['smoke', '-p', '32160', '--', 'echo "web at $PS_RUN_WEB_PORT"; exit 5'], { cwd: app });
    expect(await exitWithin(run)).toBe(5);
    expect(run.stdout).toContain('| web at 32160');
    await expectNothingLeft(run);
  });

  it('fails when a ready process crashes while the command runs: its code, and the command is stopped', async () => {
    const app = makeApp({ Procfile: `web: ${fixture('server.js')}\nworker: ${fixture('exit-on-file.js')}\n` });
    const trigger = path.join(app, 'trigger');
    const command = `require("fs").writeFileSync(${JSON.stringify(trigger)}, ""); console.log("triggered"); setInterval(() => {}, 1000)`;
    const run = tracker.start(['smoke', '-p', '32180', '--port-step', '10', '--settle', '0.2', '--', 'node', '-e', command], {
      cwd: app,
      env: { TRIGGER: trigger },
    });
    expect(await exitWithin(run)).toBe(9);
    expect(existsSync(trigger)).toBe(true);
    expect(failure(run).first).toBe('ps-run: smoke failed: worker.1 crashed with code 9');
    expect(failure(run).tail).toContain('trigger seen');
    await expectNothingLeft(run);
  });
});

describe('ps-run smoke: signals', () => {
  it('SIGTERM while waiting for readiness: exit 143, nothing left, not even a SIGTERM-proof process', async () => {
    const app = makeApp({ Procfile: `web: ${fixture('idle.js')}\nstubborn: ${fixture('stubborn.js')}\n` });
    const run = tracker.start(['smoke', '-p', '32200', '--port-step', '10', '--timeout', '60', '--kill-timeout', '1'], { cwd: app });
    await run.waitFor('idle web.1');
    await run.waitFor('stubborn pid');
    const session = sessionOf(run.mark);
    run.signal('SIGTERM');
    expect(await exitWithin(run)).toBe(143);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    await expectNothingLeft(run, session);
  });

  it('SIGTERM while the command runs: exit 143, the command and the formation stopped', async () => {
    const app = makeApp({ Procfile: `web: ${fixture('server.js')}\n` });
    const run = tracker.start(['smoke', '-p', '32220', '--', 'node', '-e', 'console.log("command up"); setInterval(() => {}, 1000)'], {
      cwd: app,
    });
    await run.waitFor('command up');
    run.signal('SIGTERM');
    expect(await exitWithin(run)).toBe(143);
    await expectNothingLeft(run);
  });

  it('SIGINT while the command runs: exit 130, nothing left', async () => {
    const app = makeApp({ Procfile: `web: ${fixture('server.js')}\n` });
    const run = tracker.start(['smoke', '-p', '32240', '--', 'node', '-e', 'console.log("command up"); setInterval(() => {}, 1000)'], {
      cwd: app,
    });
    await run.waitFor('command up');
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
    await expectNothingLeft(run);
  });
});

describe('ps-run smoke: mistakes', () => {
  it('an empty formation is a one-line error', async () => {
    const app = makeApp({ Procfile: `web: ${fixture('server.js')}\n` });
    const run = tracker.start(['smoke', '-p', '32260', '-m', 'web=0'], { cwd: app });
    expect(await exitWithin(run)).toBe(1);
    expect(stderrLines(run)).toEqual(['ps-run: the formation selects no process to smoke-test']);
    await expectNothingLeft(run);
  });

  it('a port already in use is a one-line error, and nothing starts', async () => {
    const app = makeApp({ Procfile: `web: ${fixture('server.js')}\n` });
    // Another app holds the port (the same Procfile would be refused earlier: ps-run is already running for it).
    const holder = tracker.start(['start', '-p', '32280'], { cwd: makeApp({ Procfile: `web: ${fixture('server.js')}\n` }) });
    await holder.waitFor('listening 32280');
    const run = tracker.start(['smoke', '-p', '32280'], { cwd: app });
    expect(await exitWithin(run)).toBe(1);
    expect(stderrLines(run)).toHaveLength(1);
    expect(run.stderr).toMatch(/^ps-run: port 32280 for web\.1 is already in use/);
    expect(run.stdout).toBe('');
    holder.signal('SIGTERM');
    expect(await exitWithin(holder)).toBe(143);
  });
});
