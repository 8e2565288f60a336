// The edge to the operating system: spawning a command in its own process group and signalling groups.
// Everything else takes these as parameters, so unit tests can pass fakes.
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

/** The few members of a child process that ps-run touches. */
export interface ChildLike {
  readonly pid?: number | undefined;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  on(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  once(event: 'close', listener: () => void): this;
}

export interface SpawnRequest {
  command: string;
  cwd: string;
  env: Record<string, string>;
}

export type SpawnFn = (request: SpawnRequest) => ChildLike;

/** Send `signal` to process group `pgid`; 0 only probes. Returns false when the group no longer exists. */
export type SignalGroupFn = (pgid: number, signal: NodeJS.Signals | 0) => boolean;

/** `sh -c command` as the leader of a new process group (and session), stdin closed. */
export const spawnShell: SpawnFn = ({ command, cwd, env }) =>
  spawn('/bin/sh', ['-c', command], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });

export const signalGroup: SignalGroupFn = (pgid, signal) => {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    // EPERM: the group exists but holds a process we may not signal (setuid); treat it as alive.
    return true;
  }
};
