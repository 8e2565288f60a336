// `--log-format json` on start, smoke and run: every stdout line is one JSON object with time, process,
// stream and line, whatever the processes print. Ports 32600-32699 (and 33600, where nothing binds).
// Servers bind below 32768, where this kernel's ephemeral ports (32768-60999) begin: a readiness probe's
// own client port must never be the port a test's server is about to bind.
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { FIXTURES, MARK, exitWithin, fixture, makeApp, pidsWithEnv, runTracker } from './helpers.js';

const tracker = runTracker();
afterEach(() => tracker.cleanup());

interface Entry {
  time: string;
  process: string;
  stream: 'stdout' | 'stderr' | 'system';
  line: string;
}

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Every line of `stdout` parsed and checked as a log entry; fails on the first line that is not one. */
function entries(stdout: string): Entry[] {
  expect(stdout.endsWith('\n'), 'output ends with a newline').toBe(true);
  return stdout
    .slice(0, -1)
    .split('\n')
    .map((text, i) => {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new Error(`line ${i + 1} is not JSON: ${JSON.stringify(text.slice(0, 200))}`);
      }
      expect(Object.keys(value as object).sort(), `keys of line ${i + 1}`).toEqual(['line', 'process', 'stream', 'time']);
      const entry = value as Entry;
      expect(entry.time).toMatch(ISO_MS);
      expect(new Date(entry.time).toISOString()).toBe(entry.time);
      expect(typeof entry.process).toBe('string');
      expect(['stdout', 'stderr', 'system']).toContain(entry.stream);
      expect(typeof entry.line).toBe('string');
      if (entry.stream === 'system') expect(entry.process).toBe('system');
      return entry;
    });
}

const LONG = 200_000;
const WEIRD = path.join(FIXTURES, 'weird-output.js');

/** What weird-output.js prints, line by line, as it must come back out of the JSON. */
function expectWeirdOutput(all: Entry[], name: string): void {
  const out = all.filter((e) => e.process === name && e.stream === 'stdout').map((e) => e.line);
  expect(out.slice(0, 4)).toEqual([
    'plain line',
    'ctrl \u001b[31mred\u001b[0m bell\u0007 nul\u0000 tab\t quote" backslash\\ del\u007f end',
    'bad \ufffd\ufffd \ufffd( end',
    'crlf line',
  ]);
  // The very long line may come in pieces; together they are the line.
  const last = out.indexOf('no newline at the end');
  expect(last).toBeGreaterThan(4);
  expect(out.slice(4, last).join('')).toBe(`long ${'x'.repeat(LONG)} end`);
  expect(out.slice(last)).toEqual(['no newline at the end']);
  expect(all.filter((e) => e.process === name && e.stream === 'stderr').map((e) => e.line)).toEqual(['on stderr']);
}

describe('--log-format json', () => {
  it('start: every line parses, with the output of a process that prints control characters, bad UTF-8 and a long line', async () => {
    const app = makeApp({ Procfile: `weird: ${fixture('weird-output.js')}\n` });
    const run = tracker.start(['start', '-p', '33600', '--log-format', 'json'], { cwd: app, env: { LONG: String(LONG) } });
    expect(await exitWithin(run)).toBe(0);
    const all = entries(run.stdout);
    expectWeirdOutput(all, 'weird.1');
    expect(all).toContainEqual(
      expect.objectContaining({
        process: 'system',
        stream: 'system',
        line: expect.stringMatching(/^weird\.1 started with pid \d+ on port 33600$/),
      }),
    );
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('start: the ready line is an entry too', async () => {
    const app = makeApp({ Procfile: `web: ${fixture('server.js')}\n` });
    const run = tracker.start(['start', '-p', '32600', '--log-format', 'json'], { cwd: app });
    await run.waitFor(/"line":"web\.1 ready on port 32600 after \d+ ms \(port\)"/);
    run.signal('SIGTERM');
    expect(await exitWithin(run)).toBe(143);
    const all = entries(run.stdout);
    expect(all).toContainEqual(expect.objectContaining({ process: 'web.1', stream: 'stdout', line: 'listening 32600 web.1' }));
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('smoke: every stdout line parses on success, the summary included', async () => {
    const app = makeApp({ Procfile: `web: ${fixture('server.js')}\nweird: ${fixture('weird-output.js')}\n` });
    const run = tracker.start(['smoke', '-p', '32620', '--port-step', '10', '--ready', 'weird=exit', '--log-format', 'json'], {
      cwd: app,
      env: { LONG: String(LONG) },
    });
    expect(await exitWithin(run)).toBe(0);
    expectWeirdOutput(entries(run.stdout), 'weird.1');
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it("smoke: the command's output is framed under its name", async () => {
    const app = makeApp({ Procfile: `web: ${fixture('server.js')}\n` });
    const run = tracker.start(['smoke', '-p', '32640', '--log-format', 'json', '--', 'node', WEIRD], {
      cwd: app,
      env: { LONG: String(LONG) },
    });
    expect(await exitWithin(run)).toBe(0);
    const all = entries(run.stdout);
    expectWeirdOutput(all, 'node');
    expect(all).toContainEqual(
      expect.objectContaining({ process: 'system', line: expect.stringMatching(/^running node \(pid \d+\): everything is ready$/) }),
    );
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('smoke: on failure stdout stays JSON and the report goes to stderr', async () => {
    const app = makeApp({ Procfile: `web: ${fixture('server.js')}\nbad: ${fixture('noisy-crash.js')}\n` });
    const run = tracker.start(['smoke', '-p', '32660', '--port-step', '10', '--log-format', 'json'], { cwd: app, env: { LINES: '3' } });
    expect(await exitWithin(run)).toBe(7);
    const all = entries(run.stdout);
    expect(all.filter((e) => e.process === 'bad.1').map((e) => e.line)).toEqual(
      expect.arrayContaining(['noisy line 0', 'noisy line 2', 'fatal: boom']),
    );
    expect(run.stderr.split('\n')[0]).toBe('ps-run: smoke failed: bad.1 exited with code 7 before it was ready');
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('run: a command given as words is framed under its program name', async () => {
    const app = makeApp({ Procfile: `weird: ${fixture('weird-output.js')}\n` });
    const run = tracker.start(['run', '--log-format', 'json', 'node', WEIRD], {
      cwd: app,
      env: { LONG: String(LONG) },
    });
    expect(await exitWithin(run)).toBe(0);
    expectWeirdOutput(entries(run.stdout), 'node');
  });

  it('run: a Procfile type is framed under the type, and its exit status is kept', async () => {
    const app = makeApp({ Procfile: `weird: ${fixture('weird-output.js')}\nfail: echo "failing"; exit 3\n` });
    const run = tracker.start(['run', '--log-format', 'json', 'weird'], { cwd: app, env: { LONG: String(LONG) } });
    expect(await exitWithin(run)).toBe(0);
    expectWeirdOutput(entries(run.stdout), 'weird');
    const failing = tracker.start(['run', '--log-format', 'json', 'fail'], { cwd: app });
    expect(await exitWithin(failing)).toBe(3);
    expect(entries(failing.stdout).map((e) => [e.process, e.stream, e.line])).toEqual([['fail', 'stdout', 'failing']]);
  });
});
