// Property tests of the CLI in-process (`main(argv, stderr)`): for any value of any option, any
// formation and any Procfile or env file, ps-run exits 0, or exits 1 with one `ps-run:` line on
// stderr and no stack trace; options are checked before any process starts.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Command, Option } from 'commander';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { buildProgram } from '../../src/cli/program.js';

interface Outcome {
  status: number;
  stdout: string;
  stderr: string;
}

let dir = '';
let home = '';
/** Every process type of GOOD and BAD creates this file if it ever runs. */
let spawned = '';
let good = '';
let bad = '';

beforeAll(() => {
  home = process.cwd();
  dir = mkdtempSync(path.join(tmpdir(), 'ps-run-property-cli-'));
  spawned = path.join(dir, 'spawned');
  good = path.join(dir, 'GOOD.Procfile');
  bad = path.join(dir, 'BAD.Procfile');
  writeFileSync(good, `web: touch ${spawned}\nworker: touch ${spawned}\n`);
  // Valid up to its last line: any command reading it fails after parsing its options.
  writeFileSync(bad, `web: touch ${spawned}\nthis line is not a process type\n`);
  // Relative paths in generated values resolve here, away from the repository.
  process.chdir(dir);
});

afterAll(() => {
  process.chdir(home);
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => vi.restoreAllMocks());

async function cli(argv: string[]): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  });
  const err = new Writable({
    write(chunk: Buffer, _encoding, done) {
      stderr += chunk.toString();
      done();
    },
  });
  try {
    const status = await main(['node', 'ps-run', ...argv], err);
    return { status, stdout, stderr };
  } finally {
    vi.restoreAllMocks();
  }
}

/** Outcomes of the property running now, printed with its case count. */
const tally = { accepted: 0, rejected: 0, pastOptions: 0 };

/** Exit 0 with nothing on stderr, or exit 1 with exactly one `ps-run:` line and no stack frame. */
function expectAcceptedOrOneLine(outcome: Outcome, argv: string[]): void {
  const what = `argv ${JSON.stringify(argv)} -> ${outcome.status}, stderr ${JSON.stringify(outcome.stderr)}`;
  tally[outcome.status === 0 ? 'accepted' : 'rejected']++;
  if (outcome.status === 0) {
    expect(outcome.stderr, what).toBe('');
    return;
  }
  expect(outcome.status, what).toBe(1);
  expect(outcome.stderr, what).toMatch(/^ps-run: [^\n\r]+\n$/);
  expect(outcome.stderr, what).not.toContain('    at ');
  expect(existsSync(spawned), `${what}: a process ran`).toBe(false);
}

/** Runs an async property, then prints how many cases it tried. */
async function check<T>(label: string, arbitrary: fc.Arbitrary<T>, predicate: (value: T) => Promise<void>, numRuns: number): Promise<void> {
  let cases = 0;
  tally.accepted = tally.rejected = tally.pastOptions = 0;
  await fc.assert(
    fc.asyncProperty(arbitrary, async (value) => {
      await predicate(value);
      cases++;
    }),
    { numRuns },
  );
  const past = tally.pastOptions > 0 ? `, ${tally.pastOptions} of them past the options` : '';
  console.log(`${label}: ${cases} cases (runs of main: ${tally.accepted} exit 0, ${tally.rejected} exit 1${past})`);
}

const value = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('a\nb', '\r', '5000\n', 'json\r\n'),
  fc.integer({ min: -70_000, max: 70_000 }).map(String),
  fc.double().map(String),
  fc.constantFrom(
    ...['', ' ', '0', '1', '00', '65535', '65536', '3600', '3600.5', '0.5', '.5', '5.', '1e3', '0x10', '+5', '-0', ' 7 ', '１２', '٣'],
    ...['NaN', 'Infinity', '9'.repeat(30), 'text', 'json', 'TEXT', 'never', 'always', 'on-failure', 'all=2,worker=0', 'web=2'],
    ...['web=99999', '/dev/null', '/', '.', '..', 'nonexistent/x', '--help', '-h', '-V', 'a\0b', '\t'],
  ),
);

interface ValueOption {
  command: string;
  option: Option;
  /** Positional arguments the command requires, as placeholders. */
  positionals: string[];
}

/** Every option that takes a value, of every command the program registers. */
function valueOptions(): ValueOption[] {
  const program = buildProgram({ exitCode: 0, argv: [] }, () => undefined);
  const found: ValueOption[] = [];
  for (const command of program.commands as Command[]) {
    const positionals = command.registeredArguments
      .filter((a) => a.required)
      .flatMap((a) => (a.variadic ? ['touch', spawned] : [`placeholder-${a.name()}`]));
    for (const option of command.options as Option[]) {
      if (option.required || option.optional) found.push({ command: command.name(), option, positionals });
    }
  }
  return found;
}

/** `--long value`, `--long=value`, `-s value` and `-svalue`. */
function spellings(option: Option, v: string): string[][] {
  const forms = [[option.long as string, v], [`${option.long as string}=${v}`]];
  if (option.short) forms.push([option.short, v], [`${option.short}${v}`]);
  return forms;
}

