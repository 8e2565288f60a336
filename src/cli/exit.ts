// How a ps-run process ends: a user's mistake becomes one `ps-run:` line, and the exit waits (briefly)
// for stdout to drain. Kept free of commander so that the quick client path (quick.ts) can share it.
import { closeSync, fstatSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { isatty } from 'node:tty';
import { UsageError } from '../errors.js';
import { takeDropped } from '../output/sink.js';

export function formatUsageError(error: UsageError): string {
  return `ps-run: ${error.message}${error.hint ? ` (${error.hint})` : ''}\n`;
}

/**
 * What failed on ps-run's own stdout and stderr. A failed write must never become an uncaught error (a
 * stack trace, and the watchdog killing processes in their graceful stop): a reader that went away
 * (`ps-run help | head`, EPIPE) is a normal end; a terminal that hung up (EIO) or a full disk (ENOSPC)
 * is reported by the command's Sink, or by the exit path below for commands that have none.
 */
const outputFailures = new WeakMap<NodeJS.WritableStream, NodeJS.ErrnoException | undefined>();

function recordFailures(stream: NodeJS.WritableStream): void {
  // Once per stream for the whole process (main may run many times in one, as in tests), and for
  // good: the error of a write can arrive after main has returned.
  if (outputFailures.has(stream)) return;
  outputFailures.set(stream, undefined);
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (outputFailures.get(stream) === undefined) outputFailures.set(stream, error);
  });
}

/** Records what fails on ps-run's own stdout and stderr from now on; every command path calls it first. */
export function recordOutputFailures(): void {
  recordFailures(process.stdout);
  recordFailures(process.stderr);
}

export interface ExitOptions {
  stdout?: Writable;
  /** Says what was lost; must not block (stderr may be the same terminal nobody reads). */
  report?: (text: string) => Promise<void>;
  /** Give up on a reader that has taken nothing for this long. */
  stallMs?: number;
  exit?: (code: number) => void;
}

/** How long the exit waits for a reader that takes nothing of what is still queued on stdout. */
export const EXIT_STALL_MS = 1000;

/**
 * The launcher's exit (bin/ps-run.js; main itself never exits, tests call it in-process). stdout is
 * written without blocking, so what the reader has not taken yet is queued in ps-run and would keep it
 * alive for ever behind a reader that never reads: wait while the reader takes something, give up
 * after `stallMs` without progress, say what was lost, then exit.
 */
export async function exitWhenFlushed(code: number, options: ExitOptions = {}): Promise<void> {
  const {
    stdout = process.stdout,
    report = reportWithin(EXIT_STALL_MS),
    stallMs = EXIT_STALL_MS,
    exit = (c: number) => process.exit(c),
  } = options;
  let queued = stdout.writableLength;
  let stalledSince = Date.now();
  while (stdout.writableLength > 0 && !stdout.destroyed && Date.now() - stalledSince < stallMs) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(50, stallMs)));
    if (stdout.writableLength < queued) stalledSince = Date.now();
    queued = stdout.writableLength;
  }
  const failure = outputFailures.get(stdout);
  let status = code;
  if (failure && failure.code !== 'EPIPE' && status === 0) {
    // No Sink reported it (a command without a log, `ps-run check > /dev/full`): the output is lost.
    await report(`ps-run: cannot write the output (${failure.code ?? failure.message})\n`);
    status = 1;
  }
  const unwritten = takeDropped(stdout) + (stdout.destroyed ? 0 : stdout.writableLength);
  if (unwritten > 0 && !failure) await report(`ps-run: ${unwritten} bytes of log output were not written: nobody read them\n`);
  closeHungUpTerminals();
  exit(status);
}

/**
 * Writes to stderr and waits at most `ms`: Node writes a terminal or a pipe on stderr blocking, so a
 * terminal that nobody reads would hold the exit for ever. Switched to non-blocking for this last
 * write; what it cannot take is dropped at exit.
 */
function reportWithin(ms: number): (text: string) => Promise<void> {
  return (text) =>
    new Promise((resolve) => {
      (process.stderr as unknown as { _handle?: { setBlocking?: (b: boolean) => void } })._handle?.setBlocking?.(false);
      const timer = setTimeout(resolve, ms);
      process.stderr.write(text, () => {
        clearTimeout(timer);
        resolve();
      });
    });
}

/**
 * Node 20 restores the terminal settings of stdin, stdout and stderr at exit and aborts (a core dump,
 * SIGABRT) when the terminal has hung up, because tcsetattr fails with EIO (nodejs/node#51519). It
 * skips a descriptor that was closed: so close the ones that are still a character device but no longer
 * a terminal (a hung-up terminal answers isatty with EIO); /dev/null and /dev/full lose nothing by it.
 */
function closeHungUpTerminals(): void {
  for (const fd of [0, 1, 2]) {
    try {
      if (fstatSync(fd).isCharacterDevice() && !isatty(fd)) closeSync(fd);
    } catch {
      // already closed
    }
  }
}

/** The exit status for an error out of a command, after saying what it was on `stderr`. */
export function reportFailure(error: unknown, stderr: NodeJS.WritableStream): number {
  if (error instanceof UsageError) {
    stderr.write(formatUsageError(error));
    return 1;
  }
  stderr.write(`ps-run: internal error (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 70;
}
