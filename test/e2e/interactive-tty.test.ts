// `--tty <type>` through the CLI: the type runs under a pseudo-terminal (the debugger fixture sees a TTY
// and is driven through --input), its stdout and stderr are one stream, other types keep their pipes;
// without the optional package, --tty is one ps-run: line. Ports 29800-29849.
import { cpSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MARK, ROOT, exitWithin, fixture, makeApp, pidsWithEnv, psRun, runTracker } from './helpers.js';
import { socketPath } from './interactive-support.js';

const tracker = runTracker();
afterEach(() => tracker.cleanup());

/** Writes one line to stdout and one to stderr, then waits. */
const BOTH = `sh -c 'echo to-out; echo to-err >&2; exec sleep 60'`;

describe('--tty through the CLI', () => {
  it('gives the type a terminal that --input drives; the other types keep their pipes', async () => {
    const app = makeApp({ Procfile: `dbg: ${fixture('debugger.js')}\nplain: ${fixture('debugger.js')}\n` });
    const run = tracker.start(['start', '-s', socketPath(), '-p', '29800', '--port-step', '1', '--tty', 'dbg', '--input', 'dbg'], {
      cwd: app,
      stdin: 'pipe',
    });
    await run.waitFor(/dbg\.1 +\| \(dbg\) \n/);
    await run.waitFor(/plain\.1 +\| \(dbg\) \n/);
    run.child.stdin?.write('tty\n');
    await run.waitFor(/dbg\.1 +\| isatty stdin=true stdout=true\r?\n/);
    expect(run.stdout).not.toMatch(/plain\.1 +\| isatty/);
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('shows stdout and stderr of a --tty type as one stream (stdout); a type without it keeps stderr apart', async () => {
    const app = makeApp({ Procfile: `term: ${BOTH}\npiped: ${BOTH}\n` });
    const run = tracker.start(['start', '-s', socketPath(), '-p', '29810', '--port-step', '1', '--tty', 'term', '--log-format', 'json'], {
      cwd: app,
    });
    const lines = (): { process: string; stream: string; line: string }[] =>
      run.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { process: string; stream: string; line: string })
        .filter((l) => l.stream !== 'system');
    await run.waitFor(/"process":"term\.1"[^\n]*"to-err"/);
    await run.waitFor(/"process":"piped\.1"[^\n]*"to-err"/);
    const streams = (name: string): string[] =>
      lines()
        .filter((l) => l.process === name)
        .map((l) => `${l.stream}:${l.line}`)
        .sort();
    expect(streams('term.1')).toEqual(['stdout:to-err', 'stdout:to-out']);
    expect(streams('piped.1')).toEqual(['stderr:to-err', 'stdout:to-out']);
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
  });

  it('an unknown type is one ps-run: line', async () => {
    const app = makeApp({ Procfile: `dbg: ${fixture('debugger.js')}\n` });
    const run = psRun(['start', '-s', socketPath(), '-p', '29820', '--tty', 'web'], { cwd: app });
    expect(await exitWithin(run)).toBe(1);
    expect(run.stderr).toBe('ps-run: --tty names unknown process type "web"; known types: dbg\n');
  });

  it('without the optional package installed, --tty is one ps-run: line and nothing starts; without --tty all runs', async () => {
    // An install of the built CLI without optional dependencies: its bundles, and dotenv (its one external).
    const install = mkdtempSync(path.join(tmpdir(), 'ps-run-nopty-'));
    cpSync(path.join(ROOT, 'bin'), path.join(install, 'bin'), { recursive: true });
    mkdirSync(path.join(install, 'dist'));
    for (const bundle of ['ps-run.cjs', 'ps-run.cjs.cache', 'ps-run-load.cjs', 'ps-run-quick.cjs'])
      cpSync(path.join(ROOT, 'dist', bundle), path.join(install, 'dist', bundle));
    mkdirSync(path.join(install, 'node_modules'));
    symlinkSync(path.join(ROOT, 'node_modules/dotenv'), path.join(install, 'node_modules/dotenv'));
    const bin = path.join(install, 'bin/ps-run.js');
    const app = makeApp({ Procfile: `dbg: ${fixture('debugger.js')}\n` });

    const withTty = psRun(['start', '-s', socketPath(), '-p', '29830', '--tty', 'dbg'], { cwd: app, bin });
    expect(await exitWithin(withTty)).toBe(1);
    expect(withTty.stderr).toMatch(
      /^ps-run: --tty needs the optional package @lydell\/node-pty, which could not be loaded: Cannot find module '@lydell\/node-pty'[^\n]*\(npm install @lydell\/node-pty\)\n$/,
    );
    expect(withTty.stdout).toBe('');

    const without = tracker.start(['start', '-s', socketPath(), '-p', '29830'], { cwd: app, bin });
    await without.waitFor(/dbg\.1 +\| \(dbg\) \n/);
    without.signal('SIGINT');
    expect(await exitWithin(without)).toBe(130);
  });
});
