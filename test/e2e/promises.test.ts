// Three promises of issue 13 not covered elsewhere: the smoke command never shares a name (or a line
// buffer) with an instance, a spawn that fails says why, and a root deleted while running is named.
// Ports 20000-20099.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MARK, exitWithin, fixture, logLines, makeApp, pidsWithEnv, runTracker } from './helpers.js';

const tracker = runTracker();
afterEach(() => tracker.cleanup());

const socket = (): string => path.join(mkdtempSync(path.join(tmpdir(), 'ps-run-prom-')), 'ctl.sock');

describe('promises that held only by accident before', () => {
  it('smoke -- ./w.1 while an instance w.1 runs: two names, no line mixed', async () => {
    // The instance prints its lines and stays up; the command prints its own under another name.
    const app = makeApp({ Procfile: `w: LINES=3000 ${fixture('spam.js')} && exec sleep 1000\n` });
    writeFileSync(path.join(app, 'w.1'), `#!/bin/sh\nLINES=3000 PS=cmd exec ${process.execPath} ${fixture('spam.js').split(' ')[1]}\n`, {
      mode: 0o755,
    });
    const run = tracker.start(
      ['smoke', '-p', '20000', '-s', socket(), '--no-timestamp', '--ready', 'w=alive', '--settle', '0', '--', './w.1'],
      {
        cwd: app,
      },
    );
    expect(await exitWithin(run)).toBe(0);
    const lines = logLines(run.stdout);
    const mine = lines.filter((l) => l.startsWith('w.1-cmd '));
    const instance = lines.filter((l) => /^w\.1 +\|/.test(l));
    expect(mine.length).toBe(3000);
    for (const line of mine) expect(line).toMatch(/^w\.1-cmd \| cmd line \d{8} x{50}$/);
    for (const line of instance.filter((l) => l.includes(' line '))) expect(line).toMatch(/^w\.1 +\| w\.1 line \d{8} x{50}$/);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('a command too long for the system (E2BIG) is one line on stderr and exit 127', async () => {
    const app = makeApp({ Procfile: `web: echo ${'x'.repeat(200_000)}\n` });
    const run = tracker.start(['smoke', '-p', '20010', '-s', socket()], { cwd: app });
    expect(await exitWithin(run)).toBe(127);
    expect(run.stderr).toMatch(
      /^ps-run: smoke failed: web\.1 could not start: its command line or environment is too large for the system \(E2BIG\)\n/,
    );
  });

  it('a root deleted while running: a restart says its working directory no longer exists', async () => {
    const base = mkdtempSync(path.join(tmpdir(), 'ps-run-gone-'));
    const app = path.join(base, 'app');
    mkdirSync(app);
    writeFileSync(path.join(app, 'Procfile'), `web: ${fixture('server.js')}\n`);
    const sock = socket();
    const run2 = tracker.start(['start', '-p', '20020', '-s', sock, '-f', 'app/Procfile'], { cwd: base });
    await run2.waitFor(/web\.1 ready/);
    rmSync(app, { recursive: true, force: true });
    const restart = tracker.start(['restart', 'web', '-s', sock], { cwd: base });
    expect(await exitWithin(restart)).toBe(1);
    await run2.waitFor(`web.1 could not start: its working directory ${app} no longer exists`);
    // Its only process could not start again: ps-run ends on its own with the status of a spawn failure.
    expect(await exitWithin(run2)).toBe(127);
  });
});
