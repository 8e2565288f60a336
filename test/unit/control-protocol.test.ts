// The control protocol's framing: frames of output as base64 in their line or as raw bytes after it,
// decoded from any split of the stream, and requests asking for either.
import { describe, expect, it } from 'vitest';
import {
  FrameDecoder,
  MAX_LINE,
  MAX_PAYLOAD,
  ProtocolError,
  bytesOf,
  carrying,
  parseRequest,
  type Frame,
} from '../../src/control/protocol.js';

const wire = (pieces: (string | Buffer)[]): Buffer => Buffer.concat(pieces.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));

/** Output no text encoding survives: invalid UTF-8, NUL, a newline inside the bytes. */
const awkward = Buffer.from([0xff, 0xfe, 0x00, 0x0a, 0xc3, 0x28, 0x0a, 0x7b, 0x22, 0x0a]);

function decodeAll(bytes: Buffer, splits: number[]): Frame[] {
  const decoder = new FrameDecoder();
  const frames: Frame[] = [];
  let from = 0;
  for (const at of [...splits, bytes.length]) {
    frames.push(...decoder.push(bytes.subarray(from, at)));
    from = at;
  }
  return frames;
}

describe('carrying', () => {
  it('puts the bytes in the line as base64, or announces them and sends them unchanged after the line', () => {
    const message = { v: 1 as const, kind: 'lines' as const, name: 'web.1', stream: 'stdout', time: 5 };
    const [line] = carrying(message, awkward, false);
    expect(JSON.parse(String(line))).toEqual({ ...message, data: awkward.toString('base64') });
    const [head, payload] = carrying(message, awkward, true);
    expect(JSON.parse(String(head))).toEqual({ ...message, bytes: awkward.length });
    expect(String(head).endsWith('\n')).toBe(true);
    // The very buffer, not a copy.
    expect(payload).toBe(awkward);
  });
});

describe('FrameDecoder', () => {
  const stream = wire([
    ...carrying({ v: 1, kind: 'lines', name: 'web.1', stream: 'stdout', time: 1 }, awkward, true),
    '{"v":1,"kind":"dropped","count":3}\n',
    ...carrying({ v: 1, kind: 'raw' }, Buffer.from('old style\n'), false),
    ...carrying({ v: 1, kind: 'raw' }, Buffer.alloc(0), true),
    ...carrying({ v: 1, kind: 'lines', name: 'web.2', stream: 'stderr', time: 2 }, Buffer.from('x\n'), true),
  ]);

  const check = (frames: Frame[]): void => {
    expect(frames.map((f) => (f.message as { kind: string }).kind)).toEqual(['lines', 'dropped', 'raw', 'raw', 'lines']);
    expect(frames[0]?.payload).toEqual(awkward);
    expect(frames[1]?.payload).toBeUndefined();
    expect(bytesOf(frames[2]?.message as { data: string }, frames[2]?.payload).toString()).toBe('old style\n');
    expect(frames[3]?.payload).toEqual(Buffer.alloc(0));
    expect((frames[4]?.message as { name: string }).name).toBe('web.2');
    expect(frames[4]?.payload?.toString()).toBe('x\n');
  };

  it('decodes the stream in one piece', () => check(decodeAll(stream, [])));

  it('decodes the stream split at every byte, and in single bytes', () => {
    for (let at = 1; at < stream.length; at++) check(decodeAll(stream, [at]));
    check(
      decodeAll(
        stream,
        Array.from({ length: stream.length - 1 }, (_, i) => i + 1),
      ),
    );
  });

  it('joins a long payload that arrives in many reads', () => {
    const big = Buffer.alloc(300_000, 'ab\n');
    const bytes = wire(carrying({ v: 1, kind: 'raw' }, big, true));
    const splits = Array.from({ length: Math.floor(bytes.length / 4096) }, (_, i) => (i + 1) * 4096);
    const frames = decodeAll(bytes, splits);
    expect(frames).toHaveLength(1);
    expect(frames[0]?.payload?.equals(big)).toBe(true);
  });

  it('refuses what is not the protocol: a line too long, a line not JSON, a bad byte count', () => {
    expect(() => new FrameDecoder().push(Buffer.alloc(MAX_LINE + 1, 'a'))).toThrow(ProtocolError);
    expect(() => new FrameDecoder().push(Buffer.from('hello\n'))).toThrow(/not JSON/);
    for (const bytes of ['-1', '1.5', '"3"', String(MAX_PAYLOAD + 1)])
      expect(() => new FrameDecoder().push(Buffer.from(`{"v":1,"kind":"raw","bytes":${bytes}}\n`))).toThrow(/announcing/);
  });
});

describe('parseRequest', () => {
  it('takes binary for logs and attach only when it is true', () => {
    expect(parseRequest('{"v":1,"cmd":"logs","binary":true}')).toMatchObject({ cmd: 'logs', binary: true });
    expect(parseRequest('{"v":1,"cmd":"logs"}')).toMatchObject({ cmd: 'logs', binary: false });
    expect(parseRequest('{"v":1,"cmd":"logs","binary":"yes"}')).toMatchObject({ binary: false });
    expect(parseRequest('{"v":1,"cmd":"attach","target":"web.1","binary":true}')).toMatchObject({ cmd: 'attach', binary: true });
  });
});
