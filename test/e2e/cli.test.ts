// The CLI surface: version, help, one-line user errors, `check` and `run`. Ports 25000-25999.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MARK, ROOT, exitWithin, makeApp, pidsWithEnv, runTracker } from './helpers.js';

const tracker = runTracker();
afterEach(() => tracker.cleanup());

const TWO = 'web: echo web\nworker: echo worker\n';

async function cli(args: string[], files: Record<string, string> = { Procfile: TWO }, env: NodeJS.ProcessEnv = {}) {
  const app = makeApp(files);
  const run = tracker.start(args, { cwd: app, env });
  const status = await exitWithin(run);
  return { status, stdout: run.stdout, stderr: run.stderr, app };
}

describe('version and help', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const { status, stdout } = await cli([flag]);
      expect(status).toBe(0);
      expect(stdout.trim()).toBe(pkg.version);
    }
  });

  it('--help lists the commands and shows examples', async () => {
    const { status, stdout } = await cli(['--help']);
    expect(status).toBe(0);
    for (const command of ['start', 'check', 'run']) expect(stdout).toMatch(new RegExp(`^\\s+${command} `, 'm'));
    expect(stdout).toContain('Examples:');
    expect(stdout).toMatch(/\$ ps-run start/);
  });

  it.each(['start', 'check', 'run'])('help %s, and the command with --help, show its options and an example', async (command) => {
    for (const args of [
      ['help', command],
      [command, '--help'],
    ]) {
      const { status, stdout } = await cli(args);
      expect(status).toBe(0);
      expect(stdout).toContain(`Usage: ps-run ${command}`);
      expect(stdout).toContain('Examples:');
      expect(stdout).toMatch(new RegExp(`\\$ ps-run ${command}\\b`));
      expect(stdout).toContain('--procfile');
    }
  });
});

describe('user errors: one "ps-run:" line on stderr, exit 1, no stack trace', () => {
  const APP = { Procfile: TWO };
  it.each<[string, string[], Record<string, string>, RegExp]>([
    ['missing Procfile names the path', ['start'], {}, /^ps-run: .*no Procfile.* \S*\/Procfile\b/],
    ['missing -f Procfile names the path', ['start', '-f', 'nope/Procfile.dev'], APP, /\/nope\/Procfile\.dev\b/],
    ['malformed line: file, line and text', ['start'], { Procfile: 'web: ok\n\nthis is wrong\n' }, /\/Procfile:3\b.*"this is wrong"/],
    ['duplicate names: both lines', ['start'], { Procfile: 'web: a\nworker: b\nweb: c\n' }, /\/Procfile:3\b.*"web".*line 1\b/],
    ['empty Procfile', ['start'], { Procfile: '' }, /\/Procfile\b.*no process/],
    ['Procfile of comments only', ['check'], { Procfile: '# nothing\n\n' }, /no process/],
    ['unknown type lists the known ones', ['start', 'webb=2'], APP, /"webb".*web, worker/],
    ['unknown type in -m', ['start', '-m', 'db=1'], APP, /"db".*web, worker/],
    ['malformed -m formation quoted', ['start', '-m', 'web=x'], APP, /"web=x"/],
    ['malformed positional formation quoted', ['start', 'web=two'], APP, /"web=two"/],
    ['count above the port step', ['start', 'web=11', '--port-step', '10'], APP, /11.*port step/],
    ['-p not a number', ['start', '-p', 'abc'], APP, /'abc'.*whole number/],
    ['-p out of range', ['start', '-p', '70000'], APP, /'70000'/],
    ['-p 0', ['start', '-p', '0'], APP, /'0'/],
    ['--port-step 0', ['start', '--port-step', '0'], APP, /port-step/],
    ['-t negative', ['start', '-t', '-1'], APP, /timeout/],
    ['-t not a number', ['start', '-t', 'soon'], APP, /'soon'/],
    ['--restart unknown policy', ['start', '--restart', 'sometimes'], APP, /'sometimes'.*on-failure, always, never/],
    ['--max-restarts not a number', ['start', '--max-restarts', 'x'], APP, /max-restarts/],
    ['--log-format unknown', ['start', '--log-format', 'xml'], APP, /'xml'/],
    ['unknown option', ['start', '--bogus'], APP, /'--bogus'/],
    ['misspelt option', ['start', '--timout', '3'], APP, /'--timout'/],
    ['unknown command', ['frobnicate'], APP, /'frobnicate'/],
    ['misspelt command', ['strat'], APP, /'strat'/],
    ['missing named env file names it', ['start', '-e', '.env,.env.missing'], { ...APP, '.env': 'A=1\n' }, /\/\.env\.missing\b/],
    ['missing root directory', ['start', '-d', 'nodir'], APP, /\/nodir\b/],
    ['PORT in an env file that is not a port', ['start'], { ...APP, '.env': 'PORT=abc\n' }, /PORT.*"abc"/],
    ['check with a malformed Procfile', ['check'], { Procfile: 'web node\n' }, /Procfile:1\b.*"web node"/],
    ['run without a command', ['run'], APP, /command/],
    ['run of a program that does not exist', ['run', 'no-such-program-xyz', 'arg'], APP, /no-such-program-xyz/],
  ])('%s', async (_what, args, files, expected) => {
    const { status, stdout, stderr } = await cli(args, files, { PORT: undefined });
    expect(status).toBe(1);
    expect(stderr).toMatch(/^ps-run: [^\n]+\n$/);
    expect(stderr).toMatch(expected);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout).toBe('');
  });
});

