// The built binary, end to end, on generated input: any option value, Procfile or env file gives
// exit 0, or exit 1 with one `ps-run:` line on stderr and no stack trace; nothing is started.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { makeApp, psRun } from './helpers.js';

// No ports: every case is rejected before a process starts, or is `check`, which starts none.
const app = makeApp({});
const spawned = path.join(app, 'spawned');
writeFileSync(path.join(app, 'GOOD.Procfile'), `web: touch ${spawned}\nworker: touch ${spawned}\n`);

afterAll(() => rmSync(app, { recursive: true, force: true }));

// argv cannot hold NUL; line breaks wait on the src/cli/program.ts fix (see the in-process test).
const value = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 10 }).filter((s) => !/[\0\n\r]/.test(s)),
  // Values some of the options accept, so that accepted runs are part of every sample.
  fc.constantFrom('5000', '200', 'GOOD.Procfile', '.', 'all=1', 'text', 'always', '10', '0.5'),
  fc.constantFrom(
    '',
    '0',
    '5000',
    '65536',
    '-1',
    '1.5',
    '3600',
    '1e3',
    ' 7 ',
    'json',
    'never',
    'all=2',
    'web=2,worker=0',
    '/dev/null',
    '--help',
  ),
);
const text = fc
  .array(
    fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom('\n', 'web: x', 'A=1', 'PORT=0', '"', '=', ':', '\0', '\u2028')),
    {
      maxLength: 12,
    },
  )
  .map((parts) => parts.join(''));

type Case =
  { kind: 'option'; command: 'check' | 'start' | 'run'; flag: string; value: string } | { kind: 'files'; procfile: string; env: string };

const kase: fc.Arbitrary<Case> = fc.oneof(
  fc.record({
    kind: fc.constant('option' as const),
    command: fc.constantFrom('check' as const, 'start' as const, 'run' as const),
    flag: fc.constantFrom(
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
    ),
    value,
  }),
  fc.record({ kind: fc.constant('files' as const), procfile: fc.oneof(text, fc.constant('web: x\n')), env: text }),
);

function argvOf(c: Case): string[] {
  if (c.kind === 'files') {
    writeFileSync(path.join(app, 'fuzz.Procfile'), c.procfile);
    writeFileSync(path.join(app, 'fuzz.env'), c.env);
    return ['check', '-f', 'fuzz.Procfile', '-e', 'fuzz.env'];
  }
  const option = `${c.flag}=${c.value}`;
  // start: `nosuchtype` fails at the formation once the options pass; run: a missing env file or
  // root does (whichever the generated option does not replace).
  if (c.command === 'start') return ['start', '-f', 'GOOD.Procfile', option, 'nosuchtype'];
  const missing = c.flag === '--env' ? ['-d', 'missing-dir'] : ['-e', 'missing.env'];
  if (c.command === 'run') return ['run', '-f', 'GOOD.Procfile', ...missing, option, `touch ${spawned}`];
  return ['check', '-f', 'GOOD.Procfile', option];
}

describe('the built CLI on generated input', () => {
  it('exits 0, or 1 with one ps-run: line, and starts nothing', async () => {
    let cases = 0;
    const counts = { 0: 0, 1: 0 };
    await fc.assert(
      fc.asyncProperty(kase, async (c) => {
        const argv = argvOf(c);
        const run = psRun(argv, { cwd: app });
        const status = await run.exited;
        const what = `ps-run ${JSON.stringify(argv)} -> ${status}, stderr ${JSON.stringify(run.stderr)}`;
        if (status === 0) {
          expect(run.stderr, what).toBe('');
          expect(argv[0], what).toBe('check');
        } else {
          expect(status, what).toBe(1);
          expect(run.stderr, what).toMatch(/^ps-run: [^\n\r]+\n$/);
          expect(run.stderr, what).not.toContain('    at ');
        }
        expect(existsSync(spawned), `${what}: a process ran`).toBe(false);
        counts[status === 0 ? 0 : 1]++;
        cases++;
      }),
      {
        numRuns: 36,
        // Accepted runs are rare among random values: two known ones are always part of the sample.
        examples: [
          [{ kind: 'option', command: 'check', flag: '--port', value: '6000' }],
          [{ kind: 'files', procfile: 'web: x\n', env: 'A="b"\n' }],
        ],
      },
    );
    console.log(`built CLI: ${cases} cases (${counts[0]} exit 0, ${counts[1]} exit 1)`);
  });
});
