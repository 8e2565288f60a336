// Runs the built CLI against real processes, and waits on conditions with deadlines (never fixed sleeps).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { constants, tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin/ps-run.js');
export const FIXTURES = path.join(ROOT, 'test/fixtures');

/** `node <fixture>` for a Procfile line. */
export const fixture = (name: string, args = ''): string => `node ${path.join(FIXTURES, name)}${args ? ` ${args}` : ''}`;

export function makeApp(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ps-run-e2e-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

export interface Run {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves with the exit status (128 + n for a signal). */
  exited: Promise<number>;
  waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<RegExpMatchArray>;
  signal(signal: NodeJS.Signals): void;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** 'pipe': ps-run's stdin is a pipe the test writes to (`run.child.stdin`); default: none. */
  stdin?: 'pipe' | 'ignore';
  /** Another install of the CLI (default: this one). */
  bin?: string;
  /** Run the file as a command, as a shell does (through its first line); default: `node <bin>`. */
  asCommand?: boolean;
}

export function psRun(args: string[], options: RunOptions = {}): Run {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...options.env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  const bin = options.bin ?? BIN;
  const [command, argv] = options.asCommand ? [bin, args] : [process.execPath, [bin, ...args]];
  const child = spawn(command, argv, {
    cwd: options.cwd ?? ROOT,
    env,
    stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
  }) as ChildProcess & { stdout: Readable; stderr: Readable };
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  const notify = (): void => waiters.forEach((w) => w());
  // Decoders keep a character split across two reads whole.
  const outText = new StringDecoder('utf8');
  const errText = new StringDecoder('utf8');
  child.stdout.on('data', (d: Buffer) => {
    stdout += outText.write(d);
    notify();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += errText.write(d);
    notify();
  });
  let closed = false;
  const exited = new Promise<number>((resolve) =>
    child.once('close', (code, signal) => {
      // Set before notifying, so a waiter gives up at once when ps-run ended without the pattern.
      closed = true;
      notify();
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    }),
  );
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    signal: (signal) => child.kill(signal),
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const test = (): boolean => {
          const match =
            typeof pattern === 'string' ? (stdout.includes(pattern) ? ([pattern] as RegExpMatchArray) : null) : stdout.match(pattern);
          if (match) {
            cleanup();
            resolve(match);
            return true;
          }
          if (closed) {
            cleanup();
            reject(new Error(`ps-run exited before ${String(pattern)} appeared.\nstdout:\n${stdout}\nstderr:\n${stderr}`));
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${String(pattern)}.\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        }, timeoutMs);
        const waiter = (): void => void test();
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(waiter);
        };
        waiters.add(waiter);
        test();
      });
    },
  };
}

/** Polls `condition` until it holds or the deadline passes. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie is dead for our purposes.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Pids of every live process whose environment holds NAME=value (how tests find what a run started). */
export function pidsWithEnv(name: string, value: string): number[] {
  const pids: number[] = [];
  const needle = Buffer.from(`${name}=${value}\0`);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`);
      if ((environ.indexOf(needle) === 0 || environ.includes(Buffer.concat([Buffer.from('\0'), needle]))) && isAlive(Number(entry))) {
        pids.push(Number(entry));
      }
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

export function portAccepts(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A unique marker for one test: put it in the env of ps-run, and every process it starts inherits it. */
export function marker(): string {
  return `t${process.pid}-${Math.random().toString(36).slice(2)}`;
}

/** SIGKILLs every live process that carries NAME=value (cleanup after a test); returns how many there were. */
export function killMarked(name: string, value: string): number {
  const pids = pidsWithEnv(name, value);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return pids.length;
}

/** The exit status of `run`, or an error if it has not exited within `timeoutMs` (a deadline, not a measurement). */
export async function exitWithin(run: Run, timeoutMs = 30_000): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`ps-run did not exit within ${timeoutMs} ms.\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([run.exited, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Output lines of a run without the `HH:MM:SS ` time, for matching. */
export function logLines(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.replace(/^\d\d:\d\d:\d\d /, ''));
}

/** The env variable that carries a test's marker into ps-run and everything it starts. */
export const MARK = 'PS_RUN_TEST_MARK';

/**
 * Starts ps-run runs, each with its own marker in the env, and cleans up after a test: SIGKILL to
 * ps-run if it is still running and to anything left carrying a marker. Call `cleanup` in afterEach.
 */
export function runTracker(): {
  start(args: string[], options?: RunOptions): Run & { mark: string };
  cleanup(): void;
} {
  const runs: { run: Run; mark: string }[] = [];
  return {
    start(args, options = {}) {
      const mark = marker();
      const run = psRun(args, { ...options, env: { ...options.env, [MARK]: mark } });
      runs.push({ run, mark });
      return Object.assign(run, { mark });
    },
    cleanup() {
      for (const { run, mark } of runs.splice(0)) {
        if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
        killMarked(MARK, mark);
      }
    },
  };
}

/** Waits until GET http://127.0.0.1:<port><path> answers, and returns the body. */
export async function waitForHttp(port: number, urlPath: string, timeoutMs = 20_000): Promise<string> {
  let body = '';
  await waitUntil(
    async () => {
      body = await fetch(`http://127.0.0.1:${port}${urlPath}`).then(
        (r) => r.text(),
        () => '',
      );
      return body !== '';
    },
    timeoutMs,
    `an answer on port ${port}`,
  );
  return body;
}

export interface ClientResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command of the built CLI to its end (a control client, say) and collects its output. */
export function client(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<ClientResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A control socket path in a private directory of its own (0700, as mkdtemp makes it). */
export function socketPath(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'ps-run-ctl-')), 'ctl.sock');
}
