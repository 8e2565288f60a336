// The edge to the operating system: spawning a command in its own process group and signalling groups.
// Everything else takes these as parameters, so unit tests can pass fakes.
import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
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

/**
 * The words after `exec` of a command that is `exec program [args...]` and nothing the shell would
 * interpret: no quotes, `$`, globs, redirections, `;`, `&`, `|`, `~`, `#`, braces, backslashes or
 * assignments, one line, and no option to `exec` itself. undefined for any other command. Pure.
 */
export function execWords(command: string): string[] | undefined {
  const rest = /^[ \t]*exec[ \t]+([^\n]*?)[ \t]*$/.exec(command)?.[1];
  if (rest === undefined) return undefined;
  const words = rest.split(/[ \t]+/);
  const [program] = words;
  if (program === undefined || program.startsWith('-') || program.includes('=')) return undefined;
  return words.every((word) => /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) ? words : undefined;
}

/** An executable regular file, or false. */
function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Magic numbers of programs the kernel runs itself: ELF, and Mach-O (thin 32/64-bit, universal). */
const BINARY_MAGIC = ['7f454c46', 'cefaedfe', 'cffaedfe', 'cafebabe'];

/**
 * Whether the kernel can run `file` as it is: a binary, or a `#!` script whose interpreter is an
 * executable file. Anything else the shell would run in its own way (a script without `#!` as a shell
 * script, a missing interpreter as "not found", 127), so it is left to the shell. Pure: the file's first
 * bytes are given, and `isExecutable` checks the interpreter.
 */
export function kernelRuns(head: Buffer, isExecutable: (file: string) => boolean): boolean {
  if (head.length >= 4 && BINARY_MAGIC.includes(head.toString('hex', 0, 4))) return true;
  if (head.toString('latin1', 0, 2) !== '#!') return false;
  const interpreter = /^#![ \t]*(\S+)/.exec(head.toString('latin1'))?.[1];
  return interpreter !== undefined && interpreter.startsWith('/') && isExecutable(interpreter);
}

function readHead(file: string): Buffer {
  const buffer = Buffer.alloc(256);
  const fd = openSync(file, 'r');
  try {
    return buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0));
  } finally {
    closeSync(fd);
  }
}

/**
 * 'direct': an executable file the kernel runs as it is (see kernelRuns); 'shell': an executable file
 * it does not (the shell runs it its own way); 'none': no executable file there.
 */
export type Runnable = 'direct' | 'shell' | 'none';

function runnableAs(file: string): Runnable {
  if (!isExecutableFile(file)) return 'none';
  try {
    return kernelRuns(readHead(file), isExecutableFile) ? 'direct' : 'shell';
  } catch {
    return 'shell';
  }
}

/**
 * Where the shell would find `program`: a path with a slash against `cwd`, a bare name in `PATH` (an
 * empty entry is `cwd`). undefined where it finds nothing the kernel runs as it is, and without a
 * PATH (the shell has a default of its own): the shell then runs the command as before.
 */
export function findProgram(
  program: string,
  cwd: string,
  pathVariable: string | undefined,
  runnable: (file: string) => Runnable = runnableAs,
): string | undefined {
  if (program.includes('/')) {
    const file = path.resolve(cwd, program);
    return runnable(file) === 'direct' ? file : undefined;
  }
  if (pathVariable === undefined) return undefined;
  for (const dir of pathVariable.split(':')) {
    const file = path.resolve(cwd, dir, program);
    const found = runnable(file);
    // The first executable file in PATH is the one the shell would run.
    if (found !== 'none') return found === 'direct' ? file : undefined;
  }
  return undefined;
}

/** What spawnShell runs for a request: the program itself for a plain `exec` command, else `sh -c`. */
export function shellInvocation(
  { command, cwd, env }: Pick<SpawnRequest, 'command' | 'cwd' | 'env'>,
  find: (program: string) => string | undefined = (program) => findProgram(program, cwd, env.PATH),
): { file: string; args: string[]; argv0?: string; env: Record<string, string> } {
  const [program, ...args] = execWords(command) ?? [];
  const file = program === undefined ? undefined : find(program);
  if (file === undefined) return { file: '/bin/sh', args: ['-c', command], env };
  // What `sh -c 'exec ...'` would run, without the shell's own start and exec in between (measured in
  // the README); the shell would also have set PWD.
  return { file, args, argv0: program, env: { ...env, PWD: path.resolve(cwd) } };
}

/**
 * `sh -c command` as the leader of a new process group (and session); a command that is only `exec
 * program args` runs that program directly, as the shell would have.
 */
export const spawnShell: SpawnFn = (request) => {
  const { file, args, argv0, env } = shellInvocation(request);
  return spawn(file, args, { cwd: request.cwd, env, argv0, detached: true, stdio: [request.stdin ?? 'ignore', 'pipe', 'pipe'] });
};

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
