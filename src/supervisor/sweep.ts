// The last step of every shutdown: stop processes of this run that escaped their process group.
import type { Clock } from './clock.js';
import type { StrayFinder } from './strays.js';

export interface SweepDeps {
  find: StrayFinder;
  signal: (pid: number, signal: NodeJS.Signals) => void;
  clock: Clock;
  timeoutMs: number;
  report: (pids: number[], signal: NodeJS.Signals) => void;
}

const PROBE_MS = 10;
const AFTER_KILL_MS = 1000;

function until(deps: SweepDeps, deadline: number): Promise<number[]> {
  return new Promise((resolve) => {
    const probe = (): void => {
      const left = deps.find();
      if (left.length === 0 || deps.clock.now() >= deadline) resolve(left);
      else deps.clock.setTimeout(probe, PROBE_MS);
    };
    probe();
  });
}

/** SIGTERM to strays, SIGKILL to those left after the timeout; settles when none is left (or gives up). */
export async function findStraysAndStop(deps: SweepDeps): Promise<void> {
  const strays = deps.find();
  if (strays.length === 0) return;
  deps.report(strays, 'SIGTERM');
  for (const pid of strays) deps.signal(pid, 'SIGTERM');
  const left = await until(deps, deps.clock.now() + deps.timeoutMs);
  if (left.length === 0) return;
  deps.report(left, 'SIGKILL');
  for (const pid of left) deps.signal(pid, 'SIGKILL');
  await until(deps, deps.clock.now() + AFTER_KILL_MS);
}
