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
    const gone = (error as NodeJS.ErrnoException).code === 'ESRCH';
    if (gone) knownMembers.delete(pgid);
    return !gone;
  }
  // A stopped process (SIGSTOP, Ctrl-Z) cannot run its SIGTERM handler until it is continued.
  if (signal === 'SIGTERM') continueGroup(pgid);
  // Zombies still count as members for kill(); where no init reaps orphans (a container whose
  // PID 1 is not an init), a group of zombies would look alive for ever.
  return signal !== 0 || groupHasLiveMember(pgid);
};

function continueGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGCONT');
  } catch {
    // gone meanwhile
  }
}

/** Fields after "pid (comm) " of /proc/<pid>/stat (comm may hold spaces and parentheses); undefined when gone. */
function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ', 3);
  } catch {
    return undefined;
  }
}

/** Whether `pid` is a member of group `pgid` that is not a zombie. */
function isLiveMember(pid: number, pgid: number): boolean {
  const fields = statFields(pid);
  return fields !== undefined && fields[0] !== 'Z' && fields[0] !== 'X' && Number(fields[2]) === pgid;
}

/** Members seen in the last full scan, per group: usually one of them still runs, and reading it is enough. */
const knownMembers = new Map<number, number[]>();
/** The full scan of this turn of the event loop, shared by every probe in it. */
let scanned: Map<number, number[]> | undefined;

/**
 * Whether group `pgid` (which kill() says exists) has a member that is not a zombie. Cheap in the
 * usual cases: the leader, or a member found earlier, is read directly; only when neither runs is
 * /proc scanned, once per turn of the event loop whoever asks.
 */
function groupHasLiveMember(pgid: number): boolean {
  if (isLiveMember(pgid, pgid)) return true;
  const known = knownMembers.get(pgid);
  if (known?.some((pid) => isLiveMember(pid, pgid))) return true;
  const groups = scanLiveGroups();
  if (groups === undefined) return true; // no /proc: trust kill()
  const members = groups.get(pgid);
  if (members === undefined) knownMembers.delete(pgid);
  else knownMembers.set(pgid, members);
  return members !== undefined;
}

/** Live (not zombie) members of every process group (Linux /proc); one scan per turn of the event loop. */
function scanLiveGroups(): Map<number, number[]> | undefined {
  if (scanned) return scanned;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const groups = new Map<number, number[]>();
  for (const entry of entries) {
    const code = entry.charCodeAt(0);
    if (code < 48 || code > 57) continue;
    const fields = statFields(entry);
    if (fields === undefined || fields[0] === 'Z' || fields[0] === 'X') continue;
    const pgid = Number(fields[2]);
    const members = groups.get(pgid);
    if (members) members.push(Number(entry));
    else groups.set(pgid, [Number(entry)]);
  }
  scanned = groups;
  setImmediate(() => (scanned = undefined));
  return groups;
}

export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
