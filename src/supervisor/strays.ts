// Finds processes of this run that left their process group (setsid, daemons) by the session marker
// every child inherits. Linux only (/proc); elsewhere it finds nothing.
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { SESSION_VARIABLE } from './watchdog.js';

export type StrayFinder = () => number[];

/**
 * One buffer for every environ read: a search reads every process's environ at the end of each run,
 * and open + read + close into a reused buffer costs about half the CPU of readFileSync (which also
 * stats, reads twice and allocates), on the path from Ctrl-C to ps-run's exit.
 */
const ENVIRON_BYTES = 128 * 1024;
let environBuffer: Buffer | undefined;

/** A process's environment block, or undefined when it is gone or not ours to read. */
function readEnviron(pid: string): Buffer | undefined {
  const buffer = (environBuffer ??= Buffer.allocUnsafe(ENVIRON_BYTES));
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}/environ`, 'r');
  } catch {
    return undefined;
  }
  try {
    const n = readSync(fd, buffer, 0, buffer.length, null);
    // A block that fills the buffer may go on: read the whole of it (rare).
    return n < buffer.length ? buffer.subarray(0, n) : readFileSync(`/proc/${pid}/environ`);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

export function findBySession(session: string, exclude: ReadonlySet<number> = new Set([process.pid])): number[] {
  const needle = Buffer.from(`\0${SESSION_VARIABLE}=${session}\0`);
  const first = needle.subarray(1);
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of entries) {
    const code = entry.charCodeAt(0);
    if (code < 48 || code > 57) continue;
    const pid = Number(entry);
    if (exclude.has(pid)) continue;
    const environ = readEnviron(entry);
    if (environ && (environ.indexOf(first) === 0 || environ.includes(needle))) pids.push(pid);
  }
  return pids;
}
