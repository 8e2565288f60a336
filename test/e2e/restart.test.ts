// Crashes and restarts against real processes: back-off, give-up, policies and ps-run's exit status.
// Ports 22000-22999.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MARK, exitWithin, fixture, makeApp, pidsWithEnv, runTracker, waitUntil } from './helpers.js';

const tracker = runTracker();
afterEach(() => tracker.cleanup());

const starts = (file: string): number[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map(Number)
    : [];

describe('restarts', () => {
  it('restarts a crashing process with a growing back-off, then gives up after --max-restarts', async () => {
    const app = makeApp({ Procfile: `crash: ${fixture('crash.js')}\n` });
    const file = path.join(app, 'starts');
    const run = tracker.start(['start', '-p', '22000', '--max-restarts', '3'], { cwd: app, env: { STARTS_FILE: file, CODE: '1' } });
    expect(await exitWithin(run)).toBe(1);
    const out = run.stdout;
    expect(out).toMatch(/system\s+\| restarting crash\.1 in 100 ms/);
    expect(out).toMatch(/system\s+\| restarting crash\.1 in 200 ms/);
    expect(out).toMatch(/system\s+\| restarting crash\.1 in 400 ms/);
    expect(out).not.toMatch(/in 800 ms/);
    expect(out.indexOf('in 100 ms')).toBeLessThan(out.indexOf('in 200 ms'));
    expect(out.indexOf('in 200 ms')).toBeLessThan(out.indexOf('in 400 ms'));
    expect(out).toMatch(/crash\.1 .*giving up/);
    // Real start times: each gap is at least the back-off (lower bounds only; timers may fire ~1 ms early).
    const times = starts(file);
    expect(times).toHaveLength(4);
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    expect(gaps[0]).toBeGreaterThanOrEqual(99);
    expect(gaps[1]).toBeGreaterThanOrEqual(199);
    expect(gaps[2]).toBeGreaterThanOrEqual(399);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('gives a process up with a clear message while the others keep running', async () => {
    const app = makeApp({ Procfile: `web: ${fixture('server.js')}\ncrash: ${fixture('crash.js')}\n` });
    const file = path.join(app, 'starts');
    const run = tracker.start(['start', '-p', '22100', '--max-restarts', '1'], { cwd: app, env: { STARTS_FILE: file, CODE: '3' } });
    await run.waitFor(/crash\.1 crashed 2 times in a row; giving up/);
    await run.waitFor('listening 22100 web.1');
    expect(starts(file)).toHaveLength(2);
    expect(run.child.exitCode).toBeNull();
    run.signal('SIGTERM');
    expect(await exitWithin(run)).toBe(143);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('--max-restarts 0 gives up at the first crash; the exit status is the crash code', async () => {
    const app = makeApp({ Procfile: `crash: ${fixture('crash.js')}\n` });
    const run = tracker.start(['start', '-p', '22150', '--max-restarts', '0'], { cwd: app, env: { CODE: '5' } });
    expect(await exitWithin(run)).toBe(5);
    expect(run.stdout).not.toContain('restarting');
    expect(run.stdout).toContain('giving up');
  });

  it('--restart never: a crash stops the others and ps-run exits with its code', async () => {
    const app = makeApp({
      Procfile: `web: ${fixture('server.js')}\nother: ${fixture('server.js')}\ncrash: while [ ! -e go ]; do sleep 0.05; done; exit 42\n`,
    });
    const run = tracker.start(['start', '-p', '22200', '--restart', 'never'], { cwd: app });
    await run.waitFor('listening 22200 web.1');
    await run.waitFor('listening 22300 other.1');
    writeFileSync(path.join(app, 'go'), '');
    expect(await exitWithin(run)).toBe(42);
    expect(run.stdout).toMatch(/crash\.1 exited with code 42/);
    expect(run.stdout).toMatch(/stopping/);
    expect(run.stdout).not.toContain('restarting');
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('--restart never: death by a signal ps-run did not send exits 128 + n', async () => {
    const app = makeApp({ Procfile: `web: ${fixture('server.js')}\ncrash: kill -USR1 $$\n` });
    const run = tracker.start(['start', '-p', '22400', '--restart', 'never'], { cwd: app });
    expect(await exitWithin(run)).toBe(138);
    expect(run.stdout).toMatch(/crash\.1 was killed by SIGUSR1/);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('on-failure: a clean exit is not restarted, and ps-run exits 0 when all ended cleanly', async () => {
    const app = makeApp({ Procfile: `a: ${fixture('crash.js')}\nb: ${fixture('crash.js')}\n` });
    const file = path.join(app, 'starts');
    const run = tracker.start(['start', '-p', '22500'], { cwd: app, env: { STARTS_FILE: file, CODE: '0' } });
    expect(await exitWithin(run)).toBe(0);
    expect(run.stdout).not.toContain('restarting');
    expect(starts(file)).toHaveLength(2);
  });

  it('always: a clean exit is restarted too', async () => {
    const app = makeApp({ Procfile: `ok: ${fixture('crash.js')}\n` });
    const file = path.join(app, 'starts');
    const run = tracker.start(['start', '-p', '22600', '--restart', 'always'], { cwd: app, env: { STARTS_FILE: file, CODE: '0' } });
    await waitUntil(() => starts(file).length >= 3, 20_000, 'three starts');
    expect(run.stdout).toMatch(/ok\.1 exited with code 0/);
    expect(run.stdout).toMatch(/restarting ok\.1 in 100 ms/);
    run.signal('SIGTERM');
    expect(await exitWithin(run)).toBe(143);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('exits with the code of the first process that failed', async () => {
    const app = makeApp({
      Procfile: 'first: exit 4\nsecond: while [ ! -e go ]; do sleep 0.05; done; exit 6\nclean: exit 0\n',
    });
    const run = tracker.start(['start', '-p', '22700', '--max-restarts', '0'], { cwd: app });
    await run.waitFor(/first\.1 exited with code 4/);
    writeFileSync(path.join(app, 'go'), '');
    expect(await exitWithin(run)).toBe(4);
    expect(run.stdout).toMatch(/second\.1 exited with code 6/);
  });

  it('ends promptly once the last process ended, even if it closed its output before exiting', async () => {
    // With -t 60, anything waiting on the SIGTERM -> SIGKILL timeout would keep ps-run up for a minute.
    const app = makeApp({ Procfile: 'quiet: exec >/dev/null 2>&1; sleep 0.2\n' });
    const run = tracker.start(['start', '-p', '22800', '-t', '60'], { cwd: app });
    expect(await exitWithin(run, 30_000)).toBe(0);
  });
});