describe('every option value: accepted, or one ps-run: line and exit 1', () => {
  it('lists the options it covers', () => {
    const options = valueOptions();
    const start = options.filter((o) => o.command === 'start').map((o) => o.option.long);
    // The options issue 4 names, at least; new ones are covered as they are added.
    for (const flag of [
      '--procfile',
      '--root',
      '--env',
      '--port',
      '--port-step',
      '--formation',
      '--timeout',
      '--restart',
      '--max-restarts',
      '--log-format',
    ]) {
      expect(start).toContain(flag);
    }
    console.log(`options with values: ${options.map((o) => `${o.command} ${o.option.long}`).join(', ')}`);
  });

  it('through every command, reading a Procfile that fails only after the options are parsed', async () => {
    const options = valueOptions();
    await check(
      'cli option values, every command',
      fc.tuple(fc.constantFrom(...options), value, fc.nat()),
      async ([{ command, option, positionals }, v, form]) => {
        const spelled = spellings(option, v);
        const argv = [command, '-f', bad, ...(spelled[form % spelled.length] as string[]), ...positionals];
        const outcome = await cli(argv);
        expectAcceptedOrOneLine(outcome, argv);
        if (outcome.stderr.includes('BAD.Procfile:2:')) tally.pastOptions++;
      },
      1200,
    );
  });

  it('through check with a valid Procfile: an accepted port is the number typed, ports and step alike', async () => {
    await check(
      'cli check ports',
      fc.tuple(fc.constantFrom('--port', '--port-step', '-p'), value),
      async ([flag, v]) => {
        // A fixed base for --port-step, whatever PORT the environment holds.
        const argv = ['check', '-f', good, ...(flag === '--port-step' ? ['-p', '5000'] : []), flag, v];
        const outcome = await cli(argv);
        expectAcceptedOrOneLine(outcome, argv);
        if (outcome.status !== 0) return;
        // Digits only, and the plan shows exactly that number.
        expect(v.trim()).toMatch(/^\d+$/);
        const n = Number(v.trim());
        const [base, step] = flag === '--port-step' ? [5000, n] : [n, 100];
        expect(outcome.stdout).toContain(`port ${base}`);
        expect(outcome.stdout).toContain(`port ${base + step}`);
      },
      600,
    );
  });

  it('through start: no value, right or wrong, starts a process before the options are checked', async () => {
    const options = valueOptions().filter((o) => o.command === 'start');
    await check(
      'cli start option values',
      fc.tuple(fc.constantFrom(...options), value),
      async ([{ option }, v]) => {
        // `nosuchtype` makes a run with valid options fail at the formation, before anything is spawned.
        const argv = ['start', '-f', good, `${option.long as string}=${v}`, 'nosuchtype'];
        const outcome = await cli(argv);
        expectAcceptedOrOneLine(outcome, argv);
        expect(outcome.status).toBe(1);
        if (outcome.stderr.includes('"nosuchtype"')) tally.pastOptions++;
      },
      400,
    );
  });
});

describe('names ps-run does not know: one ps-run: line', () => {
  const near = fc.constantFrom('--prot', '--port-stp', '-x', '--formaton', '--lgo-format', '--pro\ncfile', '--\u2028');
  it('a misspelled option, with or without a suggestion, and an unknown command', async () => {
    await check(
      'cli unknown names',
      fc.tuple(
        fc.constantFrom('check', 'start', 'run'),
        fc.oneof(
          near,
          fc.string({ unit: 'binary', maxLength: 6 }).map((s) => `--${s}`),
        ),
      ),
      async ([command, flag]) => {
        const argv = [command, '-f', bad, flag];
        expectAcceptedOrOneLine(await cli(argv), argv);
        const unknown = [`chek${flag}`];
        expectAcceptedOrOneLine(await cli(unknown), unknown);
      },
      300,
    );
  });
});

describe('formations and files through check: accepted, or one ps-run: line and exit 1', () => {
  // Line breaks included: these reach ps-run's own parsers, whose messages quote them on one line.
  const word = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 8 }),
    fc.constantFrom('web\n=2', 'a\r\nb'),
    fc.constantFrom('web', 'worker', 'all', 'web=2', 'worker=0', 'all=0', 'web=101', 'web=1,worker=2', 'web=', '=1', ',', 'nosuch=1'),
  );

  it('positional formation words and -m', async () => {
    await check(
      'cli formations',
      fc.tuple(fc.array(word, { maxLength: 4 }), fc.option(word, { nil: undefined })),
      async ([words, m]) => {
        const argv = ['check', '-f', good, ...(m === undefined ? [] : ['-m', m]), '--', ...words];
        expectAcceptedOrOneLine(await cli(argv), argv);
      },
      600,
    );
  });

  const text = fc
    .array(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 6 }),
        fc.constantFrom(
          '\n',
          '\r\n',
          'web: x',
          'A=1',
          'PORT=',
          'PORT=70000',
          '"',
          "'",
          '#',
          ':',
          '=',
          'all: x',
          '\0',
          '\u2028',
          '${A}',
          '$${',
          '${',
        ),
      ),
      { maxLength: 20 },
    )
    .map((parts) => parts.join(''));

  it('any Procfile and any env file', async () => {
    const procfile = path.join(dir, 'fuzz.Procfile');
    const env = path.join(dir, 'fuzz.env');
    await check(
      'cli files',
      fc.tuple(text, text, fc.boolean()),
      async ([procfileText, envText, fuzzProcfile]) => {
        writeFileSync(procfile, fuzzProcfile ? procfileText : `web: touch ${spawned}\n`);
        writeFileSync(env, envText);
        const argv = ['check', '-f', procfile, '-e', env];
        expectAcceptedOrOneLine(await cli(argv), argv);
      },
      600,
    );
  });
});
