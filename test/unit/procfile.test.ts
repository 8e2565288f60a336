// parseProcfile: the Procfile grammar and its error messages.
import { describe, expect, it } from 'vitest';
import { parseProcfile } from '../../src/procfile.js';
import { UsageError } from '../../src/errors.js';

function errorOf(text: string, file = 'Procfile'): UsageError {
  try {
    parseProcfile(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected parseProcfile to throw');
}

describe('parseProcfile', () => {
  it.each([
    ['a simple line', 'web: node server.js', [{ name: 'web', command: 'node server.js', line: 1 }]],
    ['no space after the colon', 'web:node server.js', [{ name: 'web', command: 'node server.js', line: 1 }]],
    ['names with digits, _ and -', 'a_b-1: x', [{ name: 'a_b-1', command: 'x', line: 1 }]],
    [
      'a command containing ":" and "#"',
      'web: echo "a:b # not a comment"',
      [{ name: 'web', command: 'echo "a:b # not a comment"', line: 1 }],
    ],
    [
      'a URL in the command',
      'worker: curl http://127.0.0.1:5000/#x',
      [{ name: 'worker', command: 'curl http://127.0.0.1:5000/#x', line: 1 }],
    ],
    ['trailing blanks trimmed', 'web:   run it   \t', [{ name: 'web', command: 'run it', line: 1 }]],
  ])('parses %s', (_what, text, expected) => {
    expect(parseProcfile(text)).toEqual(expected);
  });

  it('skips blank lines and comments and keeps line numbers of the file', () => {
    const text = '# a comment\n\n   \nweb: a\n  # indented comment\nworker: b\n';
    expect(parseProcfile(text)).toEqual([
      { name: 'web', command: 'a', line: 4 },
      { name: 'worker', command: 'b', line: 6 },
    ]);
  });

  it('accepts CRLF line endings without keeping the \\r', () => {
    expect(parseProcfile('web: a\r\nworker: b c\r\n')).toEqual([
      { name: 'web', command: 'a', line: 1 },
      { name: 'worker', command: 'b c', line: 2 },
    ]);
  });

  it('keeps Procfile order', () => {
    expect(parseProcfile('c: 1\na: 2\nb: 3').map((e) => e.name)).toEqual(['c', 'a', 'b']);
  });

  it.each([
    ['no colon', 'web node server.js'],
    ['a space in the name', 'my web: node'],
    ['a dot in the name', 'web.1: node'],
    ['an empty name', ': node'],
  ])('rejects a line with %s, naming file, line and text', (_what, bad) => {
    const error = errorOf(`web: ok\n\n${bad}\n`, 'apps/Procfile');
    expect(error.message).toContain('apps/Procfile:3');
    expect(error.message).toContain(JSON.stringify(bad));
    expect(error.file).toBe('apps/Procfile');
    expect(error.line).toBe(3);
  });

  it('rejects a process type without a command', () => {
    const error = errorOf('web:   \n', 'P');
    expect(error.message).toContain('P:1');
    expect(error.message).toContain('web');
  });

  it('rejects a duplicate name, naming both lines', () => {
    const error = errorOf('web: a\nworker: b\nweb: c\n', 'P');
    expect(error.message).toContain('P:3');
    expect(error.message).toMatch(/line 1\b/);
    expect(error.message).toContain('"web"');
    expect(error.line).toBe(3);
  });

  it.each([
    ['empty', ''],
    ['only comments and blanks', '# nothing\n\n  \r\n'],
  ])('rejects a Procfile that is %s', (_what, text) => {
    const error = errorOf(text, 'somewhere/Procfile');
    expect(error.message).toContain('somewhere/Procfile');
    expect(error.message).toMatch(/no process/);
  });

  it('keeps a very long bad line on one line in the message', () => {
    const error = errorOf(`${'x'.repeat(500)}\n`);
    expect(error.message).not.toContain('\n');
    expect(error.message.length).toBeLessThan(300);
  });
});
