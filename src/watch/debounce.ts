// Changes -> bursts: one call per burst of changes to a type, with every path the burst touched.
//
// The window: 200 ms of quiet ends a burst. An editor's save is a handful of events within a few
// milliseconds (write a temp file, rename it over the old one, chmod); a build (tsc, esbuild, a
// bundler writing dist/) writes its files in runs with gaps of a few to tens of milliseconds. 200 ms
// covers both and is still well under the time a person takes to switch to the browser. A burst that
// never goes quiet (a build in watch mode writing for seconds, a log file in a watched directory)
// still ends 2 s after its first change, so the process is not held back for ever.
import type { Clock } from '../supervisor/clock.js';

export const QUIET_MS = 200;
export const MAX_WAIT_MS = 2000;

export interface DebounceOptions {
  clock: Clock;
  /** Called once per burst with the paths, in the order first seen. */
  flush: (key: string, paths: string[]) => void;
  quietMs?: number;
  maxWaitMs?: number;
}

interface Burst {
  paths: Set<string>;
  startedAt: number;
  timer: unknown;
}

/** Collects changes per key (a process type) and flushes each key's burst on its own. */
export class Debouncer {
  private readonly bursts = new Map<string, Burst>();
  private readonly quietMs: number;
  private readonly maxWaitMs: number;

  constructor(private readonly options: DebounceOptions) {
    this.quietMs = options.quietMs ?? QUIET_MS;
    this.maxWaitMs = Math.max(options.maxWaitMs ?? MAX_WAIT_MS, this.quietMs);
  }

  add(key: string, path: string): void {
    const { clock } = this.options;
    const now = clock.now();
    let burst = this.bursts.get(key);
    if (burst) clock.clearTimeout(burst.timer);
    else {
      burst = { paths: new Set(), startedAt: now, timer: undefined };
      this.bursts.set(key, burst);
    }
    burst.paths.add(path);
    const wait = Math.min(this.quietMs, burst.startedAt + this.maxWaitMs - now);
    burst.timer = clock.setTimeout(() => this.fire(key), Math.max(0, wait));
  }

  /** Drops every pending burst without calling flush (on close). */
  cancel(): void {
    for (const burst of this.bursts.values()) this.options.clock.clearTimeout(burst.timer);
    this.bursts.clear();
  }

  get pending(): number {
    return this.bursts.size;
  }

  private fire(key: string): void {
    const burst = this.bursts.get(key);
    if (!burst) return;
    this.bursts.delete(key);
    this.options.flush(key, [...burst.paths]);
  }
}
