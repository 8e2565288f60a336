// The edge to the operating system: spawning a command in its own process group and signalling groups.
// Everything else takes these as parameters, so unit tests can pass fakes.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';

/** The few members of a child process that ps-run touches. */
export interface ChildLike {
  readonly pid?: number | undefined;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  on(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  once(event: 'close', listener: () => void): this;
}

export interface SpawnRequest {
  command: string;
  /** The process type (`web`), for spawners that treat types differently (--tty). */
  type?: string;
  cwd: string;
  env: Record<string, string>;
  /** 'pipe': a pipe ps-run holds open (watchers that exit on end of input keep running); 'ignore': /dev/null. */
  stdin?: 'pipe' | 'ignore';
}

export type SpawnFn = (request: SpawnRequest) => ChildLike;

/** Send `signal` to process group `pgid`; 0 only probes. Returns false when the group no longer exists. */
export type SignalGroupFn = (pgid: number, signal: NodeJS.Signals | 0) => boolean;

/** `sh -c command` as the leader of a new process group (and session). */
export const spawnShell: SpawnFn = ({ command, cwd, env, stdin = 'ignore' }) =>
  spawn('/bin/sh', ['-c', command], { cwd, env, detached: true, stdio: [stdin, 'pipe', 'pipe'] });

export const signalGroup: SignalGroupFn = (pgid, signal) => {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    // EPERM: the group exists but holds a process we may not signal (setuid); treat it as alive.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
  // Zombies still count as members for kill(); where no init reaps orphans (a container whose
  // PID 1 is not an init), a group of zombies would look alive for ever.
  const live = liveGroups();
  return signal !== 0 || live === undefined || live.has(pgid);
};

let scannedAt = -Infinity;
let scanned = new Set<number>();

/** Process groups with at least one member that is not a zombie (Linux /proc; scanned at most every 5 ms). */
function liveGroups(): Set<number> | undefined {
  const now = performance.now();
  if (now - scannedAt < 5) return scanned;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined; // no /proc: trust kill()
  }
  const groups = new Set<number>();
  for (const entry of entries) {
    const code = entry.charCodeAt(0);
    if (code < 48 || code > 57) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
    } catch {
      continue;
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ', 3);
    if (fields[0] !== 'Z' && fields[0] !== 'X') groups.add(Number(fields[2]));
  }
  scannedAt = now;
  scanned = groups;
  return groups;
}

export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
