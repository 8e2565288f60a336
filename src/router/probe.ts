// When to probe an instance that refused or reset a connection, and the probe itself (a TCP connect).
import { connect } from 'node:net';

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

export type PortProbe = (host: string, port: number) => Promise<boolean>;

const PROBE_TIMEOUT_MS = 1000;

/** True when host:port accepts a TCP connection within a second; the connection is closed at once. */
export const tcpAccepts: PortProbe = (host, port) =>
  new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
