// Property tests of env files: dotenv reads what it accepts exactly as written, and whatever it would
// skip or misread is a UsageError naming the file and the line.
import { parse } from 'dotenv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check, usageError } from '../support/errors.js';
import { checkEnvText, decodeUtf8, normalizeEnvText, parseEnvFiles, scanEnvText } from '../../src/env.js';
import { UsageError } from '../../src/errors.js';

const FILE = 'conf/.env';

// --- generators ---------------------------------------------------------------------------------

const QUOTES = `'"\``;
const key = fc.stringMatching(/^[\w.-]{1,12}$/).filter((k) => k !== '__proto__');
/** Any text, weighted toward the characters dotenv's grammar cares about. */
const anyChar = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom('A', 'b', '_', '.', '-', '1', ' ', '\t', '=', ':', '#', '"', "'", '`', '\\', 'n', '\n', '\r', '$'),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);
const anyText = fc
  .array(fc.oneof(anyChar, fc.constantFrom('export ', 'KEY=', 'A=1', '__proto__', '\r\n', '\u2028', '\0')), { maxLength: 60 })
  .map((parts) => parts.join(''));

const noLineBreak = (s: string): boolean => !/[\r\n\u2028\u2029]/.test(s);
const valueChars = fc.string({ unit: 'binary', maxLength: 20 }).filter((v) => !v.includes('\0'));

type Style = 'plain' | 'single' | 'double' | 'backtick';
interface Variable {
  key: string;
  value: string;
  style: Style;
}

/** A value and a quoting style that can write it. */
const variable: fc.Arbitrary<Variable> = fc.oneof(
  // Unquoted: one line, no `#`, no surrounding blanks, not opening a quote.
  fc.record({
    key,
    value: valueChars.filter((v) => noLineBreak(v) && !v.includes('#') && v === v.trim() && !QUOTES.includes(v[0] ?? '')),
    style: fc.constant<Style>('plain'),
  }),
  fc.record({ key, value: valueChars.filter((v) => !v.includes("'") && !v.includes('\r')), style: fc.constant<Style>('single') }),
  // Double quotes expand \n and \r: the value may hold real line breaks, but no backslash before n or r.
  fc.record({ key, value: valueChars.filter((v) => !v.includes('"') && !/\\[nr]/.test(v)), style: fc.constant<Style>('double') }),
  fc.record({ key, value: valueChars.filter((v) => !v.includes('`') && !v.includes('\r')), style: fc.constant<Style>('backtick') }),
);

interface Layout {
  prefix: string;
  separator: string;
  comment: string;
  escapeNewlines: boolean;
}

const layout: fc.Arbitrary<Layout> = fc.record({
  prefix: fc.constantFrom('', '  ', '\t', 'export ', '  export\t'),
  separator: fc.constantFrom('=', ' = ', '\t=', ': ', ':\t'),
  comment: fc.oneof(
    fc.constant(''),
    fc
      .string({ maxLength: 10 })
      .filter(noLineBreak)
      .map((c) => ` # ${c}`),
  ),
  escapeNewlines: fc.boolean(),
});

function render(v: Variable, l: Layout): string {
  let value: string;
  if (v.style === 'plain') value = v.value;
  else if (v.style === 'single') value = `'${v.value}'`;
  else if (v.style === 'backtick') value = `\`${v.value}\``;
  else {
    const body = v.value.replace(/\r/g, '\\r');
    value = `"${l.escapeNewlines ? body.replace(/\n/g, '\\n') : body}"`;
  }
  // `KEY:` needs a blank after it even with nothing following; give empty plain values `=`.
  const separator = v.style === 'plain' && v.value === '' ? '=' : l.separator;
  // A comment after an unquoted value would be taken into the value only if it had no blank before `#`.
  return `${l.prefix}${v.key}${separator}${value}${l.comment}`;
}

const filler = fc.constantFrom('', '   ', '# a comment', '  # indented = comment', '#', '#KEY=not read');

/** An env file: variables with distinct keys, in random styles, between blank and comment lines. */
const envFileOf = (variable: fc.Arbitrary<Variable>): fc.Arbitrary<{ vars: Variable[]; text: string }> =>
  fc
    .record({
      vars: fc.uniqueArray(fc.tuple(variable, layout, filler), { selector: ([v]) => v.key, maxLength: 8 }),
      eol: fc.constantFrom('\n', '\r\n'),
      finalEol: fc.boolean(),
    })
    .map(({ vars, eol, finalEol }) => {
      const lines: string[] = [];
      for (const [v, l, fill] of vars) {
        if (fill !== '') lines.push(fill);
        lines.push(render(v, l).replace(/\n/g, eol));
      }
      return { vars: vars.map(([v]) => v), text: lines.join(eol) + (finalEol ? eol : '') };
    });
const envFile = envFileOf(variable);
/**
 * Only one-line values and no quote anywhere: a quote left open runs on to the next line that ends
 * with the same quote, which dotenv reads as a multi-line value (and so do we: see below).
 */
