// When to probe an instance that refused or reset a connection (pure), and the probe's type.

export interface ProbeSchedule {
  firstMs: number;
  maxMs: number;
}

/** Probes start quickly (a restarted instance is often back within a few hundred ms) and slow down to maxMs. */
export const DEFAULT_PROBE_SCHEDULE: ProbeSchedule = { firstMs: 25, maxMs: 2000 };

/** Delay before probe number `attempt` (0-based): firstMs doubled per failed probe, at most maxMs. Pure. */
export function probeDelay(attempt: number, schedule: ProbeSchedule = DEFAULT_PROBE_SCHEDULE): number {
  const exponent = Math.min(Math.max(attempt, 0), 30);
  return Math.min(schedule.firstMs * 2 ** exponent, schedule.maxMs);
}

/** True when the instance's port accepts a TCP connection (the readiness layer's own check). */
export type PortProbe = (port: number) => Promise<boolean>;

export { portAccepts as tcpAccepts } from '../readiness/probes.js';
