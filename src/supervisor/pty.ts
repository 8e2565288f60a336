// `--tty`: spawns a command under a pseudo-terminal, so programs that check isatty (debuggers, REPLs)
// behave as in a terminal. The native package is optional and loaded only when asked for.
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { PassThrough, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { UsageError } from '../errors.js';
import type { ChildLike, SpawnRequest } from './child.js';

/** The optional package, by name: also what the error message tells people to install. */
export const PTY_PACKAGE = '@lydell/node-pty';

// The few members of the package that ps-run uses, declared here so that neither the build nor the
// published types need the package.
export interface PtyForkOptions {
  name: string;
  cols: number;
  rows: number;
  cwd: string;
  env: Record<string, string>;
  /** null: output as Buffers. */
  encoding: null;
}

export interface PtyProcess {
  readonly pid: number;
  onData(listener: (data: Buffer | string) => void): unknown;
  onExit(listener: (event: { exitCode: number; signal?: number }) => void): unknown;
  write(data: string): void;
  pause(): void;
  resume(): void;
  resize(cols: number, rows: number): void;
}

export type PtyForkFn = (file: string, args: string[], options: PtyForkOptions) => PtyProcess;

export interface TerminalSize {
  cols: number;
  rows: number;
}

/** A child under a pseudo-terminal: one output stream (stdout and stderr are the same terminal), no stderr. */
export interface PtyChild extends ChildLike {
  readonly stdin: Writable;
  readonly stdout: PassThrough;
  readonly stderr: null;
  resize(size: TerminalSize): void;
}

export type PtySpawnFn = (request: SpawnRequest) => PtyChild;

/** The TERM a pty child gets when the environment has none: what most terminal emulators set today. */
export const DEFAULT_TERM = 'xterm-256color';

/** ps-run's own terminal size when its stdout is one, else the classic 80x24. */
export function terminalSize(stdout: { isTTY?: boolean; columns?: number; rows?: number } = process.stdout): TerminalSize {
  if (stdout.isTTY && stdout.columns && stdout.rows) return { cols: stdout.columns, rows: stdout.rows };
  return { cols: 80, rows: 24 };
}

/**
 * Loads the pty package and returns a spawn function for it, or rejects with the UsageError that
 * `--tty` prints. `importPty` is the edge (a test passes one that fails).
 */
export async function loadPtySpawn(
  importPty: () => Promise<{ spawn: PtyForkFn }> = async () => {
    // Required by a name in a variable, so that the bundler leaves it out and loads it at run time
    // (require, not import(): the CLI bundle runs from V8's code cache, where import() cannot).
    const name: string = PTY_PACKAGE;
    const module = createRequire(import.meta.url)(name) as { spawn?: PtyForkFn; default?: { spawn?: PtyForkFn } };
    const spawn = module.spawn ?? module.default?.spawn;
    if (spawn === undefined) throw new Error('the package has no spawn function');
    return { spawn };
  },
  size: () => TerminalSize = () => terminalSize(),
): Promise<PtySpawnFn> {
  let fork: PtyForkFn;
  try {
    fork = (await importPty()).spawn;
  } catch (error) {
    // The package's own messages run over several lines; the first says what went wrong.
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0]?.trim() || 'unknown error';
    throw new UsageError(`--tty needs the optional package ${PTY_PACKAGE}, which could not be loaded: ${reason}`, {
      cause: error,
      hint: `npm install ${PTY_PACKAGE}`,
    });
  }
  return (request) => spawnUnderPty(fork, request, size());
}

/** `sh -c command` under a new pseudo-terminal; the child leads its own session and process group. */
export function spawnUnderPty(fork: PtyForkFn, { command, cwd, env }: SpawnRequest, size: TerminalSize): PtyChild {
  const child = new PtyChildProcess();
  let pty: PtyProcess;
  try {
    pty = fork('/bin/sh', ['-c', command], {
      name: env.TERM ?? DEFAULT_TERM,
      cols: size.cols,
      rows: size.rows,
      cwd,
      env,
      // Buffers, not strings: the output is split into lines downstream, as bytes from a pipe are.
      encoding: null,
    });
  } catch (error) {
    // As child_process does for a failed spawn: no pid, and an 'error' event once listeners are on.
    process.nextTick(() => child.fail(error instanceof Error ? error : new Error(String(error))));
    return child;
  }
  child.attach(pty);
  return child;
}

class PtyChildProcess extends EventEmitter implements PtyChild {
  pid: number | undefined = undefined;
  readonly stdout = new PassThrough();
  readonly stderr = null;
  readonly stdin: Writable;
  private pty: PtyProcess | undefined;

  constructor() {
    super();
    const decoder = new StringDecoder('utf8');
    this.stdin = new Writable({
      // node-pty writes strings; the decoder keeps a character split across two chunks whole.
      write: (chunk: Buffer, _encoding, done) => {
        const text = decoder.write(chunk);
        if (text !== '' && this.pty) this.pty.write(text);
        done();
      },
      // A terminal has no end of file of its own: Ctrl-D (EOT) at the start of a line is how a
      // program in cooked mode reads one.
      final: (done) => {
        const rest = decoder.end();
        if (this.pty) this.pty.write(`${rest}\u0004`);
        done();
      },
    });
    // Writing to a pty whose child is gone fails with EIO; the exit event says what happened.
    this.stdin.on('error', () => {});
  }

  attach(pty: PtyProcess): void {
    this.pty = pty;
    this.pid = pty.pid;
    pty.onData((data: string | Buffer) => {
      // Back-pressure: a full stdout pauses reading from the terminal, which blocks the child's writes.
      if (!this.stdout.write(data)) {
        pty.pause();
        this.stdout.once('drain', () => pty.resume());
      }
    });
    // node-pty reports the exit once the terminal's output is drained, so stdout can end right after.
    pty.onExit(({ exitCode, signal }) => {
      this.pty = undefined;
      const name = signal ? signalName(signal) : null;
      this.emit('exit', name ? null : exitCode, name);
      this.stdout.once('close', () => this.emit('close'));
      this.stdout.end();
      this.stdin.destroy();
    });
  }

  fail(error: Error): void {
    this.emit('error', error);
    this.stdout.end();
    this.stdin.destroy();
    this.stdout.once('close', () => this.emit('close'));
  }

  resize({ cols, rows }: TerminalSize): void {
    this.pty?.resize(cols, rows);
  }
}

function signalName(signal: number): NodeJS.Signals | null {
  const entry = Object.entries(constants.signals).find(([, number]) => number === signal);
  return entry ? (entry[0] as NodeJS.Signals) : null;
}
