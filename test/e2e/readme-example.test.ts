// The README's programmatic example, run as written: the code block under "## Programmatic API" is
// taken from README.md at test time, so an example that no longer runs fails here. Two edits only: the
// package name points at this build, and port 6000 becomes this test's port.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, MARK, ROOT, killMarked, makeApp, marker, pidsWithEnv, portAccepts, waitUntil } from './helpers.js';

const PORT = 30500;

/** The first ```ts block of the README section that starts with `heading`. */
function exampleUnder(heading: string): string {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf(`\n${heading}\n`));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (code === undefined) throw new Error(`no ts block under ${heading}`);
  return code;
}

describe('the README programmatic example', () => {
  const mark = marker();
  afterEach(() => void killMarked(MARK, mark));

  it('runs as written: starts web=2, restarts web.1, scales to 3, prints the status, and on SIGINT stops everything and exits 130', async () => {
    const code = exampleUnder('## Programmatic API');
    expect(code).toContain("from 'ps-run'");
    expect(code).toContain('port: 6000');
    const dir = makeApp({ Procfile: `web: node ${path.join(FIXTURES, 'server.js')}\n` });
    const script = path.join(dir, 'example.mjs');
    const index = pathToFileURL(path.join(ROOT, 'dist/index.js')).href;
    writeFileSync(script, code.replace("from 'ps-run'", `from '${index}'`).replace('port: 6000', `port: ${PORT}`));

    const child = spawn(process.execPath, [script], { cwd: dir, env: { ...process.env, [MARK]: mark }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (status) => resolve(status)));

    // console.table(runtime.status()) runs after the restart and the scale have both resolved.
    await waitUntil(
      () => {
        if (child.exitCode !== null) throw new Error(`the example exited with ${child.exitCode}\n${stdout}\n${stderr}`);
        return stdout.includes('web.3') && stdout.includes('│') && stdout.includes("'running'");
      },
      30_000,
      'the status table',
    );
    expect(stdout).toContain('restart web.1 (requested by my script)');
    for (const port of [PORT, PORT + 1, PORT + 2]) expect(await portAccepts(port)).toBe(true);
    expect(pidsWithEnv(MARK, mark).length).toBeGreaterThanOrEqual(4); // the example's node and three servers

    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toBe('');
    for (const port of [PORT, PORT + 1, PORT + 2]) expect(await portAccepts(port)).toBe(false);
    expect(pidsWithEnv(MARK, mark)).toEqual([]);
  });
});
