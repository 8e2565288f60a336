// `ps-run export` to paths that cannot hold an export: one `ps-run:` line and exit 1, never a stack trace.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitWithin, makeApp, psRun } from './helpers.js';

describe('export to a path that is not a writable directory', () => {
  const app = makeApp({ Procfile: 'web: node server.js\n' });
  const file = path.join(app, 'a-file');
  writeFileSync(file, 'x');
  it.each([
    [file, `${file} is not a directory`],
    ['', 'the export directory is an empty path'],
    ['/dev/null', '/dev/null is not a directory'],
    ['/proc/self', 'cannot write the export to /proc/self'],
  ])('%j', async (dir, message) => {
    const run = psRun(['export', 'systemd', dir], { cwd: app });
    expect(await exitWithin(run)).toBe(1);
    const lines = run.stderr.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ps-run: /);
    expect(lines[0]).toContain(message);
    expect(run.stderr).not.toMatch(/internal error|\n\s+at /);
  });
});
