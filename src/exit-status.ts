// Every exit status ps-run reports, decided in one place: a process's run, a signal to ps-run, a log
// output that failed. Pure.
import { constants } from 'node:os';

/** Shell convention for a death by signal: 128 + the signal's number. */
export function signalStatus(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/** Shell-style status of a run: the exit code, or 128 + the signal's number. */
export function runStatus(exit: { code: number | null; signal: NodeJS.Signals | null }): number {
  if (exit.signal !== null) return signalStatus(exit.signal);
  return exit.code ?? 1;
}

/**
 * The log output failed. A reader that went away (`ps-run | head`) is a normal end (0); a terminal that
 * hung up (EIO after SIGHUP) ends as SIGHUP would (129); anything else (ENOSPC on /dev/full) is a failure.
 */
export function closedOutputStatus(error: NodeJS.ErrnoException): { status: number; reason: string } {
  if (error.code === 'EPIPE') return { status: 0, reason: 'closed' };
  if (error.code === 'EIO') return { status: signalStatus('SIGHUP'), reason: 'terminal hung up' };
  const { code, message } = error;
  return { status: 1, reason: code && !message.startsWith(code) ? `${code}: ${message}` : message };
}
