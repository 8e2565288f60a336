// What to do when a process exits: restart after a back-off, leave it done, give it up, or stop everything. Pure.
import { runStatus } from '../exit-status.js';

export type RestartPolicy = 'on-failure' | 'always' | 'never';
export const RESTART_POLICIES: readonly RestartPolicy[] = ['on-failure', 'always', 'never'];

export const BACKOFF_INITIAL_MS = 100;
export const BACKOFF_MAX_MS = 10_000;
/** A process that stayed up this long starts its back-off and crash count afresh. */
export const BACKOFF_RESET_AFTER_MS = 10_000;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the signal that ended it was sent by ps-run. */
  signalledByUs: boolean;
  uptimeMs: number;
}

/** Consecutive short runs; both counts reset when a run lasts BACKOFF_RESET_AFTER_MS. */
export interface Streak {
  restarts: number;
  crashes: number;
}

export type Decision =
  | { action: 'restart'; delayMs: number; streak: Streak }
  | { action: 'done' }
  | { action: 'give-up'; crashes: number }
  | { action: 'stop-all' };

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: BACKOFF_INITIAL_MS, maxMs: BACKOFF_MAX_MS };

/** Delay before restart number `attempt` (1-based) of a streak: 100 ms, 200 ms, 400 ms, … up to 10 s. */
export function nextBackoff(attempt: number, backoff: Backoff = DEFAULT_BACKOFF): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  return Math.min(backoff.initialMs * 2 ** exponent, backoff.maxMs);
}

export function isCrash(exit: ExitInfo): boolean {
  if (exit.signal !== null) return !exit.signalledByUs;
  return exit.code !== 0;
}

/** Shell-style status: the exit code, or 128 + the signal's number. */
export const exitStatus: (exit: Pick<ExitInfo, 'code' | 'signal'>) => number = runStatus;

export function decideAfterExit(
  policy: RestartPolicy,
  maxRestarts: number | undefined,
  exit: ExitInfo,
  streak: Streak,
  backoff: Backoff = DEFAULT_BACKOFF,
): Decision {
  const fresh = exit.uptimeMs >= BACKOFF_RESET_AFTER_MS;
  const restarts = fresh ? 0 : streak.restarts;
  const crashed = isCrash(exit);
  const crashes = crashed ? (fresh ? 0 : streak.crashes) + 1 : 0;
  if (!crashed) {
    if (policy !== 'always') return { action: 'done' };
    return { action: 'restart', delayMs: nextBackoff(restarts + 1, backoff), streak: { restarts: restarts + 1, crashes } };
  }
  if (policy === 'never') return { action: 'stop-all' };
  if (maxRestarts !== undefined && crashes > maxRestarts) return { action: 'give-up', crashes };
  return { action: 'restart', delayMs: nextBackoff(restarts + 1, backoff), streak: { restarts: restarts + 1, crashes } };
}
