// Split once, fan out: every pipe of every run gets its own line buffer here, and each block of whole
// lines is handed to every subscriber (the terminal log, the per-instance rings, readiness log checks,
// log files, followers). A partial line that has waited a moment is shown to the display subscribers
// (the terminal, followers) so prompts (`Password: `, `(rdbg) `) appear without their newline; the rest
// of that line follows on a line of its own. The logical subscribers (rings, log checks, files) still
// get the line whole, once it ends.
import type { Clock } from '../supervisor/clock.js';
import type { OutputOpener, PipeSink, StreamName } from '../supervisor/instance.js';
import { LineBuffer, lineEnds } from './lines.js';

export type LogStream = StreamName | 'system';

/** Receives blocks of whole lines (each ending in `\n`) from one source. Must copy `block` to keep it. */
export interface LineSubscriber {
  /**
   * A block of whole lines. `ends`: where each of its lines ends (see lineEnds), computed once by the hub
   * for every subscriber; read it during the call, do not change it.
   */
  lines(name: string, stream: LogStream, block: Buffer, time: number, ends?: Int32Array): void;
}

/** Receives a process's bytes as they arrive (attach: prompts and line editing untouched). */
export type RawListener = (chunk: Buffer) => void;

/**
 * A partial line is shown once its pipe has been quiet for two ticks in a row (100-150 ms): two, so that
 * a tick that runs right after a long busy spell of the event loop, before the pipe was read, cannot
 * cut a line that was in fact still arriving; short enough to feel immediate at a prompt.
 */
export const IDLE_TICK_MS = 50;
const QUIET_TICKS = 2;
/**
 * A partial line left by a large run of output (more than this many bytes since the pipe last ended on a
 * line boundary) is a writer cut off in the middle of a big write, whose rest is coming: on a loaded
 * machine it may not run again for well over 100 ms. Such a line waits for a full second of quiet. A
 * prompt comes after a little output, and still shows within 150 ms.
 */
export const FLOWING_BYTES = 16 * 1024;
const FLOWING_QUIET_TICKS = 20;
const NEWLINE = Buffer.from('\n');

interface Pipe {
  name: string;
  stream: StreamName;
  buffer: LineBuffer;
  /** Ticks without data while a partial line waits. */
  quiet: number;
  /** Bytes of the pending partial line already shown to display subscribers. */
  shown: number;
  /** Bytes received since the pipe last had no partial line (see FLOWING_BYTES). */
  streak: number;
}

export class OutputHub implements OutputOpener {
  private readonly logical: LineSubscriber[] = [];
  private readonly display: LineSubscriber[] = [];
  private readonly raw = new Map<string, Set<RawListener>>();
  /** Open pipes, so that a new raw listener can be given the partial lines waiting now. */
  private readonly openPipes = new Set<Pipe>();
  /** Pipes holding a partial line, checked by the idle tick. */
  private readonly pending = new Set<Pipe>();
  private tick: unknown;
  private disposed = false;
  private held = false;

  constructor(
    private readonly clock: Clock,
    private readonly idleTickMs = IDLE_TICK_MS,
    /**
     * Asked before a waiting partial line is shown: true while the instance is still writing (runnable, but
     * a busy machine took its core), so a line is not cut just because its writer was descheduled.
     */
    private readonly stillWriting: (name: string) => boolean = () => false,
  ) {}

  /** `display`: a view of the log (terminal, followers) that also sees waiting partial lines. */
  subscribe(subscriber: LineSubscriber, options: { display?: boolean } = {}): () => void {
    const list = options.display ? this.display : this.logical;
    list.push(subscriber);
    return () => {
      const at = list.indexOf(subscriber);
      if (at !== -1) list.splice(at, 1);
    };
  }

