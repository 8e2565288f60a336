// `ps-run attach` from another process: recent lines and the pending prompt first, then live output
// without prefixes; input goes to the process; end of a piped input, Ctrl-] under --tty, and Ctrl-C in a
// terminal's line mode detach and leave the process running; the main log keeps showing it meanwhile.
// Ports 29700-29799.
import { afterEach, describe, expect, it } from 'vitest';
import { exitWithin, fixture, logLines, makeApp, psRun, runTracker, type Run } from './helpers.js';
import { client, inTerminal, socketPath } from './interactive-support.js';

const tracker = runTracker();
const attached: Run[] = [];
const terminals: { stop(): void }[] = [];
afterEach(() => {
  for (const a of attached.splice(0)) a.child.kill('SIGKILL');
  for (const term of terminals.splice(0)) term.stop();
  tracker.cleanup();
});

/** ps-run with the debugger fixture (and a web server beside it), its prompt already in the log. */
async function running(port: number, extra: string[] = []) {
  const app = makeApp({ Procfile: `dbg: ${fixture('debugger.js')}\nweb: ${fixture('server.js')}\n` });
  const socket = socketPath();
  const run = tracker.start(['start', '-s', socket, '-p', String(port), '--port-step', '1', '--no-timestamp', ...extra], { cwd: app });
  // Under --tty, the terminal ends lines with \r\n.
  const pid = Number((await run.waitFor(/dbg\.1 +\| debugger pid (\d+)\r?\n/))[1]);
  await run.waitFor(/dbg\.1 +\| \(dbg\) \n/);
  await run.waitFor(/web\.1 ready/);
  return { app, socket, run, pid };
}

async function dbgStatus(app: string, socket: string): Promise<{ state: string; pid: number | null; tty?: boolean }> {
  const result = await client(['status', '--json', '-s', socket], app);
  const list = JSON.parse(result.stdout) as { name: string; state: string; pid: number | null; tty?: boolean }[];
  const entry = list.find((s) => s.name === 'dbg.1');
  if (!entry) throw new Error(`no dbg.1 in ${result.stdout}`);
  return entry;
}

describe('attach with a pipe', () => {
  it('shows recent lines and the waiting prompt, then live output without prefixes; input reaches the process; end of input detaches', async () => {
    const { app, socket, run, pid } = await running(29700);
    const before = await dbgStatus(app, socket);
    const a = psRun(['attach', 'dbg', '-s', socket], { cwd: app, stdin: 'pipe' });
    attached.push(a);
    // The ring holds whole lines; the prompt, still waiting for its newline, comes right after them.
    await a.waitFor(/\(dbg\) $/);
    expect(a.stdout).toBe(`debugger pid ${pid}\n(dbg) `);
    expect(a.stderr).toBe('ps-run: attached to dbg.1; end of input detaches\n');

    a.child.stdin?.write('p 3+4\n');
    await a.waitFor(/\(dbg\) 7\n\(dbg\) $/);
    a.child.stdin?.write('p 1');
    a.child.stdin?.write('0+1\n');
    await a.waitFor(/\(dbg\) 11\n\(dbg\) $/);
    expect(a.stdout).toBe(`debugger pid ${pid}\n(dbg) 7\n(dbg) 11\n(dbg) `);
    // The main log shows the same output as usual, prefixed (the prompt before 11 had no time to show alone).
    await run.waitFor(/dbg\.1 +\| 7\n[^]*dbg\.1 +\| (\(dbg\) )?11\n/);

    a.child.stdin?.end();
    expect(await exitWithin(a as never)).toBe(0);
    // Detaching left the process alone.
    expect(await dbgStatus(app, socket)).toMatchObject({ state: 'running', pid: before.pid });
    expect(logLines(run.stdout).filter((l) => /dbg\.1 (exited|was killed)/.test(l))).toEqual([]);
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
  });

  it('-n 0 shows no recent lines, only the waiting prompt', async () => {
    const { app, socket, run } = await running(29710);
    const a = psRun(['attach', 'dbg.1', '-n', '0', '-s', socket], { cwd: app, stdin: 'pipe' });
    attached.push(a);
    await a.waitFor(/\(dbg\) $/);
    expect(a.stdout).toBe('(dbg) ');
    a.child.stdin?.end();
    expect(await a.exited).toBe(0);
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
  });

  it('ends with a ps-run: line and status 1 when ps-run stops', async () => {
    const { app, socket, run } = await running(29720);
    const a = psRun(['attach', 'dbg', '-s', socket], { cwd: app, stdin: 'pipe' });
    attached.push(a);
    await a.waitFor(/\(dbg\) $/);
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
    expect(await a.exited).toBe(1);
    expect(a.stderr).toMatch(/\nps-run: ps-run stopped\n$/);
  });
});

describe('attach mistakes', () => {
  it('an unknown name, or a type with several instances, is one ps-run: line and exit 1', async () => {
    const { app, socket, run } = await running(29730, ['dbg=2', 'web', '--port-step', '10']);
    expect(await client(['attach', 'nope', '-s', socket], app)).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ps-run: no process matches "nope"; known: dbg.1, dbg.2, web.1\n',
    });
    expect(await client(['attach', 'dbg', '-s', socket], app)).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ps-run: attach needs one instance; "dbg" matches dbg.1, dbg.2\n',
    });
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
  });
});

describe('attach in a real terminal', () => {
  it('to a process under --tty: the terminal is raw, keys go to the process, Ctrl-] detaches at once', async () => {
    const { app, socket, run } = await running(29740, ['--tty', 'dbg']);
    expect(await dbgStatus(app, socket)).toMatchObject({ state: 'running', tty: true });
    const t = await inTerminal(['attach', 'dbg', '-s', socket], app);
    terminals.push(t);
    await t.waitFor(/attached to dbg\.1; Ctrl-\] detaches\r\n/);
    await t.waitFor(/\(dbg\) $/);
    t.term.write('p 2+2\r');
    // The process's own terminal echoes the line and answers on the next (its \r\n, which the caller's
    // terminal, too, turns into \r\r\n).
    await t.waitFor(/\(dbg\) p 2\+2\r+\n4\r+\n\(dbg\) $/);
    t.term.write('\x1d');
    await t.waitFor(/ps-run: detached/);
    expect(await t.exited).toBe(0);
    await run.waitFor(/dbg\.1 +\| 4\r?\n/);
    expect((await dbgStatus(app, socket)).state).toBe('running');
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
  });

  it('to a process with a plain stdin: the terminal keeps its line mode; Enter sends the line; Ctrl-C detaches', async () => {
    const { app, socket, run, pid } = await running(29750);
    const t = await inTerminal(['attach', 'dbg', '-s', socket], app);
    terminals.push(t);
    await t.waitFor(/attached to dbg\.1; Ctrl-\] and Enter, Ctrl-C or Ctrl-D detaches\r\n/);
    await t.waitFor(/\(dbg\) $/);
    t.term.write('p 5+5\r');
    // The caller's terminal echoed the line (the process has no terminal to do it).
    await t.waitFor(/\(dbg\) p 5\+5\r\n10\r\n\(dbg\) $/);
    t.term.write('\x03');
    await t.waitFor(/ps-run: detached/);
    expect(await t.exited).toBe(0);
    expect(await dbgStatus(app, socket)).toMatchObject({ state: 'running', pid: expect.any(Number) });
    expect(run.stdout).toContain(`debugger pid ${pid}`);
    expect(logLines(run.stdout).filter((l) => /dbg\.1 (exited|was killed)/.test(l))).toEqual([]);
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
  });
});