describe('check', () => {
  it('prints each process type with its port and command, and exits 0', async () => {
    const files = { Procfile: 'web: node server.js --port $PORT\nworker: node worker.js\nclock: node clock.js\n', '.env': 'A=1\n' };
    const { status, stdout, stderr, app } = await cli(['check', '-p', '25000', 'web=2', 'worker'], files);
    expect(status).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toContain(path.join(app, 'Procfile'));
    expect(stdout).toMatch(/^\s+web\s+ports 25000, 25001\s+node server\.js --port \$PORT$/m);
    expect(stdout).toMatch(/^\s+worker\s+port 25100\s+node worker\.js$/m);
    expect(stdout).toMatch(/^\s+clock\s+not started\s+node clock\.js$/m);
    expect(stdout).toContain(path.join(app, '.env'));
  });

  it('starts nothing', async () => {
    const { status, stdout, app } = await cli(['check'], { Procfile: 'web: touch ran\n' }, { PORT: undefined });
    expect(status).toBe(0);
    expect(stdout).toMatch(/web\s+port 5000\s+touch ran/);
    expect(existsSync(path.join(app, 'ran'))).toBe(false);
  });
});

describe('run', () => {
  it.each<[string, string[], number]>([
    ['exit 0', ['true'], 0],
    ['a shell string that exits 3', ['exit 3'], 3],
    ['a program and arguments that exit 5', ['sh', '-c', 'exit 5'], 5],
    ['death by a signal: 128 + n', ['kill -TERM $$'], 143],
  ])('exits with the status of the command: %s', async (_what, words, status) => {
    const result = await cli(['run', ...words]);
    expect(result.status).toBe(status);
    expect(result.stderr).toBe('');
  });

  it('runs a single string through sh -c, with the env files applied', async () => {
    const { status, stdout } = await cli(['run', 'echo "db=$DATABASE_URL"; echo two'], {
      Procfile: TWO,
      '.env': 'DATABASE_URL=postgres://x\n',
    });
    expect(status).toBe(0);
    expect(stdout).toBe('db=postgres://x\ntwo\n');
  });

  it('runs several words as an argument vector, not re-read by a shell', async () => {
    const { status, stdout } = await cli(['run', 'printf', '%s|', '$HOME', 'a b', '*', '$(echo no)']);
    expect(status).toBe(0);
    expect(stdout).toBe('$HOME|a b|*|$(echo no)|');
  });

  it("runs a Procfile entry's command when given its name", async () => {
    const { status, stdout } = await cli(['run', 'hello'], {
      Procfile: 'web: echo web\nhello: echo "hello from $GREETER"\n',
      '.env': 'GREETER=the entry\n',
    });
    expect(status).toBe(0);
    expect(stdout).toBe('hello from the entry\n');
  });

  it('applies named env files, later ones overriding earlier ones', async () => {
    const { status, stdout } = await cli(['run', '-e', 'a.env,b.env', 'echo "$A $B"'], {
      Procfile: TWO,
      'a.env': 'A=a\nB=a\n',
      'b.env': 'B=b\n',
    });
    expect(status).toBe(0);
    expect(stdout).toBe('a b\n');
  });

  it('sets PORT only with -p', async () => {
    const without = await cli(['run', 'echo "PORT=${PORT-unset}"'], { Procfile: TWO }, { PORT: undefined });
    const withPort = await cli(['run', '-p', '25100', 'echo "PORT=${PORT-unset}"'], { Procfile: TWO }, { PORT: undefined });
    expect(without.stdout).toBe('PORT=unset\n');
    expect(withPort.stdout).toBe('PORT=25100\n');
  });

  it("runs in the root: the Procfile's directory, or -d", async () => {
    const app = makeApp({ Procfile: TWO });
    const elsewhere = makeApp({});
    const inRoot = tracker.start(['run', '-f', path.join(app, 'Procfile'), 'pwd -P'], { cwd: elsewhere });
    expect(await exitWithin(inRoot)).toBe(0);
    expect(inRoot.stdout).toBe(`${realpathSync(app)}\n`);
    const withD = tracker.start(['run', '-d', elsewhere, 'pwd -P'], { cwd: app });
    expect(await exitWithin(withD)).toBe(0);
    expect(withD.stdout).toBe(`${realpathSync(elsewhere)}\n`);
  });

  it.each<[NodeJS.Signals, number]>([
    ['SIGTERM', 7],
    ['SIGINT', 8],
    ['SIGHUP', 9],
  ])('forwards %s to the command and exits with its status', async (signal, code) => {
    const app = makeApp({ Procfile: TWO });
    const script = `trap 'echo got ${signal}; exit ${code}' ${signal.slice(3)}; echo ready; while :; do sleep 0.05; done`;
    const run = tracker.start(['run', 'sh', '-c', script], { cwd: app });
    await run.waitFor('ready\n');
    run.signal(signal);
    expect(await exitWithin(run)).toBe(code);
    expect(run.stdout).toContain(`got ${signal}`);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });
});
