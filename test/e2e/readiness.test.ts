// Readiness checks with real processes: port, http, log (a line split across writes), exit and alive,
// the `ready` lines of `start`, and the one-line errors of `--ready`. Ports 32400-32599 (and 33500-33599,
// where nothing starts).
// Servers bind below 32768, where this kernel's ephemeral ports (32768-60999) begin: a readiness probe's
// own client port must never be the port a test's server is about to bind.
import { afterEach, describe, expect, it } from 'vitest';
import { MARK, exitWithin, fixture, logLines, makeApp, pidsWithEnv, runTracker, type Run } from './helpers.js';

const tracker = runTracker();
afterEach(() => tracker.cleanup());

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** `ms` of the `<name> ready on port <port> after <ms> ms (<check>)` line, failing when it is missing. */
function readyAfter(run: Run, name: string, port: number, check: string): number {
  const line = new RegExp(`^system\\s+\\| ${escapeRegex(name)} ready on port ${port} after (\\d+) ms \\(${escapeRegex(check)}\\)$`, 'm');
  const match = line.exec(logLines(run.stdout).join('\n'));
  expect(match, `no ready line for ${name} in:\n${run.stdout}`).not.toBeNull();
  return Number(match?.[1]);
}

/** Cells of the summary table row for `name`. */
function summaryRow(run: Run, name: string): string[] | undefined {
  const lines = logLines(run.stdout);
  const header = lines.findIndex((line) => /^process\s+port\s+check\s+ready after\s+state$/.test(line));
  if (header === -1) return undefined;
  return lines
    .slice(header + 1)
    .map((row) => row.split(/\s{2,}/))
    .find((cells) => cells[0] === name);
}

const stderrLines = (run: Run): string[] => run.stderr.split('\n').filter((line) => line !== '');

