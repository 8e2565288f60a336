// Property tests of the Procfile parser: valid Procfiles parse back to exactly their entries, and any
// line that is not blank, a comment or `name: command` is a UsageError naming file, line and text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check, usageError } from '../support/errors.js';
import { UsageError, oneLine, quote } from '../../src/errors.js';
import { parseProcfile, type ProcfileEntry } from '../../src/procfile.js';

const FILE = 'apps/Procfile';

const name = fc.stringMatching(/^[A-Za-z0-9_-]{1,10}$/).filter((n) => n !== 'all');
/** Any text a shell could take: one line, no NUL, no blanks around it (the parser trims them). */
const command = fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }).filter((c) => !/[\n\r\0]/.test(c) && c === c.trim() && c !== '');
const blank = fc.constantFrom('', ' ', '\t', ' \t ');
const filler = fc.oneof(
  blank,
  fc
    .string({ unit: 'binary', maxLength: 20 })
    .filter((c) => !c.includes('\n'))
    .map((c) => `# ${c}`),
  fc.constantFrom('#', '  # indented: comment', '#web: commented out'),
);

const procfile = fc
  .record({
    entries: fc.uniqueArray(
      fc.record({ name, command, indent: blank, gap: blank, trail: blank, before: fc.array(filler, { maxLength: 2 }) }),
      {
        selector: (e) => e.name,
        minLength: 1,
        maxLength: 8,
      },
    ),
    eol: fc.constantFrom('\n', '\r\n'),
    finalEol: fc.boolean(),
  })
  .map(({ entries, eol, finalEol }) => {
    const lines: string[] = [];
    const expected: ProcfileEntry[] = [];
    for (const e of entries) {
      lines.push(...e.before);
      lines.push(`${e.indent}${e.name}:${e.gap}${e.command}${e.trail}`);
      expected.push({ name: e.name, command: e.command, line: lines.length });
    }
    return { expected, text: lines.join(eol) + (finalEol ? eol : '') };
  });

describe('Procfile: accepted input round-trips', () => {
  it('a generated Procfile parses back to exactly its entries, with their line numbers', () => {
    check('procfile round trip', procfile, ({ expected, text }) => expect(parseProcfile(text, FILE)).toEqual(expected), 2000);
  });
});

describe('Procfile: any other line is an error naming file, line and text', () => {
  type Bad = { line: string; shows: string };
  const shows = (line: string): Bad => ({ line, shows: oneLine(quote(line.trim())) });
  const bad: fc.Arbitrary<Bad> = fc.oneof(
    // No colon at all.
    fc
      .string({ unit: 'binary', maxLength: 20 })
      .filter((s) => !/[:\n]/.test(s) && s.trim() !== '' && !s.trim().startsWith('#'))
      .map(shows),
    // A name with a character outside [A-Za-z0-9_-], or no name.
    fc.tuple(name, fc.constantFrom(' ', '.', 'é', '$', '/', '*'), name, command).map(([a, c, b, cmd]) => shows(`${a}${c}${b}: ${cmd}`)),
    command.map((cmd) => shows(`: ${cmd}`)),
    // A type without a command; the reserved name; what no command can hold.
    fc.tuple(name, blank).map(([n, b]) => ({ line: `${n}:${b}`, shows: `"${n}"` })),
    command.map((cmd) => ({ line: `all: ${cmd}`, shows: '"all"' })),
    fc.tuple(name, fc.constantFrom('\0', '\r')).map(([n, c]) => ({ line: `${n}: a${c}b`, shows: `"${n}` })),
  );

  it('a bad line anywhere in a valid Procfile is rejected at that line', () => {
    check(
      'procfile bad line',
      fc.tuple(procfile, bad, fc.nat()),
      ([{ text }, { line, shows }, where]) => {
        const lines = text.split('\n');
        const at = where % (lines.length + 1);
        lines.splice(at, 0, line);
        const error = usageError(() => parseProcfile(lines.join('\n'), FILE));
        expect(error.file).toBe(FILE);
        expect(error.line).toBe(at + 1);
        expect(error.message).toContain(`${FILE}:${at + 1}: `);
        expect(error.message).toContain(shows);
        expect(error.message).not.toMatch(/[\n\r]/);
      },
      2000,
    );
  });

  it('a second entry of one name is rejected at the second, naming the first', () => {
    check(
      'procfile duplicate',
      fc.tuple(procfile, fc.nat(), command),
      ([{ expected, text }, which, cmd]) => {
        const first = expected[which % expected.length] as ProcfileEntry;
        const lines = text.replace(/\r?\n$/, '').split(/\r?\n/);
        lines.push(`${first.name}: ${cmd}`);
        const error = usageError(() => parseProcfile(lines.join('\n'), FILE));
        expect(error.line).toBe(lines.length);
        expect(error.message).toContain(`"${first.name}" (first defined on line ${first.line})`);
      },
      500,
    );
  });

  it('any text parses to one entry per non-blank, non-comment line, or is a UsageError', () => {
    const text = fc
      .array(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 6 }),
          fc.constantFrom('\n', '\r\n', ':', ' ', '#', 'web', 'all', ': x', '\0', '\r'),
        ),
        {
          maxLength: 30,
        },
      )
      .map((parts) => parts.join(''));
    check(
      'procfile any text',
      text,
      (input) => {
        let entries: ProcfileEntry[];
        try {
          entries = parseProcfile(input, FILE);
        } catch (error) {
          expect(error).toBeInstanceOf(UsageError);
          expect((error as UsageError).message).toMatch(/^apps\/Procfile(:\d+)?: [^\n\r]+$/);
          return;
        }
        const lines = input.split('\n');
        const meaningful = lines.filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
        expect(entries).toHaveLength(meaningful.length);
        for (const entry of entries) {
          const source = (lines[entry.line - 1] ?? '').trim();
          expect(source.startsWith(`${entry.name}:`)).toBe(true);
          expect(source.endsWith(entry.command)).toBe(true);
        }
      },
      3000,
    );
  });
});
