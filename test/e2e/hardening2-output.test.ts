// Output that fails never blocks shutdown and never crashes: a terminal that hangs up (a real pty whose
// master is closed), stdout on /dev/full, and a stdout nobody reads at SIGTERM (a pipe, a terminal).
// Ports 27000-27099 (only the term process's PORT; nothing binds one).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, MARK, fixture, isAlive, killMarked, makeApp, marker, pidsWithEnv, waitUntil } from './helpers.js';

/** The few members of @lydell/node-pty this test uses. */
interface Pty {
  readonly pid: number;
  onData(listener: (data: string) => void): void;
  onExit(listener: (event: { exitCode: number; signal?: number }) => void): void;
  pause(): void;
  resume(): void;
  destroy(): void;
}
type PtySpawn = (file: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; cols: number; rows: number }) => Pty;

async function loadPty(): Promise<PtySpawn> {
  const name = '@lydell/node-pty';
  const module = (await import(name)) as { spawn?: PtySpawn; default?: { spawn: PtySpawn } };
  return (module.spawn ?? module.default?.spawn) as PtySpawn;
}

const marks: string[] = [];
const children: ChildProcess[] = [];
/** ptys whose ps-run has not been seen to exit: only those are killed after a test (a pid seen to exit may be reused). */
const ptys = new Set<Pty>();

function track(pty: Pty): Pty {
  ptys.add(pty);
  pty.onExit(() => ptys.delete(pty));
  return pty;
}
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const pty of ptys) {
    try {
      process.kill(pty.pid, 'SIGKILL');
    } catch {
      // exited
    }
  }
  ptys.clear();
  for (const mark of marks.splice(0)) killMarked(MARK, mark);
});

/**
 * An app whose `term` process appends its pid to <app>/terms when it gets SIGTERM (proof of a graceful
 * stop), plus `extra` Procfile lines; its own control socket; a marker in the env of everything it runs.
 */
function app(extra = ''): { dir: string; terms: string; args: string[]; env: NodeJS.ProcessEnv; mark: string } {
  const dir = makeApp({ Procfile: `term: TERM_FILE=terms ${fixture('term-file.js')}\n${extra}` });
  const mark = marker();
  marks.push(mark);
  return {
    dir,
    terms: path.join(dir, 'terms'),
    args: [BIN, 'start', '-p', '27000', '-s', path.join(dir, 'ctl.sock'), '--no-timestamp'],
    env: { ...process.env, NO_COLOR: '1', [MARK]: mark },
    mark,
  };
}

/** ps-run with stdout on `stdout` (a descriptor, or a pipe this test never reads) and stderr collected. */
function startWith(
  stdout: number | 'pipe',
  a: ReturnType<typeof app>,
  extraArgs: string[] = [],
): { child: ChildProcess; stderr: () => string; exited: Promise<number> } {
  const child = spawn(process.execPath, [...a.args, ...extraArgs], { cwd: a.dir, env: a.env, stdio: ['ignore', stdout, 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve) =>
    child.once('close', (code, signal) => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0))),
  );
  return { child, stderr: () => stderr, exited };
}

/** The pids that wrote to the terms file (each got SIGTERM and ran its handler). */
const termed = (terms: string): string[] => (existsSync(terms) ? readFileSync(terms, 'utf8').split('\n').filter(Boolean) : []);

