// Finds processes of this run that left their process group (setsid, daemons) by the session marker
// every child inherits. Linux only (/proc); elsewhere it finds nothing.
import { readdirSync, readFileSync } from 'node:fs';
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
      const environ = readFileSync(`/proc/${entry}/environ`);
      if (environ.indexOf(first) === 0 || environ.includes(needle)) pids.push(pid);
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return pids;
}
