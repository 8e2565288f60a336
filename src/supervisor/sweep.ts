// The last step of every shutdown: stop processes of this run that escaped their process group.
// A daemon may keep forking while it is stopped, so each phase repeats until a search finds nothing.
import type { Clock } from './clock.js';
import type { StrayFinder } from './strays.js';

export interface SweepDeps {
  find: StrayFinder;
  signal: (pid: number, signal: NodeJS.Signals) => void;
  clock: Clock;
  timeoutMs: number;
  report: (pids: number[], signal: NodeJS.Signals) => void;
  /** True once everything must die at once (a second Ctrl-C): no grace period, SIGKILL now. */
  killing?: () => boolean;
}

const PROBE_MS = 10;
/** How long SIGKILL rounds may go on (a fork bomb could otherwise hold the sweep for ever). */
const AFTER_KILL_MS = 1000;

/** SIGTERM, then SIGCONT: a stopped process cannot run its SIGTERM handler until it is continued. */
function terminate(deps: SweepDeps, pids: readonly number[]): void {
  for (const pid of pids) deps.signal(pid, 'SIGTERM');
  for (const pid of pids) deps.signal(pid, 'SIGCONT');
}

/**
 * Probes until a search finds nothing (resolves with []), the deadline passes or `enough` says so
 * (resolves with what is left). `each` handles every non-empty search, so processes that appear
 * meanwhile get signalled too.
 */
function until(deps: SweepDeps, deadline: number, each: (found: number[]) => void, enough = (): boolean => false): Promise<number[]> {
  return new Promise((resolve) => {
    const probe = (): void => {
      const found = deps.find();
      if (found.length === 0 || deps.clock.now() >= deadline || enough()) return resolve(found);
      each(found);
      deps.clock.setTimeout(probe, PROBE_MS);
    };
    probe();
  });
}

/**
 * SIGTERM to strays (and to any they fork meanwhile), SIGKILL rounds after the timeout until none is
 * found. Once `killing` holds (at the start, or during the grace period) the SIGKILL rounds start at once.
 */
export async function findStraysAndStop(deps: SweepDeps): Promise<void> {
  const killing = deps.killing ?? ((): boolean => false);
  let left = deps.find();
  if (left.length === 0) return;
  if (!killing()) {
    deps.report(left, 'SIGTERM');
    const termed = new Set(left);
    terminate(deps, left);
    left = await until(
      deps,
      deps.clock.now() + deps.timeoutMs,
      (found) => {
        const fresh = found.filter((pid) => !termed.has(pid));
        for (const pid of fresh) termed.add(pid);
        terminate(deps, fresh);
      },
      killing,
    );
    if (left.length === 0) return;
  }
  deps.report(left, 'SIGKILL');
  const kill = (pids: number[]): void => pids.forEach((pid) => deps.signal(pid, 'SIGKILL'));
  kill(left);
  await until(deps, deps.clock.now() + AFTER_KILL_MS, kill);
}