/** Milliseconds until `exited` settles, or an error after `deadlineMs` (a deadline, not a measurement). */
async function within<T>(promise: Promise<T>, deadlineMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_r, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${deadlineMs} ms`)), deadlineMs))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until the flood fixture is blocked on a full pipe: its byte counter stays put for 500 ms. */
async function floodBlocked(counter: string): Promise<void> {
  const read = (): string => (existsSync(counter) ? readFileSync(counter, 'utf8') : '');
  let last = '';
  let since = Date.now();
  await waitUntil(
    () => {
      const now = read();
      if (now !== last || now === '') [last, since] = [now, Date.now()];
      return Date.now() - since >= 500;
    },
    20_000,
    'the flood to block on a full pipe',
  );
}

describe('the terminal hangs up', () => {
  it('SIGHUP, then EIO on the next write: a graceful stop, exit 129, no abort, nothing left', async () => {
    const spawnPty = await loadPty();
    const a = app();
    const pty = spawnPty(process.execPath, a.args, { cwd: a.dir, env: a.env, cols: 80, rows: 24 });
    track(pty);
    let output = '';
    pty.onData((data) => (output += data));
    const exited = new Promise<{ exitCode: number; signal?: number }>((resolve) => pty.onExit(resolve));
    await waitUntil(() => output.includes('term-file ready'), 20_000, 'the term process to be ready');
    // Closing the master is the hang-up: the kernel sends SIGHUP, and writes to the terminal fail with EIO.
    pty.destroy();
    const exit = await within(exited, 20_000, 'ps-run to exit');
    // 129 as an exit code: neither SIGABRT (Node aborting while it restores a dead terminal) nor a crash.
    expect(exit).toEqual({ exitCode: 129, signal: 0 });
    await waitUntil(() => termed(a.terms).length === 1, 5000, 'the SIGTERM handler to record its pid');
    expect(pidsWithEnv(MARK, a.mark)).toEqual([]);
  }, 40_000);

  it('SIGTERM while nobody reads the terminal: everything stops and ps-run exits within -t plus a margin', async () => {
    const spawnPty = await loadPty();
    const a = app(`flood: COUNTER=counter LINES=100000000 ${fixture('flood.js')}\n`);
    const pty = spawnPty(process.execPath, [...a.args, '-t', '2'], { cwd: a.dir, env: a.env, cols: 80, rows: 24 });
    track(pty);
    let output = '';
    pty.onData((data) => (output += data));
    const exited = new Promise<{ exitCode: number; signal?: number }>((resolve) => pty.onExit(resolve));
    await waitUntil(() => output.includes('term-file ready') && output.includes('flood.1 | flood'), 20_000, 'both processes to print');
    pty.pause();
    await floodBlocked(path.join(a.dir, 'counter'));
    process.kill(pty.pid, 'SIGTERM');
    // Gone while the terminal is still not read (node-pty reports the exit only once its reads resume).
    await waitUntil(() => !isAlive(pty.pid), 2000 + 8000, 'ps-run to exit');
    pty.resume();
    const exit = await within(exited, 10_000, 'the exit status');
    expect(exit.exitCode).toBe(143);
    expect(termed(a.terms)).toHaveLength(1);
    expect(pidsWithEnv(MARK, a.mark)).toEqual([]);
  }, 40_000);
});

describe('stdout that cannot be written', () => {
  it('> /dev/full: one ps-run line on stderr, a graceful stop, exit 1', async () => {
    const a = app();
    const full = openSync('/dev/full', 'w');
    const run = startWith(full, a);
    closeSync(full);
    const status = await within(run.exited, 20_000, 'ps-run to exit');
    expect(status).toBe(1);
    expect(run.stderr()).toMatch(/^ps-run: cannot write the log \(ENOSPC: no space left on device, write\); stopping\n$/);
    // It stopped gracefully: the term process got SIGTERM (if it had started) and nothing is left.
    expect(pidsWithEnv(MARK, a.mark)).toEqual([]);
  }, 30_000);

  it('SIGTERM while nobody reads the stdout pipe: the children stop, ps-run exits within -t plus a margin and says what it dropped', async () => {
    const a = app(`flood: COUNTER=counter LINES=100000000 ${fixture('flood.js')}\n`);
    const run = startWith('pipe', a, ['-t', '2']);
    // Never read: the pipe and this process's stream buffer fill, then ps-run queues and pauses the flood.
    run.child.stdout?.pause();
    await floodBlocked(path.join(a.dir, 'counter'));
    expect(pidsWithEnv(MARK, a.mark).length).toBeGreaterThanOrEqual(2);
    run.child.kill('SIGTERM');
    const status = await within(run.exited, 2000 + 8000, 'ps-run to exit');
    expect(status).toBe(143);
    expect(run.stderr()).toMatch(/^ps-run: \d+ bytes of log output were not written: nobody read them\n$/);
    expect(pidsWithEnv(MARK, a.mark)).toEqual([]);
  }, 40_000);
});
