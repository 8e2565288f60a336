// The one narrow interface between the running app and everything that drives it: the CLI's start and
// smoke, the control server, the router and library users all use only this.
import type { LineSubscriber } from '../output/hub.js';
import type { StoredLine } from '../output/ring.js';
import type { SupervisorEvent } from '../supervisor/events.js';
import type { InstanceState } from '../supervisor/instance.js';

export interface InstanceStatus {
  name: string;
  type: string;
  state: InstanceState;
  pid: number | null;
  port: number;
  ready: boolean;
  /** Restarts since ps-run started (crashes and requests). */
  restarts: number;
  /** ms since the current run started; null when nothing runs. */
  uptimeMs: number | null;
  lastExit: { code: number | null; signal: string | null } | null;
  /** Types this one waits for before it may start (start order). */
  waitingFor?: string[];
  /** Runs under a pseudo-terminal (--tty). */
  tty?: boolean;
  /** Its place in a router's rotation, when a router fronts its type. */
  rotation?: string;
}

export interface RuntimeInfo {
  pid: number;
  procfile: string;
  socket?: string;
  routers: { type: string; url: string }[];
}

/** A user's action: who asked, for the `system` line (`restart web.1 (requested by ps-run restart)`). */
export interface Requester {
  by: string;
}

export type RuntimeEvent = SupervisorEvent | { kind: 'action'; text: string };

export interface RuntimeControl {
  info(): RuntimeInfo;
  status(): InstanceStatus[];
  /** The current status and every later event, with nothing falling between the two. */
  subscribe(listener: (event: RuntimeEvent) => void): { snapshot: InstanceStatus[]; unsubscribe(): void };
  /**
   * The last `lines` lines of each named instance, then (given a subscriber) every later line, with nothing
   * between. 'all' also follows instances added later.
   */
  follow(
    names: readonly string[] | 'all',
    lines: number,
    subscriber: LineSubscriber | undefined,
  ): { tail: Map<string, StoredLine[]>; unsubscribe(): void };
  /** Raw bytes of one instance as they arrive (attach), starting with the partial lines it has pending (a prompt). */
  listenRaw(name: string, listener: (chunk: Buffer) => void): () => void;
  /** Instance names matched by targets (instance, type or glob); throws UsageError for an unknown one. */
  resolve(targets: readonly string[]): string[];
  restart(targets: readonly string[], requester: Requester): Promise<string[]>;
  stop(targets: readonly string[], requester: Requester): Promise<string[]>;
  scale(counts: ReadonlyMap<string, number>, requester: Requester): Promise<{ added: string[]; removed: string[] }>;
  /** Bytes to an instance's stdin; false when it has none (not running, or --no-stdin). */
  input(name: string, data: Buffer): boolean;
  quit(requester: Requester): void;
  readonly done: Promise<number>;
}
