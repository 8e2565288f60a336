// What the interactive e2e tests share: a private control socket per test, client commands of the built
// CLI run to their end (a client driven through its stdin is helpers.ts's psRun with stdin 'pipe'), and
// ps-run itself under a real pseudo-terminal.
import { BIN, waitUntil } from './helpers.js';

export { client, socketPath, type ClientResult as Result } from './helpers.js';

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
