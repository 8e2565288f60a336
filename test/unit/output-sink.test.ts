// Sink: writes through, pauses the children while the reader is behind, and survives EPIPE once.
import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { Sink } from '../../src/output/sink.js';

/** A Writable that accepts writes only when `release()` is called, like a slow reader. */
function slowStream(highWaterMark = 8) {
  const pending: (() => void)[] = [];
  const written: string[] = [];
  const stream = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk.toString());
      pending.push(callback);
    },
  });
  const release = async (): Promise<void> => {
    while (pending.length) pending.shift()?.();
    // 'drain' is emitted on the next tick after the last callback.
    await new Promise((resolve) => process.nextTick(resolve));
  };
  return { stream, written, release };
}

describe('Sink', () => {
  it('writes data through in order', async () => {
    const { stream, written, release } = slowStream(1024);
    const sink = new Sink(stream);
    sink.write('a\n');
    sink.write(Buffer.from('b\n'));
    await release();
    await release();
    expect(written.join('')).toBe('a\nb\n');
  });

  it('reports pressure once when the reader falls behind, and its end on drain', async () => {
    const { stream, release } = slowStream(8);
    const pressure = vi.fn();
    const sink = new Sink(stream, { pressure });
    sink.write('0123456789\n');
    sink.write('more\n');
    sink.write('and more\n');
    expect(pressure.mock.calls).toEqual([[true]]);
    await release();
    expect(pressure.mock.calls).toEqual([[true], [false]]);
  });

  it('reports no pressure while the reader keeps up', () => {
    const { stream } = slowStream(1024);
    const pressure = vi.fn();
    new Sink(stream, { pressure }).write('short\n');
    expect(pressure).not.toHaveBeenCalled();
  });

  it('can report pressure again after a drain', async () => {
    const { stream, release } = slowStream(4);
    const pressure = vi.fn();
    const sink = new Sink(stream, { pressure });
    sink.write('123456\n');
    await release();
    sink.write('123456\n');
    await release();
    expect(pressure.mock.calls).toEqual([[true], [false], [true], [false]]);
  });

  it('reports a broken stream (EPIPE) once and drops everything after it', () => {
    const { stream, written } = slowStream(1024);
    const closed = vi.fn();
    const sink = new Sink(stream, { closed });
    sink.write('before\n');
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    stream.emit('error', epipe);
    stream.emit('error', epipe);
    sink.write('after\n');
    expect(closed.mock.calls).toEqual([[epipe]]);
    expect(written).toEqual(['before\n']);
  });
});
