// Finds processes of this run that left their process group (setsid, daemons) by the session marker
// every child inherits. Linux only (/proc); elsewhere it finds nothing.
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import type { Clock } from './clock.js';
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

/** What a search reads of the process table; /proc by default, a fake in unit tests. */
export interface ProcessTable {
  /** The pids there are now. */
  pids(): number[];
  /** A process's environment block, or undefined when it is gone or not ours to read. */
  environ(pid: number): Buffer | undefined;
  /** The pid namespace's last allocated pid (/proc/sys/kernel/ns_last_pid), undefined where unknown. */
  lastPid(): number | undefined;
}

export const procTable: ProcessTable = {
  pids() {
    let entries: string[];
    try {
      entries = readdirSync('/proc');
    } catch {
      return [];
    }
    const pids: number[] = [];
    for (const entry of entries) {
      const code = entry.charCodeAt(0);
      if (code >= 48 && code <= 57) pids.push(Number(entry));
    }
    return pids;
  },
  environ: (pid) => readEnviron(String(pid)),
  lastPid() {
    try {
      const value = Number(readFileSync('/proc/sys/kernel/ns_last_pid', 'latin1'));
      return Number.isInteger(value) && value > 0 ? value : undefined;
    } catch {
      return undefined;
    }
  },
};

const matches = (environ: Buffer | undefined, needle: Buffer): boolean =>
  environ !== undefined && (environ.indexOf(needle.subarray(1)) === 0 || environ.includes(needle));

/**
 * Finds the processes of a run by its session marker. A plain search reads the environment of every
 * process on the host: about 17 µs each here, 50 ms with 3,000 processes, on the path from Ctrl-C to
 * ps-run's exit. So a search remembers the pids that are not of this run: every pid there was before
 * the run started anything (`seed()`, no read at all), every pid it read and found not of this run,
 * and those `learn()` reads while the run is up, in slices; later searches read only pids they have
 * not seen.
 * That holds while no pid can have been reused: Linux hands out pids in increasing order and reuses
 * one only after the counter wraps around. `checkWrap()` (each second, and before each search) sees
 * the counter go back, and then everything learnt is forgotten; where the counter cannot be read,
 * every search reads every process, as before.
 */
export class StraySearch {
  private readonly needle: Buffer;
  /** Pids read and found not of this run; kept while the pid counter (last read: `counter`) has not wrapped. */
  private readonly foreign = new Set<number>();
  private counter: number | undefined;
  private learning: number[] | undefined;

  constructor(
    session: string,
    private readonly exclude: ReadonlySet<number> = new Set([process.pid]),
    private readonly table: ProcessTable = procTable,
  ) {
    this.needle = Buffer.from(`\0${SESSION_VARIABLE}=${session}\0`);
  }

  /**
   * Every process there is now is not of this run: for a run that has started nothing yet (the
   * watchdog is excluded). Reads no environment, only the list of pids.
   */
  seed(): void {
    this.checkWrap();
    if (this.counter === undefined) return;
    for (const pid of this.table.pids()) if (!this.exclude.has(pid)) this.foreign.add(pid);
  }

  /** The processes of this run now (a StrayFinder). */
  find(): number[] {
    this.checkWrap();
    const pids: number[] = [];
    const live = new Set<number>();
    for (const pid of this.table.pids()) {
      live.add(pid);
      if (this.exclude.has(pid) || this.foreign.has(pid)) continue;
      if (this.read(pid)) pids.push(pid);
    }
    for (const pid of this.foreign) if (!live.has(pid)) this.foreign.delete(pid);
    return pids;
  }

  /**
   * Reads up to `max` processes not yet seen; true once every process there was at the first call
   * has been read (then the next call starts over with the pids there are then).
   */
  learn(max: number): boolean {
    this.checkWrap();
    if (this.counter === undefined) return true;
    this.learning ??= this.table.pids();
    let done = 0;
    while (done < max && this.learning.length > 0) {
      const pid = this.learning.pop() as number;
      if (this.exclude.has(pid) || this.foreign.has(pid)) continue;
      this.read(pid);
      done++;
    }
    if (this.learning.length > 0) return false;
    this.learning = undefined;
    return true;
  }

  /** Forgets what was learnt if the pid counter went back (wrapped), or cannot be read. */
  checkWrap(): void {
    const now = this.table.lastPid();
    if (now === undefined || (this.counter !== undefined && now < this.counter)) {
      this.foreign.clear();
      this.learning = undefined;
    }
    this.counter = now;
  }

  /**
   * True if the process is of this run. One that is not is remembered (when the counter is known), but
   * only from a whole environment: an empty read is a kernel thread, a zombie or a process in the middle
   * of an exec (its new environment not yet in place), and one that cannot be read may be gone.
   */
  private read(pid: number): boolean {
    const environ = this.table.environ(pid);
    const ours = matches(environ, this.needle);
    if (!ours && environ !== undefined && environ.length > 0 && this.counter !== undefined) this.foreign.add(pid);
    return ours;
  }
}

/**
 * Keeps a search's knowledge fresh while the run is up: the pid counter checked every second, and
 * every fifth second (the first after one) a learning pass over the processes that appeared since, in
 * slices of `slice` reads, each in a task of its own so that no slice holds the output for long.
 * Returns what stops it.
 */
export function keepLearning(search: StraySearch, clock: Clock, slice = 256): () => void {
  let handle: unknown;
  let stopped = false;
  let ticks = 0;
  const schedule = (next: () => void, ms: number): void => {
    if (!stopped) handle = clock.setTimeout(next, ms);
  };
  const learnSlice = (): void => (search.learn(slice) ? schedule(tick, 1000) : schedule(learnSlice, 0));
  const tick = (): void => {
    search.checkWrap();
    if (ticks++ % 5 === 0) learnSlice();
    else schedule(tick, 1000);
  };
  schedule(tick, 1000);
  return () => {
    stopped = true;
    clock.clearTimeout(handle);
  };
}

/** One full search, remembering nothing. */
export function findBySession(session: string, exclude: ReadonlySet<number> = new Set([process.pid])): number[] {
  return new StraySearch(session, exclude, { ...procTable, lastPid: () => undefined }).find();
}
