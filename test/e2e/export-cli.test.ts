// The built `ps-run export` command: what it prints, re-exports, and one `ps-run:` line per mistake.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeApp, psRun } from './helpers.js';

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

function app(files: Record<string, string> = {}): string {
  const parent = mkdtempSync(path.join(tmpdir(), 'ps-run-export-cli-'));
  dirs.push(parent);
  const dir = makeApp({ Procfile: 'web: node server.js\nworker: node worker.js\n', ...files });
  dirs.push(dir);
  return dir;
}

async function run(args: string[], cwd: string): Promise<{ status: number; stdout: string; stderr: string }> {
  const child = psRun(args, { cwd });
  const status = await child.exited;
  return { status, stdout: child.stdout, stderr: child.stderr };
}

describe('ps-run export', () => {
  it('prints each path it wrote; a second export with fewer instances replaces and removes only its own files', async () => {
    const cwd = app();
    const first = await run(['export', 'systemd', 'out', '-a', 'shop', 'web=2', 'worker'], cwd);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toBe(
      [
        'out/shop.target',
        'out/shop-web.1.service',
        'out/shop-web.2.service',
        'out/shop-worker.1.service',
        'out/.ps-run-export-shop.manifest',
        '',
      ].join('\n'),
    );
    const second = await run(['export', 'systemd', 'out', '-a', 'shop', 'web'], cwd);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toBe(['out/shop.target', 'out/shop-web.1.service', 'out/.ps-run-export-shop.manifest', ''].join('\n'));
    expect(second.stderr).toContain('removed out/shop-web.2.service');
    expect(existsSync(path.join(cwd, 'out/shop-worker.1.service'))).toBe(false);
    expect(readFileSync(path.join(cwd, 'out/shop.target'), 'utf8')).toContain('Wants=shop-web.1.service\n');
  });

  it('names the app after the root directory, made safe, by default', async () => {
    const cwd = app();
    const result = await run(['export', 'supervisord', 'out'], cwd);
    expect(result.status, result.stderr).toBe(0);
    const expected = path
      .basename(cwd)
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-');
    expect(result.stdout).toContain(`out/${expected}.conf\n`);
  });

  it('exports only the env files, not the environment of the shell running export', async () => {
    const cwd = app({ '.env': 'FROM_FILE=yes\n' });
    const child = psRun(['export', 'compose', 'out', '--image', 'shop:1'], { cwd, env: { FROM_SHELL: 'leak' } });
    expect(await child.exited, child.stderr).toBe(0);
    const text = readFileSync(path.join(cwd, 'out/compose.yaml'), 'utf8');
    expect(text).toContain('"FROM_FILE": "yes"');
    expect(text).not.toContain('FROM_SHELL');
  });

  it.each([
    [['export', 'compose', 'out'], /^ps-run: compose needs the image to run: pass --image <ref>/],
    [['export', 'kubernetes', 'out'], /^ps-run: kubernetes needs the image to run/],
    [
      ['export', 'nope', 'out'],
      /^ps-run: unknown export format "nope"; known formats: systemd, supervisord, runit, launchd, compose, kubernetes/,
    ],
    [['export', 'systemd', 'out', '--image', 'x'], /^ps-run: --image applies only to compose and kubernetes, not to systemd/],
    [['export', 'compose', 'out', '--image', 'x', '-l', '/var/log/x'], /^ps-run: -l\/--log does not apply to compose/],
    [['export', 'systemd', 'out', '-a', 'My App'], /^ps-run: app name "My App" is not usable in every format/],
    [['export', 'systemd', 'out', '-m', 'all=0'], /^ps-run: nothing to export: the formation selects no process/],
    [['export', 'systemd', 'out', '-l', 'logs'], /^ps-run: log directory "logs" must be an absolute path/],
    [['export', 'kubernetes', 'out', '--image', 'x', '-u', 'shop'], /^ps-run: kubernetes needs a numeric user id/],
    [['export', 'systemd'], /^ps-run: missing required argument 'dir'/],
  ])('%j is one ps-run: line and exit 1', async (args, message) => {
    const cwd = app();
    const result = await run(args, cwd);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(existsSync(path.join(cwd, 'out'))).toBe(false);
  });

  it('rejects a value the format cannot carry, naming the variable and the format, and writes nothing', async () => {
    const cwd = app({ '.env': 'DOTTED.NAME=1\n' });
    const result = await run(['export', 'supervisord', 'out'], cwd);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^ps-run: supervisord cannot carry variable "DOTTED\.NAME": its env file is read by sh/);
    expect(existsSync(path.join(cwd, 'out'))).toBe(false);
  });

  it('shows every format and examples in its help', async () => {
    const result = await run(['export', '--help'], app());
    expect(result.status).toBe(0);
    for (const word of [
      'systemd',
      'supervisord',
      'runit',
      'launchd',
      'compose',
      'kubernetes',
      'Examples:',
      '--image <ref>',
      '-a, --app <name>',
    ]) {
      expect(result.stdout).toContain(word);
    }
  });
});
