// Procfiles as found in the wild: byte order marks, UTF-16, indented entries, lines continued with "\".
import { describe, expect, it } from 'vitest';
import { decodeUtf8, utf16Order } from '../../src/env.js';
import { parseProcfile } from '../../src/procfile.js';
import { usageError } from '../support/errors.js';

const utf16le = (text: string): Buffer => Buffer.from(text, 'utf16le');
const utf16be = (text: string): Buffer => Buffer.from(utf16le(text)).swap16();

describe('utf16Order', () => {
  it.each([
    ['a little-endian byte order mark', Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le('web: a\n')]), 'little-endian'],
    ['a big-endian byte order mark', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be('web: a\n')]), 'big-endian'],
    ['little-endian ASCII without a mark', utf16le('web: node server.js\r\n'), 'little-endian'],
    ['big-endian ASCII without a mark', utf16be('web: node server.js\n'), 'big-endian'],
    ['a mark alone', Buffer.from([0xff, 0xfe]), 'little-endian'],
  ])('names UTF-16 from %s', (_what, bytes, order) => {
    expect(utf16Order(bytes)).toBe(order);
  });

  it.each([
    ['UTF-8 text', Buffer.from('web: node server.js\n')],
    ['UTF-8 with a byte order mark', Buffer.from('\uFEFFweb: a\n')],
    ['one NUL in UTF-8 text', Buffer.from('web: a\0b\n')],
    ['too short to tell', Buffer.from('w\0')],
    ['an empty file', Buffer.alloc(0)],
  ])('leaves %s alone', (_what, bytes) => {
    expect(utf16Order(bytes)).toBeUndefined();
  });
});

describe('decodeUtf8', () => {
  it('drops a UTF-8 byte order mark', () => {
    expect(decodeUtf8(Buffer.from('\uFEFFweb: a\n'), 'P')).toBe('web: a\n');
  });

  it('keeps a U+FEFF that is not at the start', () => {
    expect(decodeUtf8(Buffer.from('a\uFEFF'), 'P')).toBe('a\uFEFF');
  });

  it('names UTF-16 with the label, the file and the fix', () => {
    const error = usageError(() =>
      decodeUtf8(Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le('web: a\n')]), '/app/Procfile', 'Procfile'),
    );
    expect(error.message).toBe('Procfile /app/Procfile is UTF-16 (little-endian); save it as UTF-8');
    expect(error.file).toBe('/app/Procfile');
    expect(error.hint).toContain('Out-File -Encoding utf8');
  });

  it('names UTF-16 of an env file without a label', () => {
    expect(usageError(() => decodeUtf8(utf16be('A=1\n'), '/app/.env')).message).toBe('/app/.env is UTF-16 (big-endian); save it as UTF-8');
  });
});

describe('parseProcfile: corrections', () => {
  it('drops a byte order mark before the first entry, so the first type keeps its name and port slot', () => {
    expect(parseProcfile('\uFEFFweb: a\nworker: b\n')).toEqual([
      { name: 'web', command: 'a', line: 1 },
      { name: 'worker', command: 'b', line: 2 },
    ]);
  });

  it('counts indented entries (foreman skips them), in file order', () => {
    expect(parseProcfile('web: a\n  css: b\n\tjs: c\nworker: d\n').map((e) => [e.name, e.line])).toEqual([
      ['web', 1],
      ['css', 2],
      ['js', 3],
      ['worker', 4],
    ]);
  });

  it('accepts "-" anywhere in a name, as foreman and honcho do', () => {
    expect(parseProcfile('css-watch: a\n-x-: b\n').map((e) => e.name)).toEqual(['css-watch', '-x-']);
  });

  it('rejects an indented line that continues an entry ending with "\\"', () => {
    const error = usageError(() => parseProcfile('web: bundle exec puma \\\n  -C config/puma.rb\n', 'Procfile.dev'));
    expect(error.message).toBe('Procfile.dev:2: an entry is one line, but line 1 ends with "\\" and this line continues it');
    expect(error.line).toBe(2);
  });

  it('does not take a "\\" line followed by an entry that starts at the margin for a continuation', () => {
    expect(parseProcfile('web: echo \\\\\nworker: b\n').map((e) => e.name)).toEqual(['web', 'worker']);
  });

  it('does not take an indented entry after a blank line for a continuation', () => {
    expect(parseProcfile('web: a \\\n\n  worker: b\n').map((e) => e.name)).toEqual(['web', 'worker']);
  });
});
