// Export directories hold only what their engine reads: `kubectl apply -f <dir>` reads every .json,
// .yaml and .yml in the directory, so the export's manifest must not look like one. Checked with the real
// kubectl (`label --local` reads a directory exactly as `apply` does, without a cluster). No ports.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeApp, psRun } from './helpers.js';

const hasKubectl = spawnSync('sh', ['-c', 'command -v kubectl']).status === 0;

/** What kubectl makes of every file in `dir`, as `apply -f <dir>` would read them. */
function kubectlReads(dir: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('kubectl', ['label', '--local', '-f', dir, 'checked=yes', '-o', 'name'], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe.skipIf(!hasKubectl)('export kubernetes, read by kubectl', () => {
  it('kubectl reads the whole export directory: every object, and nothing it cannot decode', async () => {
    const app = makeApp({ Procfile: 'web: node server.js\nworker: node worker.js\n' });
    const exported = psRun(['export', 'kubernetes', 'out', '-a', 'shop', '--image', 'registry.example.com/shop:1'], { cwd: app });
    expect(await exported.exited, exported.stderr).toBe(0);
    const out = path.join(app, 'out');
    const read = kubectlReads(out);
    expect(read.stderr).toBe('');
    expect(read.status).toBe(0);
    expect(read.stdout.split('\n').filter(Boolean).sort()).toEqual([
      'deployment.apps/shop-web',
      'deployment.apps/shop-worker',
      'service/shop-web',
    ]);
  });

  it('an export made with the old manifest name is taken over: same files replaced, the old manifest removed', async () => {
    const app = makeApp({ Procfile: 'web: node server.js\n' });
    const args = ['export', 'kubernetes', 'out', '-a', 'shop', '--image', 'registry.example.com/shop:1'];
    expect(await psRun(args, { cwd: app }).exited).toBe(0);
    const out = path.join(app, 'out');
    // What ps-run wrote before: the same manifest, named .json.
    renameSync(path.join(out, '.ps-run-export-shop.manifest'), path.join(out, '.ps-run-export-shop.json'));
    expect(kubectlReads(out).stderr).toMatch(/unable to decode .*\.ps-run-export-shop\.json/);
    const again = psRun(args, { cwd: app });
    expect(await again.exited, again.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['.ps-run-export-shop.manifest', 'shop.yaml']);
    expect(existsSync(path.join(out, '.ps-run-export-shop.json'))).toBe(false);
    expect(kubectlReads(out)).toMatchObject({ status: 0, stderr: '' });
  });
});