  /**
   * Raw bytes of one instance, as they arrive, starting with the partial lines it has pending now (a prompt
   * waiting for input): the rings hold whole lines only, so a tail of them plus these misses nothing.
   */
  listenRaw(name: string, listener: RawListener): () => void {
    let set = this.raw.get(name);
    if (!set) this.raw.set(name, (set = new Set()));
    set.add(listener);
    for (const pipe of this.openPipes) if (pipe.name === name && pipe.buffer.pendingBytes > 0) listener(Buffer.from(pipe.buffer.peek()));
    return () => {
      set.delete(listener);
      if (set.size === 0) this.raw.delete(name);
    };
  }

  /** While the terminal holds the children up (back-pressure), silence is not idleness: show no partial lines. */
  hold(held: boolean): void {
    this.held = held;
  }

  open(name: string, stream: StreamName): PipeSink {
    const pipe: Pipe = { name, stream, buffer: new LineBuffer(), quiet: 0, shown: 0, streak: 0 };
    this.openPipes.add(pipe);
    return {
      data: (chunk) => {
        const raw = this.raw.get(name);
        if (raw) for (const listener of raw) listener(chunk);
        pipe.streak = pipe.buffer.pendingBytes === 0 ? chunk.length : pipe.streak + chunk.length;
        const block = pipe.buffer.push(chunk);
        if (block) this.publish(pipe, block);
        if (pipe.buffer.pendingBytes === 0) this.pending.delete(pipe);
        else {
          pipe.quiet = 0;
          this.pending.add(pipe);
          this.armTick();
        }
      },
      end: () => {
        this.pending.delete(pipe);
        this.openPipes.delete(pipe);
        const block = pipe.buffer.flush();
        if (block) this.publish(pipe, block);
      },
    };
  }

  /** A line of ps-run's own (under `system`, or another name such as the smoke command's). */
  system(text: string, name = 'system'): void {
    const block = Buffer.from(`${text}\n`);
    const time = this.clock.now();
    const ends = lineEnds(block);
    for (const subscriber of this.display) subscriber.lines(name, 'system', block, time, ends);
    for (const subscriber of this.logical) subscriber.lines(name, 'system', block, time, ends);
  }

  /** Stops the idle tick; later output is still delivered. */
  dispose(): void {
    this.disposed = true;
    if (this.tick !== undefined) this.clock.clearTimeout(this.tick);
    this.tick = undefined;
  }

  private publish(pipe: Pipe, block: Buffer): void {
    const time = this.clock.now();
    const { name, stream } = pipe;
    const ends = lineEnds(block);
    // Display subscribers already saw the start of the first line: they get the rest of it.
    let shownBlock = block;
    let shownEnds = ends;
    if (pipe.shown > 0) {
      const rest = block.subarray(pipe.shown);
      pipe.shown = 0;
      shownBlock = rest[0] === 10 ? rest.subarray(1) : rest;
      shownEnds = lineEnds(shownBlock);
    }
    if (shownBlock.length > 0) for (const subscriber of this.display) subscriber.lines(name, stream, shownBlock, time, shownEnds);
    for (const subscriber of this.logical) subscriber.lines(name, stream, block, time, ends);
  }

  private armTick(): void {
    if (this.tick !== undefined || this.disposed) return;
    this.tick = this.clock.setTimeout(() => this.onTick(), this.idleTickMs);
  }

  private onTick(): void {
    this.tick = undefined;
    if (!this.held) {
      for (const pipe of this.pending) {
        if (++pipe.quiet < (pipe.streak > FLOWING_BYTES ? FLOWING_QUIET_TICKS : QUIET_TICKS)) continue;
        if (this.stillWriting(pipe.name)) {
          pipe.quiet = 0;
          continue;
        }
        this.pending.delete(pipe);
        const partial = pipe.buffer.peek();
        if (partial.length <= pipe.shown) continue;
        const unseen = Buffer.concat([partial.subarray(pipe.shown), NEWLINE]);
        pipe.shown = partial.length;
        // The writer paused: what comes next is a new run of output.
        pipe.streak = 0;
        const time = this.clock.now();
        const ends = lineEnds(unseen);
        for (const subscriber of this.display) subscriber.lines(pipe.name, pipe.stream, unseen, time, ends);
      }
    }
    if (this.pending.size > 0) this.armTick();
  }
}
