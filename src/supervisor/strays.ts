// Finds processes of this run that left their process group (setsid, daemons) by the session marker
// every child inherits. Linux only (/proc); elsewhere it finds nothing.
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { SESSION_VARIABLE } from './watchdog.js';

export type StrayFinder = () => number[];

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
    try {
      const environ = readEnviron(entry);
      if (environ.indexOf(first) === 0 || environ.includes(needle)) pids.push(pid);
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return pids;
}

/**
 * One buffer for every read: readFileSync allocates 64 KiB for each /proc file (their size reads as 0),
 * which on a host with thousands of processes cost more than the reads themselves. A larger environment
 * falls back to reading it whole.
 */
const shared = Buffer.allocUnsafe(64 * 1024);

function readEnviron(entry: string): Buffer {
  const fd = openSync(`/proc/${entry}/environ`, 'r');
  let length: number;
  try {
    length = readSync(fd, shared, 0, shared.length, 0);
  } finally {
    closeSync(fd);
  }
  return length < shared.length ? shared.subarray(0, length) : readFileSync(`/proc/${entry}/environ`);
}
