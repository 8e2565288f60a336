// The launcher's exit: waits while the reader takes queued output, gives up on one that takes nothing,
// and says how much was lost. Fake timers; a Writable whose reader the test controls.
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { exitWhenFlushed } from '../../src/cli/exit.js';
import { Sink, takeDropped } from '../../src/output/sink.js';

/** A stream that holds every write until `take()` lets the reader have one. */
function stalledStream(): Writable & { take(): void } {
  const pending: (() => void)[] = [];
  const stream = new Writable({
    highWaterMark: 16,
    write(_chunk, _encoding, done) {
      pending.push(done);
    },
  });
  return Object.assign(stream, { take: () => pending.shift()?.() });
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('exitWhenFlushed', () => {
  it('exits at once with the status when nothing is queued, saying nothing', async () => {
    const stdout = stalledStream();
    const reports: string[] = [];
    const exit = vi.fn();
    await exitWhenFlushed(143, { stdout, report: async (t) => void reports.push(t), exit });
    expect(exit).toHaveBeenCalledWith(143);
    expect(reports).toEqual([]);
  });

  it('gives up on a reader that takes nothing for stallMs, and reports the bytes still queued', async () => {
    const stdout = stalledStream();
    stdout.write('a'.repeat(100));
    stdout.write('b'.repeat(50));
    const reports: string[] = [];
    const exit = vi.fn();
    const done = exitWhenFlushed(0, { stdout, stallMs: 1000, report: async (t) => void reports.push(t), exit });
    await vi.advanceTimersByTimeAsync(900);
    expect(exit).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(200);
    await done;
    expect(exit).toHaveBeenCalledWith(0);
    expect(reports).toEqual(['ps-run: 150 bytes of log output were not written: nobody read them\n']);
  });

  it('keeps waiting while the reader makes progress, and counts what a stopping Sink dropped', async () => {
    const stdout = stalledStream();
    const sink = new Sink(stdout);
    sink.stop();
    takeDropped(stdout);
    for (let i = 0; i < 4; i++) sink.write('x'.repeat(300 * 1024));
    // 1.2 MB queued: past the 1 MiB a stopping Sink queues, so this is dropped.
    sink.write('dropped');
    const reports: string[] = [];
    const exit = vi.fn();
    const done = exitWhenFlushed(1, { stdout, stallMs: 1000, report: async (t) => void reports.push(t), exit });
    // 2 s in all, but never 1 s without progress: it waits for all of it.
    for (let i = 0; i < 4; i++) {
      await vi.advanceTimersByTimeAsync(500);
      expect(exit).not.toHaveBeenCalled();
      stdout.take();
    }
    await vi.advanceTimersByTimeAsync(100);
    await done;
    expect(exit).toHaveBeenCalledWith(1);
    expect(stdout.writableLength).toBe(0);
    expect(reports).toEqual(['ps-run: 7 bytes of log output were not written: nobody read them\n']);
  });
});
