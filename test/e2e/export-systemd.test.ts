// `ps-run export systemd`: every unit it writes passes `systemd-analyze verify` (no warnings either),
// and the check is real: a broken unit fails it.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeApp, psRun } from './helpers.js';

const hasAnalyze = spawnSync('sh', ['-c', 'command -v systemd-analyze']).status === 0;

/** Exit status and output of `systemd-analyze verify` on the given unit files (no systemd needs to run). */
function verify(files: string[]): { status: number | null; output: string } {
  const run = spawnSync('systemd-analyze', ['verify', '--man=no', ...files], { encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

describe.skipIf(!hasAnalyze)('export systemd, checked by systemd-analyze verify', () => {
  it('writes units that verify cleanly, hostile env values and all', async () => {
    const app = makeApp({
      Procfile:
        'web: node server.js --greeting "hi; there" 100% $PORT\nworker: echo \'single\' "double" \\\\back `tick` ${HOME}\nclock: true\n',
      '.env': [
        "SPACES='  two  spaces  '",
        "QUOTES='say \"hi\" it'\"'\"'s'",
        "DOLLAR='$HOME ${PATH} $$'",
        "PERCENT='100% %n %h %%'",
        "BACKSLASH='C:\\path\\n \\'",
        'NEWLINE="line one\\nline two"',
        "UNICODE='größe ☃ 日本 🎉'",
        'EMPTY=',
        '',
      ].join('\n'),
    });
    dirs.push(app);
    const run = psRun(
      [
        'export',
        'systemd',
        'units',
        '-a',
        'shop',
        '-u',
        'root',
        '-l',
        '/var/log/shop',
        '-t',
        '2.5',
        '-p',
        '31300',
        'web=2',
        'worker',
        'clock=0',
      ],
      {
        cwd: app,
      },
    );
    expect(await run.exited, run.stderr).toBe(0);
    const units = readdirSync(path.join(app, 'units')).filter((f) => !f.startsWith('.'));
    expect(units.sort()).toEqual(['shop-web.1.service', 'shop-web.2.service', 'shop-worker.1.service', 'shop.target']);
    const result = verify(units.map((u) => path.join(app, 'units', u)));
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  it('fails a broken unit, so the check above can fail', () => {
    const dir = makeApp({});
    dirs.push(dir);
    const broken = path.join(dir, 'broken.service');
    writeFileSync(broken, '[Service]\nExecStart=/bin/sh -c "unbalanced\nRestart=sometimes\n');
    const result = verify([broken]);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/Unbalanced quoting/);
  });

  it('passes a unit with a setting it ignores, but prints why: so the output must be empty too', () => {
    const dir = makeApp({});
    dirs.push(dir);
    const warned = path.join(dir, 'warned.service');
    writeFileSync(warned, '[Service]\nExecStart=/bin/true\nEnvironment="A=%Q"\n');
    const result = verify([warned]);
    expect(result.status).toBe(0);
    expect(result.output).toMatch(/Failed to resolve specifiers/);
  });
});
