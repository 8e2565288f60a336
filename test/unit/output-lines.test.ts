// LineBuffer (whole lines out, partial lines held, over-long lines cut), lineEnds and prefixLines.
import { describe, expect, it } from 'vitest';
import { countLines, forEachLine, LineBuffer, lineEnds, MAX_LINE_BYTES, prefixLines, utf8CutPoint } from '../../src/output/lines.js';

const b = (text: string): Buffer => Buffer.from(text);
const text = (block: Buffer | null): string | null => (block === null ? null : block.toString());

describe('LineBuffer', () => {
  it('passes a chunk of whole lines through as one block', () => {
    expect(text(new LineBuffer().push(b('a\nbb\n')))).toBe('a\nbb\n');
  });

  it('holds a partial line until its newline arrives', () => {
    const lines = new LineBuffer();
    expect(lines.push(b('hel'))).toBeNull();
    expect(lines.pendingBytes).toBe(3);
    expect(text(lines.push(b('lo\nwor')))).toBe('hello\n');
    expect(lines.pendingBytes).toBe(3);
    expect(text(lines.push(b('ld\n')))).toBe('world\n');
    expect(lines.pendingBytes).toBe(0);
  });

  it('joins a line split over many chunks, byte by byte', () => {
    const lines = new LineBuffer();
    const out: string[] = [];
    for (const byte of b('one\ntwo\nthree\n')) {
      const block = lines.push(Buffer.from([byte]));
      if (block) out.push(block.toString());
    }
    expect(out.join('')).toBe('one\ntwo\nthree\n');
  });

  it('keeps a multi-byte character split between chunks intact', () => {
    const euro = b('€\n');
    const lines = new LineBuffer();
    expect(lines.push(euro.subarray(0, 1))).toBeNull();
    expect(text(lines.push(euro.subarray(1)))).toBe('€\n');
  });

  it('flushes the unfinished last line at end of stream, with a newline', () => {
    const lines = new LineBuffer();
    lines.push(b('done\nno newline'));
    expect(text(lines.flush())).toBe('no newline\n');
    expect(lines.flush()).toBeNull();
  });

  it('flushes nothing when the stream ended on a newline', () => {
    const lines = new LineBuffer();
    lines.push(b('x\n'));
    expect(lines.flush()).toBeNull();
  });

  it('cuts a line that never ends at the bound, so memory stays bounded', () => {
    const lines = new LineBuffer(8);
    expect(lines.push(b('abcde'))).toBeNull();
    expect(text(lines.push(b('fghij')))).toBe('abcdefgh\n');
    expect(lines.pendingBytes).toBe(2);
    expect(text(lines.push(b('k\n')))).toBe('ijk\n');
  });

  it('cuts an over-long tail after the whole lines of the same chunk, in pieces of the bound', () => {
    const lines = new LineBuffer(4);
    expect(text(lines.push(b('ok\n1234567890')))).toBe('ok\n1234\n5678\n');
    expect(lines.pendingBytes).toBe(2);
    expect(text(lines.flush())).toBe('90\n');
  });

  it('holds at most MAX_LINE_BYTES by default', () => {
    const lines = new LineBuffer();
    expect(lines.push(Buffer.alloc(MAX_LINE_BYTES - 1, 120))).toBeNull();
    const block = lines.push(b('yy'));
    expect(block?.length).toBe(MAX_LINE_BYTES + 1);
    expect(lines.pendingBytes).toBe(1);
  });

  it('keeps pending bytes as copies: later changes to the chunk do not show', () => {
    const lines = new LineBuffer();
    const chunk = b('abc');
    lines.push(chunk);
    chunk.fill(0);
    expect(text(lines.push(b('\n')))).toBe('abc\n');
  });

  it('cuts a long line of multi-byte characters only between characters', () => {
    for (const char of ['é', '€', '😀']) {
      for (let bound = 4; bound <= 13; bound++) {
        const lines = new LineBuffer(bound);
        const input = b(char.repeat(40));
        const out: Buffer[] = [];
        // Byte by byte and all at once must both cut on boundaries.
        for (const byte of input) {
          const block = lines.push(Buffer.from([byte]));
          if (block) out.push(block);
        }
        out.push(lines.flush() ?? b(''));
        const pieces = Buffer.concat(out).toString().split('\n').slice(0, -1);
        expect(pieces.join('')).toBe(char.repeat(40));
        for (const piece of pieces) expect(Buffer.byteLength(piece)).toBeLessThanOrEqual(bound);
        const whole = new LineBuffer(bound).push(Buffer.concat([input, b('')]));
        expect(whole?.toString()).not.toContain('\ufffd');
      }
    }
  });
});