const simpleEnvFile = envFileOf(fc.record({ key, value: fc.stringMatching(/^[\w./-]{1,10}$/), style: fc.constant<Style>('plain') })).filter(
  ({ text }) => !/['"`]/.test(text),
);

// --- properties ---------------------------------------------------------------------------------

describe('env files: dotenv grammar', () => {
  it('scanEnvText finds exactly the assignments dotenv.parse finds, with the same values', () => {
    check(
      'env scan vs dotenv',
      anyText,
      (text) => {
        const ours = scanEnvText(text);
        const theirs = parse(text);
        expect(new Set(ours.map((a) => a.key).filter((k) => k !== '__proto__'))).toEqual(new Set(Object.keys(theirs)));
        const normalized = normalizeEnvText(text);
        const last = new Map(ours.map((a) => [a.key, a]));
        for (const [k, a] of last) {
          if (k === '__proto__') continue;
          expect(parse(normalized.slice(a.start, a.end))[k]).toBe(theirs[k]);
        }
      },
      3000,
    );
  });
});

describe('env files: accepted input round-trips', () => {
  it('variables written in any quoting style parse back to exactly those values', () => {
    check(
      'env round trip',
      envFile,
      ({ vars, text }) => {
        const expected = Object.fromEntries(vars.map((v) => [v.key, v.value]));
        expect(parseEnvFiles([{ path: FILE, text }])).toEqual(expected);
      },
      1500,
    );
  });
});

describe('env files: what dotenv would skip or misread is an error at its line', () => {
  const bad = fc.oneof(
    // Not KEY=value at all: no separator, no key, a key dotenv cannot read.
    fc.string({ maxLength: 15 }).filter((s) => noLineBreak(s) && s.trim() !== '' && !/[=:#"'`]/.test(s) && !s.trim().startsWith('#')),
    fc
      .string({ maxLength: 10 })
      .filter(noLineBreak)
      .map((s) => `=${s}`),
    fc.tuple(key, fc.constantFrom(' ', '$', 'ä', '!', '/', '{'), key).map(([a, c, b]) => `${a}${c}${b}=1`),
    // A quote opened and not closed, or text after the closing quote.
    fc.tuple(key, fc.constantFrom('"', "'", '`'), fc.stringMatching(/^[a-z ]{0,8}$/)).map(([k, q, v]) => `${k}=${q}${v}`),
    fc.tuple(key, fc.constantFrom('"', "'"), fc.stringMatching(/^[a-z]{1,5}$/)).map(([k, q, v]) => `${k}=${q}${v}${q} tail`),
    fc.constantFrom('__proto__=x', 'KEY=a\0b', 'KEY="a\0b"', 'KEY=a\u2028b', 'export KEY', '# fine\u2028KEY=1'),
  );

  it('a bad line anywhere in a good file is a UsageError naming the file and that line', () => {
    check(
      'env bad line',
      fc.tuple(simpleEnvFile, bad, fc.nat()),
      ([{ text }, line, where]) => {
        const lines = text.split(/\r?\n/);
        const at = where % (lines.length + 1);
        lines.splice(at, 0, line);
        const error = usageError(() => parseEnvFiles([{ path: FILE, text: lines.join('\n') }]));
        expect(error.file).toBe(FILE);
        expect(error.line).toBe(at + 1);
        expect(error.message).toContain(`${FILE}:${at + 1}: `);
        expect(error.message).not.toMatch(/[\n\r]/);
      },
      1500,
    );
  });

  it.each([
    ['FOO BAR', 1],
    ['=value', 1],
    ['A=1\nFOO\n=bar', 2],
    ['A=\n"quoted on the next line"', 1],
    ['A:\nB=1', 1],
    ['A="never closed\nB=2', 1],
    ["A='x' y", 1],
    ['export\nFOO=1', 1],
    ['A=1\n__proto__=polluted', 2],
  ])('%j is rejected at line %i', (text, line) => {
    expect(usageError(() => checkEnvText(text, FILE)).line).toBe(line);
  });

  it('a quote left open up to a later line ending in that quote is one multi-line value, as dotenv reads it', () => {
    expect(parseEnvFiles([{ path: FILE, text: 'A="open\nB=1 # closed"\nC=2' }])).toEqual({ A: 'open\nB=1 # closed', C: '2' });
  });

  it('any text is read or rejected with a UsageError, never another error', () => {
    check(
      'env any text',
      anyText,
      (text) => {
        try {
          parseEnvFiles([{ path: FILE, text }]);
        } catch (error) {
          expect(error).toBeInstanceOf(UsageError);
          expect((error as UsageError).line).toBeGreaterThanOrEqual(1);
          expect((error as UsageError).message).toMatch(new RegExp(`^conf/\\.env:\\d+: [^\\n\\r]+$`));
        }
      },
      3000,
    );
  });

  it('bytes that are not UTF-8 are an error at their line, not U+FFFD in a value', () => {
    check(
      'env bytes',
      fc.tuple(
        fc.array(fc.stringMatching(/^[A-Z]{1,4}=[a-z]{0,4}$/), { maxLength: 6 }),
        fc.nat(),
        fc.constantFrom([0xff], [0xc3], [0xe9, 0x0a], [0xed, 0xa0, 0x80]),
      ),
      ([lines, where, bytes]) => {
        const at = where % (lines.length + 1);
        const before = Buffer.from(
          lines
            .slice(0, at)
            .map((l) => `${l}\n`)
            .join('') + 'BAD=caf',
        );
        const after = Buffer.from(['', ...lines.slice(at)].join('\n'));
        const error = usageError(() => decodeUtf8(Buffer.concat([before, Buffer.from(bytes), after]), FILE));
        expect(error.line).toBe(at + 1);
        expect(error.message).toContain(`${FILE}:${at + 1}: not valid UTF-8`);
        expect(decodeUtf8(Buffer.concat([before, after]), FILE)).toBe(before.toString() + after.toString());
      },
      500,
    );
  });
});
