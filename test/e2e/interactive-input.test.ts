// Prompts and typing into one process: a debugger-like fixture stops at "(dbg) " without a newline; the
// prompt shows in the log at once, `start --input` forwards ps-run's stdin (a pipe, then a real
// terminal) to it, Ctrl-C still stops ps-run, and end of ps-run's input ends the instance's input.
// Ports 29600-29699.
import { afterEach, describe, expect, it } from 'vitest';
import { MARK, exitWithin, fixture, logLines, makeApp, pidsWithEnv, runTracker } from './helpers.js';
import { client, inTerminal, socketPath } from './interactive-support.js';

const tracker = runTracker();
const terminals: { stop(): void }[] = [];
afterEach(() => {
  tracker.cleanup();
  for (const term of terminals.splice(0)) term.stop();
});

/** The debugger's lines in the log, without time and prefix padding. */
const dbgLines = (stdout: string): string[] =>
  logLines(stdout)
    .filter((line) => line.startsWith('dbg.1 '))
    .map((line) => line.replace(/^dbg\.1 +\| /, ''));

function debuggerApp(args = ''): string {
  return makeApp({ Procfile: `dbg: ${fixture('debugger.js', args)}\nweb: ${fixture('server.js')}\n` });
}

describe('a prompt without a newline', () => {
  it('shows in the log within a second; the answer continues on a new prefixed line; nothing lost or duplicated', async () => {
    const app = debuggerApp();
    const socket = socketPath();
    const run = tracker.start(['start', '-s', socket, '-p', '29600', '--port-step', '1', '--input', 'dbg'], { cwd: app, stdin: 'pipe' });
    await run.waitFor(/dbg\.1 +\| debugger pid \d+\n/);
    // The prompt came in the same write as that line; it may wait for its newline no longer than a second.
    await run.waitFor(/dbg\.1 +\| \(dbg\) \n/, 1000);
    run.child.stdin?.write('p 1+1\n');
    await run.waitFor(/dbg\.1 +\| 2\n[^]*dbg\.1 +\| \(dbg\) \n[^]*$/);
    run.child.stdin?.write('p 40+2\n');
    await run.waitFor(/dbg\.1 +\| 42\n/);
    await run.waitFor(/(dbg\.1 +\| \(dbg\) \n[^]*){3}/);
    expect(dbgLines(run.stdout)).toEqual([expect.stringMatching(/^debugger pid \d+$/), '(dbg) ', '2', '(dbg) ', '42', '(dbg) ']);

    // The stored log has each line whole, once: the prompt and its answer are one line there.
    const logs = await client(['logs', 'dbg', '-s', socket, '--no-timestamp'], app);
    expect(logs.code).toBe(0);
    expect(dbgLines(logs.stdout)).toEqual([expect.stringMatching(/^debugger pid \d+$/), '(dbg) 2', '(dbg) 42']);

    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
  });
});

describe('start --input with a pipe as stdin', () => {
  it('drives the debugger (p 1+1 -> 2); SIGINT still stops ps-run with 130', async () => {
    const run = tracker.start(['start', '-s', socketPath(), '-p', '29610', '--port-step', '1', '--input', 'dbg', '--no-timestamp'], {
      cwd: debuggerApp(),
      stdin: 'pipe',
    });
    await run.waitFor(/dbg\.1 +\| \(dbg\) \n/);
    // Forwarded as it comes: a line split across two writes arrives whole.
    run.child.stdin?.write('p 1');
    run.child.stdin?.write('+1\n');
    // The next prompt shows on its own once it has waited a moment; typing before that continues its line.
    await run.waitFor(/dbg\.1 +\| 2\n[^]*dbg\.1 +\| \(dbg\) \n/);
    run.child.stdin?.write('tty\n');
    await run.waitFor(/dbg\.1 +\| isatty stdin=false stdout=false\n[^]*dbg\.1 +\| \(dbg\) \n/);
    expect(dbgLines(run.stdout).slice(1)).toEqual(['(dbg) ', '2', '(dbg) ', 'isatty stdin=false stdout=false', '(dbg) ']);
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it("end of ps-run's input ends the instance's input; ps-run and the others keep running", async () => {
    const run = tracker.start(['start', '-s', socketPath(), '-p', '29620', '--port-step', '1', '--input', 'dbg'], {
      cwd: debuggerApp(),
      stdin: 'pipe',
    });
    await run.waitFor(/dbg\.1 +\| \(dbg\) \n/);
    await run.waitFor(/web\.1 ready/);
    run.child.stdin?.end('p 2+3\n');
    await run.waitFor(/dbg\.1 +\| 5\n/);
    await run.waitFor(/dbg\.1 +\| (\(dbg\) )?stdin closed; still running\n/);
    expect(run.child.exitCode).toBeNull();
    expect(run.stdout).not.toContain('stopping');
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
  });

  it('an unknown name is one ps-run: line and exit 1, and nothing is left running', async () => {
    const run = tracker.start(['start', '-s', socketPath(), '-p', '29630', '--port-step', '1', '--input', 'nope'], {
      cwd: debuggerApp(),
      stdin: 'pipe',
    });
    expect(await exitWithin(run)).toBe(1);
    expect(run.stderr).toBe('ps-run: no process matches "nope"; known: dbg.1, web.1\n');
    expect(run.stdout).not.toMatch(/started with pid/);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });
});

describe('start --input in a real terminal', () => {
  it('reads a typed line, shows the answer, and Ctrl-C stops ps-run with 130', async () => {
    const mark = `i2-${process.pid}-${Date.now()}`;
    const t = await inTerminal(['start', '-s', socketPath(), '-p', '29640', '--port-step', '1', '--input', 'dbg'], debuggerApp(), {
      [MARK]: mark,
    });
    terminals.push(t);
    await t.waitFor(/dbg\.1 +\| \(dbg\) \r\n/);
    await t.waitFor(/web\.1 ready/);
    // The terminal is in its line mode: it echoes what is typed, and sends the line on Enter.
    t.term.write('p 20+22\r');
    await t.waitFor(/p 20\+22\r\n/, 'the echo of the typed line');
    await t.waitFor(/dbg\.1 +\| 42\r\n/, 'the answer');
    t.term.write('\x03');
    expect(await t.exited).toBe(130);
    expect(t.output).toContain('stopping all processes (received SIGINT)');
    expect(pidsWithEnv(MARK, mark)).toEqual([]);
  });
});
