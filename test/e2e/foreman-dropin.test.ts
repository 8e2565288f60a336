// ps-run as a drop-in for foreman: `.foreman` defaults through `check`, and what Rails' bin/dev
// passes through "$@" to `ps-run start -f Procfile.dev --env /dev/null`, on real processes.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exitWithin, fixture, logLines, makeApp, portAccepts, psRun, runTracker, waitUntil } from './helpers.js';

async function check(dir: string, args: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  const run = psRun(['check', ...args], { cwd: dir });
  const code = await exitWithin(run);
  return { code, stdout: run.stdout, stderr: run.stderr };
}

describe('.foreman through check', () => {
  const files = {
    'Procfile.dev': 'web: node server.js\ncss: node watch.js\n',
    '.foreman': '# foreman defaults\nprocfile: Procfile.dev\nport: 29600\nformation: all=1,css=2\ntimeout: 3\n',
  };

  it('takes the defaults and says which came from .foreman', async () => {
    const dir = makeApp(files);
    const { code, stdout, stderr } = await check(dir);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`${path.join(dir, 'Procfile.dev')}: 2 process types`);
    expect(stdout).toMatch(/^ {2}web +port 29600 +node server\.js$/m);
    expect(stdout).toMatch(/^ {2}css +ports 29700, 29701 +node watch\.js$/m);
    expect(stdout).toContain(`defaults from ${path.join(dir, '.foreman')}: procfile=Procfile.dev, port=29600, formation=all=1,css=2\n`);
    expect(stdout).toContain('  not used by this command: timeout (line 5)\n');
  });

  it('lets the command line win, and says so', async () => {
    const dir = makeApp(files);
    const { code, stdout } = await check(dir, ['-p', '29800', '-m', 'all=1']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ {2}web +port 29800 /m);
    expect(stdout).toMatch(/^ {2}css +port 29900 /m);
    expect(stdout).toContain(`defaults from ${path.join(dir, '.foreman')}: procfile=Procfile.dev\n`);
    expect(stdout).toContain('  overridden on the command line: port (line 3), formation (line 4)\n');
  });

  it('reads .foreman from the current directory, not from the Procfile directory', async () => {
    const dir = makeApp({ Procfile: 'web: a\n' });
    const app = makeApp({ Procfile: 'web: b\n', '.foreman': 'port: 29555\n' });
    const { stdout } = await check(dir, ['-f', path.join(app, 'Procfile')]);
    expect(stdout).not.toContain('.foreman');
    expect(stdout).toMatch(/^ {2}web +port 5000 +b$/m);
  });

  it('is one ps-run: line naming the file and line when malformed', async () => {
    const dir = makeApp({ Procfile: 'web: a\n', '.foreman': 'port: 3000\nformation:\n  web: 2\n' });
    const { code, stdout, stderr } = await check(dir);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `ps-run: ${path.join(dir, '.foreman')}:3: nested or continued values are not read, got "  web: 2" (a .foreman holds one "option: value" per line)\n`,
    );
  });

  it('names a misspelt option', async () => {
    const dir = makeApp({ Procfile: 'web: a\n', '.foreman': 'prot: 3000\n' });
    const { code, stderr } = await check(dir);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^ps-run: \S+\.foreman:1: unknown option "prot"; a \.foreman may set procfile, root, env, formation, concurrency, port/,
    );
    expect(stderr.split('\n')).toHaveLength(2);
  });
});

describe("bin/dev's arguments to ps-run start", () => {
  const tracker = runTracker();
  afterEach(() => tracker.cleanup());

  const app = (): string =>
    makeApp({ 'Procfile.dev': `web: ${fixture('server.js')}\nclock: ${fixture('idle.js')}\n`, '.env': 'PORT=29990\nFROM_ENV=1\n' });

  /** Starts ps-run as bin/dev does, waits for `ready`, stops it with Ctrl-C, and returns its log lines. */
  async function devRun(args: string[], ready: RegExp[], env: NodeJS.ProcessEnv = {}): Promise<{ lines: string[]; stdout: string }> {
    const dir = app();
    const run = tracker.start(['start', '-f', 'Procfile.dev', '--env', '/dev/null', ...args], { cwd: dir, env });
    for (const pattern of ready) await run.waitFor(pattern);
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
    return { lines: logLines(run.stdout), stdout: run.stdout };
  }

  it('gives web PORT from the environment (bin/dev sets PORT=3000), not from .env (--env /dev/null)', async () => {
    const { lines } = await devRun([], [/listening 29510 web\.1/, /idle clock\.1/], { PORT: '29510' });
    expect(lines).toContainEqual(expect.stringMatching(/^web\.1 +\| listening 29510 web\.1$/));
    expect(lines).toContainEqual(expect.stringMatching(/^clock\.1 +\| idle clock\.1$/));
  });

  it('takes a type name, -p, -t and --no-timestamp', async () => {
    const dir = app();
    const run = tracker.start(['start', '-f', 'Procfile.dev', '--env', '/dev/null', 'web', '-p', '29520', '-t', '2', '--no-timestamp'], {
      cwd: dir,
      env: { PORT: '3000' },
    });
    await run.waitFor(/listening 29520 web\.1/);
    expect(await portAccepts(29520)).toBe(true);
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
    // Only web ran, and no line starts with a time.
    expect(run.stdout).not.toContain('clock.1');
    expect(run.stdout.split('\n').filter((l) => l !== '' && /^\d\d:\d\d:\d\d /.test(l))).toEqual([]);
    await waitUntil(async () => !(await portAccepts(29520)), 5000, 'port 29520 freed');
  });

  it('takes -m all=1,web=0', async () => {
    const { stdout } = await devRun(['-m', 'all=1,web=0', '-p', '29530'], [/idle clock\.1/]);
    expect(stdout).not.toContain('web.1');
  });

  it('takes -c as --color, as foreman does', async () => {
    const { stdout } = await devRun(['-c', '-p', '29540'], [/listening 29540 web\.1/]);
    // NO_COLOR is set by the test helper; -c forces colors anyway.
    expect(stdout).toContain('\u001b[');
  });
});