describe('utf8CutPoint', () => {
  const bytes = b('a€'); // 61 e2 82 ac
  it.each([
    [1, 1],
    [2, 1],
    [3, 1],
    [4, 4],
  ])('cuts %i bytes of "a€" at %i', (end, cut) => {
    expect(utf8CutPoint(bytes, end)).toBe(cut);
  });

  it('cuts bytes that are not UTF-8 anywhere', () => {
    expect(utf8CutPoint(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80]), 5)).toBe(5);
    expect(utf8CutPoint(Buffer.from([0xff, 0xff]), 2)).toBe(2);
  });
});

describe('forEachLine', () => {
  it('reports each line without its newline', () => {
    const block = b('a\n\nccc\n');
    const seen: string[] = [];
    forEachLine(block, (start, end) => seen.push(block.toString('utf8', start, end)));
    expect(seen).toEqual(['a', '', 'ccc']);
  });
});

describe('prefixLines', () => {
  it('puts the prefix in front of every line', () => {
    expect(prefixLines(b('a\nbb\n\n'), b('> ')).toString()).toBe('> a\n> bb\n> \n');
  });

  it('handles blocks with more lines than its position table starts with', () => {
    const block = b('x\n'.repeat(5000));
    const out = prefixLines(block, b('p|'));
    expect(out.toString()).toBe('p|x\n'.repeat(5000));
  });

  it('gives the same bytes as a naive prefixing of each line (binary-safe)', () => {
    const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 37) % 256));
    const block = Buffer.concat([bytes, b('\n')]);
    const prefix = b('\u001b[36m12:00:00 web.1 |\u001b[39m ');
    const expected = Buffer.concat(
      block
        .toString('latin1')
        .split('\n')
        .slice(0, -1)
        .map((line) => Buffer.concat([prefix, Buffer.from(`${line}\n`, 'latin1')])),
    );
    expect(prefixLines(block, prefix).equals(expected)).toBe(true);
  });
});

describe('lineEnds', () => {
  it('gives the offset just past each newline, and nothing for a piece without one', () => {
    expect([...lineEnds(b('a\nbb\n\n'))]).toEqual([2, 5, 6]);
    expect([...lineEnds(b('no newline'))]).toEqual([]);
    expect([...lineEnds(b('a\ntail'))]).toEqual([2]);
  });

  it('counts what it would list (countLines)', () => {
    for (const text of ['a\nbb\n\n', 'no newline', 'a\ntail', 'x\n'.repeat(5000)])
      expect(countLines(b(text))).toBe(lineEnds(b(text)).length);
  });

  it('grows past its first table, and each result is its own copy', () => {
    const many = lineEnds(b('x\n'.repeat(5000)));
    expect(many).toHaveLength(5000);
    expect(many[4999]).toBe(10000);
    const first = lineEnds(b('a\n'));
    lineEnds(b('bbb\nc\n'));
    expect([...first]).toEqual([2]);
  });

  it('given to prefixLines, gives the same bytes as prefixLines finding them itself', () => {
    const block = b('one\n\nthree 3\n');
    expect(prefixLines(block, b('p| '), lineEnds(block)).equals(prefixLines(block, b('p| ')))).toBe(true);
  });
});
