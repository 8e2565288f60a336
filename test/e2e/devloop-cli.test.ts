// The development loop through the CLI: --watch restarts a type on change, --after orders starts,
// --log-dir keeps a file per instance. Real files, real processes. Ports 10000-10999.
import { appendFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MARK, exitWithin, fixture, logLines, makeApp, pidsWithEnv, runTracker, waitUntil } from './helpers.js';

const tracker = runTracker();
afterEach(() => tracker.cleanup());

const socket = (): string => path.join(mkdtempSync(path.join(tmpdir(), 'ps-run-dev-')), 'ctl.sock');

/** Pids of web.1 as the log reports its starts. */
const webStarts = (stdout: string): string[] => [...stdout.matchAll(/web\.1 started with pid (\d+)/g)].map((m) => m[1]!);

describe('--watch', () => {
  it('restarts the type once for a burst of writes, names a changed file, and ignores node_modules', async () => {
    const app = makeApp({ Procfile: `web: ${fixture('server.js')}\nworker: ${fixture('idle.js')}\n` });
    mkdirSync(path.join(app, 'src'));
    mkdirSync(path.join(app, 'node_modules'));
    writeFileSync(path.join(app, 'src', 'app.js'), '1\n');
    const run = tracker.start(['start', '-p', '10000', '-s', socket(), '--watch', 'web'], { cwd: app });
    await run.waitFor(/web\.1 ready/);
    await run.waitFor(/worker\.1 ready/);
    // A change under node_modules restarts nothing.
    writeFileSync(path.join(app, 'node_modules', 'dep.js'), 'x\n');
    // A burst: an editor's save and a couple more writes, within a few ms.
    for (let i = 0; i < 5; i++) appendFileSync(path.join(app, 'src', 'app.js'), `${i}\n`);
    writeFileSync(path.join(app, 'src', 'other.js'), 'y\n');
    await run.waitFor(/restart web\.1 \(requested by --watch: src\/(app|other)\.js changed \(and 1 other file\)\)/);
    await waitUntil(() => webStarts(run.stdout).length === 2, 20_000, 'web.1 started again');
    await run.waitFor(/web\.1 ready on port 10000[\s\S]*web\.1 ready on port 10000/);
    // A later, separate change restarts it once more: had the burst given two restarts, there would be three.
    writeFileSync(path.join(app, 'src', 'late.js'), 'z\n');
    await run.waitFor(/restart web\.1 \(requested by --watch: src\/late\.js changed\)/);
    await waitUntil(() => webStarts(run.stdout).length === 3, 20_000, 'web.1 started a third time');
    expect(run.stdout.match(/requested by --watch/g)).toHaveLength(2);
    expect(run.stdout).not.toContain('node_modules');
    expect(run.stdout.match(/worker\.1 started/g)).toHaveLength(1);
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('a watch path that does not exist, or a type not in the formation, is one line and nothing starts', async () => {
    const app = makeApp({ Procfile: `web: ${fixture('server.js')}\n` });
    const missing = tracker.start(['start', '-p', '10050', '-s', socket(), '--watch', 'web=nope'], { cwd: app });
    expect(await exitWithin(missing)).toBe(1);
    expect(missing.stderr).toMatch(/^ps-run: .*nope.*\n$/);
    const unknown = tracker.start(['start', '-p', '10060', '-s', socket(), '--watch', 'db'], { cwd: app });
    expect(await exitWithin(unknown)).toBe(1);
    expect(unknown.stderr).toMatch(/^ps-run: .*"?db"?.*\n$/);
    expect(pidsWithEnv(MARK, missing.mark)).toEqual([]);
    expect(pidsWithEnv(MARK, unknown.mark)).toEqual([]);
  });
});

describe('--after', () => {
  it('starts web only once release exited 0; status shows it waiting meanwhile', async () => {
    const app = makeApp({ Procfile: `release: sleep 1; echo migrated\nweb: ${fixture('server.js')}\n` });
    const sock = socket();
    const run = tracker.start(['start', '-p', '10100', '-s', sock, '--after', 'web=release'], { cwd: app });
    await run.waitFor('web waits for release to be ready (--after)');
    await run.waitFor(/web\.1 ready/);
    const lines = logLines(run.stdout);
    const ready = lines.findIndex((l) => /release\.1 ready on port 10100 after \d+ ms \(exit\)/.test(l));
    const webFirst = lines.findIndex((l) => /web\.1/.test(l));
    expect(ready).toBeGreaterThan(-1);
    expect(webFirst).toBeGreaterThan(ready);
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
  });

  it('shows the wait in ps-run status', async () => {
    const app = makeApp({ Procfile: `db: ${fixture('idle.js')}\nweb: ${fixture('server.js')}\n` });
    const sock = socket();
    const run = tracker.start(['start', '-p', '10200', '-s', sock, '--after', 'web=db', '--settle', '60'], { cwd: app });
    await run.waitFor('db.1 started');
    const status = tracker.start(['status', '--json', '-s', sock], { cwd: app });
    expect(await exitWithin(status)).toBe(0);
    const web = (JSON.parse(status.stdout) as { name: string; state: string; waitingFor?: string[] }[]).find((s) => s.name === 'web.1');
    expect(web).toMatchObject({ state: 'waiting', waitingFor: ['db'] });
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
  });

  it('a cycle or an unknown type is one line before anything starts', async () => {
    const app = makeApp({ Procfile: `web: ${fixture('server.js')}\nworker: ${fixture('idle.js')}\n` });
    const cycle = tracker.start(['start', '-p', '10300', '-s', socket(), '--after', 'web=worker', '--after', 'worker=web'], { cwd: app });
    expect(await exitWithin(cycle)).toBe(1);
    expect(cycle.stderr).toMatch(/^ps-run: .*(web -> worker -> web|worker -> web -> worker).*\n$/);
    const unknown = tracker.start(['start', '-p', '10310', '-s', socket(), '--after', 'web=db'], { cwd: app });
    expect(await exitWithin(unknown)).toBe(1);
    expect(unknown.stderr).toMatch(/^ps-run: .*db.*\n$/);
    expect(pidsWithEnv(MARK, cycle.mark)).toEqual([]);
  });
});

describe('--log-dir', () => {
  it('writes every line of each instance to <dir>/<name>.log, whole, timestamped, mode 0600', async () => {
    // 8,000 lines are 768 KB in the file: under the 1 MiB a file may have queued, so a slow disk (a
    // loaded machine) cannot make ps-run drop lines here; dropping, and marking it, is tested in log-files-disk.test.ts.
    const app = makeApp({ Procfile: `spam: LINES=8000 ${fixture('spam.js')}\nweb: ${fixture('server.js')}\n` });
    const dir = path.join(app, 'logs');
    const run = tracker.start(['start', '-p', '10400', '-s', socket(), '--log-dir', dir, '--no-timestamp'], { cwd: app });
    await run.waitFor('spam.1 exited with code 0');
    // web.1 prints its one line once it listens; on a loaded machine that can come after spam.1 is done.
    await run.waitFor('listening 10500 web.1');
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dir, 'spam.1.log')).mode & 0o777).toBe(0o600);
    const lines = readFileSync(path.join(dir, 'spam.1.log'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(8000);
    lines.forEach((line, i) => expect(line).toBe(`${line.slice(0, 24)} spam.1 line ${String(i).padStart(8, '0')} ${'x'.repeat(50)}`));
    expect(lines[0]!.slice(0, 24)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(readFileSync(path.join(dir, 'web.1.log'), 'utf8')).toMatch(/^\S+Z listening 10500 web\.1\n$/);
  });

  it('an unwritable log dir is reported once; the processes and the terminal output go on', async () => {
    const app = makeApp({
      Procfile: `web: ${fixture('server.js')}\ntick: node -e 'let i = 0; setInterval(() => console.log("tick " + i++), 30)'\n`,
    });
    writeFileSync(path.join(app, 'logs'), 'a file where the directory should be\n');
    const run = tracker.start(['start', '-p', '10600', '-s', socket(), '--log-dir', path.join(app, 'logs')], { cwd: app });
    await run.waitFor(/tick\.1 +\| tick 20/);
    const reports = logLines(run.stdout).filter((l) => l.includes('--log-dir'));
    expect(reports.length).toBeGreaterThanOrEqual(1);
    expect(reports.length).toBeLessThanOrEqual(1);
    expect(run.child.exitCode).toBeNull();
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
  });
});
