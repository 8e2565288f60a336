// The built CLI on Procfiles as found in the wild: one `ps-run:` line for UTF-16 and near misses,
// and the corrections (byte order mark, indented entries) visible in `check`.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitWithin, makeApp, psRun } from './helpers.js';

async function check(dir: string, args: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  const run = psRun(['check', ...args], { cwd: dir });
  const code = await exitWithin(run);
  return { code, stdout: run.stdout, stderr: run.stderr };
}

describe('Procfile messages', () => {
  it('names a UTF-16 Procfile with a byte order mark', async () => {
    const dir = makeApp({});
    writeFileSync(path.join(dir, 'Procfile'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('web: node a.js\r\n', 'utf16le')]));
    const { code, stdout, stderr } = await check(dir);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `ps-run: Procfile ${path.join(dir, 'Procfile')} is UTF-16 (little-endian); save it as UTF-8 (PowerShell 5 writes UTF-16 with ">"; use Out-File -Encoding utf8)\n`,
    );
  });

  it('names a UTF-16 Procfile without a byte order mark', async () => {
    const dir = makeApp({});
    writeFileSync(path.join(dir, 'Procfile.dev'), Buffer.from('web: node a.js\n', 'utf16le').swap16());
    const { code, stderr } = await check(dir, ['-f', 'Procfile.dev']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^ps-run: Procfile \S+Procfile\.dev is UTF-16 \(big-endian\); save it as UTF-8 \(.*\)\n$/);
  });

  it.each(['procfile', 'Procfile.txt', 'PROCFILE'])('says so when there is no Procfile but %s exists', async (near) => {
    const dir = makeApp({ [near]: 'web: node a.js\n' });
    const { code, stderr } = await check(dir);
    expect(code).toBe(1);
    expect(stderr).toBe(
      `ps-run: no Procfile at ${path.join(dir, 'Procfile')}, but ${path.join(dir, near)} exists (rename it to Procfile, or pass it with -f)\n`,
    );
  });

  it('names a near miss of a Procfile given with -f', async () => {
    const dir = makeApp({ 'procfile.dev.txt': 'web: node a.js\n' });
    const { code, stderr } = await check(dir, ['-f', 'Procfile.dev']);
    expect(code).toBe(1);
    expect(stderr).toContain(`but ${path.join(dir, 'procfile.dev.txt')} exists`);
  });

  it('keeps the plain message when nothing is near', async () => {
    const dir = makeApp({ 'Procfile.example': 'web: node a.js\n' });
    const { code, stderr } = await check(dir);
    expect(code).toBe(1);
    expect(stderr).toBe(`ps-run: no Procfile at ${path.join(dir, 'Procfile')} (pass one with -f <path>)\n`);
  });

  it('reads a Procfile with a UTF-8 byte order mark and indented entries, keeping every port slot', async () => {
    const dir = makeApp({ Procfile: '\uFEFFrelease: true\r\n  web: node a.js\r\n\tcss-watch: node b.js\r\n' });
    const { code, stdout, stderr } = await check(dir, ['-p', '29500']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ {2}release +port 29500 +true$/m);
    expect(stdout).toMatch(/^ {2}web +port 29600 +node a\.js$/m);
    expect(stdout).toMatch(/^ {2}css-watch +port 29700 +node b\.js$/m);
  });

  it('rejects a command continued on an indented line', async () => {
    const dir = makeApp({ Procfile: 'web: bundle exec puma \\\n  -C config/puma.rb\n' });
    const { code, stderr } = await check(dir);
    expect(code).toBe(1);
    expect(stderr).toBe(
      `ps-run: ${path.join(dir, 'Procfile')}:2: an entry is one line, but line 1 ends with "\\" and this line continues it (join the two lines, or move the command into a script)\n`,
    );
  });
});
