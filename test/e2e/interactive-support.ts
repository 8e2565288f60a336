// What the interactive e2e tests share: a private control socket per test, client commands of the built
// CLI run to their end or driven through their stdin, and ps-run itself under a real pseudo-terminal.
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, waitUntil } from './helpers.js';

export { client, socketPath, type ClientResult as Result } from './helpers.js';

/** A client command whose stdin is a pipe the test writes to; its output is collected as it comes. */
export interface Piped {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  exited: Promise<number>;
  waitFor(pattern: RegExp, what?: string): Promise<void>;
}

export function piped(args: string[], cwd: string): Piped {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? -1)));
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    waitFor: (pattern, what = String(pattern)) =>
      waitUntil(() => pattern.test(stdout), 15_000, `${what} in ${JSON.stringify(stdout)} (stderr ${JSON.stringify(stderr)})`),
  };
}

/** The few members of @lydell/node-pty's terminal these tests use. */
export interface Terminal {
  readonly pid: number;
  onData(listener: (data: string) => void): unknown;
  onExit(listener: (event: { exitCode: number; signal?: number }) => void): unknown;
  write(data: string): void;
  kill(signal?: string): void;
}

/** The built CLI under a real pseudo-terminal, as a person at a terminal runs it. */
export async function inTerminal(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{
  term: Terminal;
  readonly output: string;
  exited: Promise<number>;
  waitFor(pattern: RegExp, what?: string): Promise<void>;
  /** SIGKILL, only while it runs: a pid seen to exit may already belong to another test's process. */
  stop(): void;
}> {
  const name: string = '@lydell/node-pty';
  const pty = (await import(name)) as { spawn: (file: string, args: string[], options: object) => Terminal };
  const term = pty.spawn(process.execPath, [BIN, ...args], {
    name: 'xterm-256color',
    cols: 120,
    rows: 30,
    cwd,
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  let output = '';
  term.onData((d) => (output += d));
  let running = true;
  const exited = new Promise<number>((resolve) =>
    term.onExit(({ exitCode, signal }) => {
      running = false;
      resolve(signal ? 128 + signal : exitCode);
    }),
  );
  return {
    term,
    stop: () => {
      if (running) term.kill('SIGKILL');
    },
    get output() {
      return output;
    },
    exited,
    waitFor: (pattern, what = String(pattern)) =>
      waitUntil(() => pattern.test(output), 15_000, `${what} in terminal output ${JSON.stringify(output)}`),
  };
}