describe('ps-run start: ready lines', () => {
  it('logs "<name> ready on port N after M ms" for each instance, once its check passes', async () => {
    const app = makeApp({ Procfile: `web: ${fixture('health-server.js')}\nworker: ${fixture('idle.js')}\n` });
    const run = tracker.start(['start', '-p', '32400', '--port-step', '10', '--settle', '0.5'], { cwd: app, env: { DELAY: '1000' } });
    await run.waitFor(/web\.1 ready on port 32400 after \d+ ms/);
    await run.waitFor(/worker\.1 ready on port 32410 after \d+ ms/);
    // The server binds 1 s after it starts, so its port cannot have been ready sooner.
    expect(readyAfter(run, 'web.1', 32400, 'port')).toBeGreaterThanOrEqual(1000);
    expect(readyAfter(run, 'worker.1', 32410, 'alive')).toBeGreaterThanOrEqual(500);
    run.signal('SIGTERM');
    expect(await exitWithin(run)).toBe(143);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('takes --ready on start too', async () => {
    const app = makeApp({ Procfile: `web: ${fixture('health-server.js')}\nworker: ${fixture('split-line.js')}\n` });
    const run = tracker.start(['start', '-p', '32420', '--port-step', '10', '--ready', 'web=http:/health,worker=log:^ready to serve$'], {
      cwd: app,
    });
    await run.waitFor(/web\.1 ready on port 32420 after \d+ ms \(http:\/health\)/);
    await run.waitFor(/worker\.1 ready on port 32430 after \d+ ms \(log:\^ready to serve\$\)/);
    run.signal('SIGTERM');
    expect(await exitWithin(run)).toBe(143);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });
});

describe('ps-run smoke: http check', () => {
  it('waits until the path answers 2xx', async () => {
    const app = makeApp({ Procfile: `web: ${fixture('health-server.js')}\n` });
    const run = tracker.start(['smoke', '-p', '32440', '--ready', 'web=http:/health'], { cwd: app, env: { HEALTHY_AFTER: '800' } });
    expect(await exitWithin(run)).toBe(0);
    // /health answers 503 for 800 ms after the bind: a port check would have passed sooner.
    expect(readyAfter(run, 'web.1', 32440, 'http:/health')).toBeGreaterThanOrEqual(800);
    expect(summaryRow(run, 'web.1')).toEqual(['web.1', '32440', 'http:/health', expect.stringMatching(/^\d+ ms$/), 'running']);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('counts a 3xx answer as ready', async () => {
    const app = makeApp({ Procfile: `web: ${fixture('health-server.js')}\n` });
    const run = tracker.start(['smoke', '-p', '32460', '--ready', 'web=http:/moved'], { cwd: app });
    expect(await exitWithin(run)).toBe(0);
    expect(summaryRow(run, 'web.1')?.[2]).toBe('http:/moved');
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('does not count a 404: fails at the timeout naming the check', async () => {
    const app = makeApp({ Procfile: `web: ${fixture('health-server.js')}\n` });
    const run = tracker.start(['smoke', '-p', '32480', '--ready', 'web=http', '--timeout', '2'], { cwd: app });
    expect(await exitWithin(run)).toBe(1);
    expect(stderrLines(run)[0]).toBe('ps-run: smoke failed: web.1 was not ready after 2 s (check http:/)');
    expect(run.stdout).toContain('listening 32480 web.1');
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });
});

describe('ps-run smoke: log check', () => {
  it('matches a line written in two pieces', async () => {
    const app = makeApp({ Procfile: `worker: ${fixture('split-line.js')}\n` });
    const run = tracker.start(['smoke', '-p', '32500', '--ready', 'worker=log:^ready to serve$'], { cwd: app });
    expect(await exitWithin(run)).toBe(0);
    // The two writes are 300 ms apart: the match needed the second one.
    expect(readyAfter(run, 'worker.1', 32500, 'log:^ready to serve$')).toBeGreaterThanOrEqual(300);
    // The check sees the line whole; the terminal showed its first piece once it had waited (a prompt
    // would), and the rest on the next line.
    const lines = logLines(run.stdout);
    expect(lines).toContain('worker.1 | ready to');
    expect(lines[lines.indexOf('worker.1 | ready to') + 1]).toBe('worker.1 |  serve');
    expect(summaryRow(run, 'worker.1')?.[2]).toBe('log:^ready to serve$');
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('fails at the timeout when the regex never matches, with the last lines', async () => {
    const app = makeApp({ Procfile: `worker: ${fixture('split-line.js')}\n` });
    const run = tracker.start(['smoke', '-p', '32520', '--ready', 'worker=log:^serving$', '--timeout', '2'], { cwd: app });
    expect(await exitWithin(run)).toBe(1);
    expect(stderrLines(run)).toEqual([
      'ps-run: smoke failed: worker.1 was not ready after 2 s (check log:^serving$)',
      'last 2 lines of worker.1:',
      '  not yet',
      '  ready to serve',
    ]);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });
});

describe('ps-run smoke: exit check', () => {
  it('a one-shot that exits 0 is ready, and the rest keeps running until the end', async () => {
    const app = makeApp({ Procfile: `migrate: ${fixture('oneshot.js')}\nweb: ${fixture('server.js')}\n` });
    const run = tracker.start(['smoke', '-p', '32540', '--port-step', '10', '--ready', 'migrate=exit'], { cwd: app });
    expect(await exitWithin(run)).toBe(0);
    expect(summaryRow(run, 'migrate.1')).toEqual(['migrate.1', '32540', 'exit', expect.stringMatching(/^\d+ ms$/), 'exited 0']);
    expect(summaryRow(run, 'web.1')).toEqual(['web.1', '32550', 'port', expect.stringMatching(/^\d+ ms$/), 'running']);
    expect(readyAfter(run, 'migrate.1', 32540, 'exit')).toBeGreaterThanOrEqual(200);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('a one-shot that exits non-zero fails the run with its code', async () => {
    const app = makeApp({ Procfile: `migrate: ${fixture('oneshot.js')}\nweb: ${fixture('server.js')}\n` });
    const run = tracker.start(['smoke', '-p', '32560', '--port-step', '10', '--ready', 'migrate=exit'], { cwd: app, env: { CODE: '4' } });
    expect(await exitWithin(run)).toBe(4);
    expect(stderrLines(run)).toEqual([
      'ps-run: smoke failed: migrate.1 exited with code 4 before it was ready',
      'last 2 lines of migrate.1:',
      '  migrating migrate.1',
      '  migrated',
    ]);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('without --ready, a one-shot is checked with alive and fails for leaving early', async () => {
    const app = makeApp({ Procfile: `migrate: ${fixture('oneshot.js')}\n` });
    const run = tracker.start(['smoke', '-p', '32580', '--settle', '40', '--timeout', '60'], { cwd: app });
    // Fails when it exits, not when the settle time would have passed.
    expect(await exitWithin(run, 20_000)).toBe(1);
    expect(stderrLines(run)[0]).toBe('ps-run: smoke failed: migrate.1 exited with code 0 before it was ready');
  });
});

describe('--ready mistakes are one-line errors', () => {
  const app = (): string => makeApp({ Procfile: `web: ${fixture('server.js')}\nworker: ${fixture('idle.js')}\n` });

  it.each<[string, string, RegExp]>([
    [
      'an unknown check',
      'web=tcp',
      /^ps-run: unknown readiness check "web=tcp": expected port, http\[:\/path\], log:<regex>, exit or alive$/,
    ],
    ['a malformed item', 'web', /^ps-run: malformed readiness check "web": expected <type>=<check>/],
    ['an http path without /', 'web=http:health', /^ps-run: readiness check "web=http:health": an http path must start with "\/"$/],
    ['a bad regex', 'worker=log:(unclosed', /^ps-run: readiness check "worker=log:\(unclosed": invalid regular expression: /],
    ['an unknown process type', 'wrker=alive', /^ps-run: --ready names unknown process type "wrker"; known types: web, worker$/],
  ])('%s (start and smoke)', async (_what, value, message) => {
    for (const [command, port] of [
      ['start', '33500'],
      ['smoke', '33550'],
    ] as const) {
      const run = tracker.start([command, '-p', port, '--ready', value], { cwd: app() });
      expect(await exitWithin(run)).toBe(1);
      expect(run.stderr.split('\n')).toEqual([expect.stringMatching(message), '']);
      expect(run.stdout).toBe('');
      expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
    }
  });
});
