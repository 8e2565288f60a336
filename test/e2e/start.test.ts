// `ps-run start`: formation, ports, PS, env precedence and the working directory, against real processes.
// Ports 21000-21999.
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MARK, exitWithin, fixture, logLines, makeApp, pidsWithEnv, portAccepts, runTracker, waitUntil } from './helpers.js';

const tracker = runTracker();
afterEach(() => tracker.cleanup());

/** Each type prints its PS and PORT and exits 0, so ps-run ends on its own. */
const REPORTING = ['web', 'worker', 'clock'].map((t) => `${t}: echo "report $PS PORT=$PORT"`).join('\n') + '\n';

/** `name -> PORT` from the `report` lines of a run. */
function reported(stdout: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const line of logLines(stdout)) {
    const match = /\| report (\S+) PORT=(\d+)$/.exec(line);
    if (match) result[match[1] as string] = match[2] as string;
  }
  return result;
}

describe('ps-run start: formation and ports', () => {
  it.each<[string, string[], Record<string, string>]>([
    ['every type once by default', ['-p', '21000'], { 'web.1': '21000', 'worker.1': '21100', 'clock.1': '21200' }],
    [
      'positional web=2 worker: only those',
      ['web=2', 'worker', '-p', '21300'],
      { 'web.1': '21300', 'web.2': '21301', 'worker.1': '21400' },
    ],
    [
      '-m all=2,worker=0',
      ['-m', 'all=2,worker=0', '-p', '21600'],
      { 'web.1': '21600', 'web.2': '21601', 'clock.1': '21800', 'clock.2': '21801' },
    ],
    ['-m worker=0: everything but worker', ['-m', 'worker=0', '-p', '21500'], { 'web.1': '21500', 'clock.1': '21700' }],
    ['--port-step 10', ['-p', '21900', '--port-step', '10', 'web=2', 'clock'], { 'web.1': '21900', 'web.2': '21901', 'clock.1': '21920' }],
  ])('%s', async (_what, args, expected) => {
    const run = tracker.start(['start', ...args], { cwd: makeApp({ Procfile: REPORTING }) });
    expect(await exitWithin(run)).toBe(0);
    expect(reported(run.stdout)).toEqual(expected);
  });

  it('each instance really gets its port: servers bind PORT on 127.0.0.1', async () => {
    const app = makeApp({ Procfile: `web: ${fixture('server.js')}\nadmin: ${fixture('server.js')}\n` });
    const run = tracker.start(['start', 'web=2', 'admin', '-p', '21920', '--port-step', '20'], { cwd: app });
    for (const line of ['listening 21920 web.1', 'listening 21921 web.2', 'listening 21940 admin.1']) await run.waitFor(line);
    for (const port of [21920, 21921, 21940]) expect(await portAccepts(port)).toBe(true);
    expect(run.stdout).toMatch(/system\s+\| web\.1 started with pid \d+ on port 21920/);
    run.signal('SIGTERM');
    expect(await exitWithin(run)).toBe(143);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });
});

describe('ps-run start: base port', () => {
  const ONE = 'web: echo "report $PS PORT=$PORT"\n';

  it.each<[string, Record<string, string>, NodeJS.ProcessEnv, string[], string]>([
    ['5000 when nothing says otherwise', {}, { PORT: undefined }, [], '5000'],
    ['PORT from the environment', {}, { PORT: '21960' }, [], '21960'],
    ['PORT from the default .env over the environment', { '.env': 'PORT=21961\n' }, { PORT: '21962' }, [], '21961'],
    ['PORT from a named env file (the last one wins)', { a: 'PORT=1\n', b: 'PORT=21963\n' }, { PORT: '21964' }, ['-e', 'a,b'], '21963'],
    ['-p over the env file and the environment', { '.env': 'PORT=21965\n' }, { PORT: '21966' }, ['-p', '21967'], '21967'],
  ])('%s', async (_what, files, env, args, port) => {
    const run = tracker.start(['start', ...args], { cwd: makeApp({ Procfile: ONE, ...files }), env });
    expect(await exitWithin(run)).toBe(0);
    expect(reported(run.stdout)).toEqual({ 'web.1': port });
  });
});

describe('ps-run start: environment and working directory', () => {
  it('env precedence reaches the child: later files over earlier, files over inherited, PORT and PS last', async () => {
    const app = makeApp({
      Procfile: 'app: echo "A=$A B=$B C=$C PORT=$PORT PS=$PS"\n',
      '.env.base': 'B=from-base\nC=from-base\nPORT=1\nPS=nope\n',
      '.env.local': 'export C="from local"\n',
    });
    const run = tracker.start(['start', '-e', '.env.base,.env.local', '-p', '21970'], {
      cwd: app,
      env: { A: 'inherited', B: 'inherited', C: 'inherited' },
    });
    expect(await exitWithin(run)).toBe(0);
    expect(run.stdout).toContain('| A=inherited B=from-base C=from local PORT=21970 PS=app.1\n');
  });

  it('the default .env is read from the root; a missing one is fine', async () => {
    const withEnv = tracker.start(['start', '-p', '21971'], {
      cwd: makeApp({ Procfile: 'app: echo "X=$X"\n', '.env': 'X=from-dotenv\n' }),
    });
    const without = tracker.start(['start', '-p', '21972'], {
      cwd: makeApp({ Procfile: 'app: echo "X=${X-unset}"\n' }),
      env: { X: undefined },
    });
    expect(await exitWithin(withEnv)).toBe(0);
    expect(await exitWithin(without)).toBe(0);
    expect(withEnv.stdout).toContain('| X=from-dotenv\n');
    expect(without.stdout).toContain('| X=unset\n');
  });

  it("the working directory is the Procfile's directory, wherever ps-run runs from", async () => {
    const app = makeApp({ Procfile: 'app: echo "cwd=$(pwd -P) X=$X"\n', '.env': 'X=app-env\n' });
    const elsewhere = makeApp({});
    const run = tracker.start(['start', '-f', path.join(app, 'Procfile'), '-p', '21973'], { cwd: elsewhere });
    expect(await exitWithin(run)).toBe(0);
    expect(run.stdout).toContain(`| cwd=${realpathSync(app)} X=app-env\n`);
  });

  it('-d sets the working directory and where the default .env is found', async () => {
    const app = makeApp({ Procfile: 'app: echo "cwd=$(pwd -P) X=$X"\n', '.env': 'X=procfile-dir\n' });
    const root = path.join(app, 'root');
    mkdirSync(root);
    writeFileSync(path.join(root, '.env'), 'X=root-dir\n');
    const run = tracker.start(['start', '-d', 'root', '-p', '21974'], { cwd: app });
    expect(await exitWithin(run)).toBe(0);
    expect(run.stdout).toContain(`| cwd=${realpathSync(root)} X=root-dir\n`);
  });

  it('every child runs through sh -c; with --no-stdin its stdin is empty', async () => {
    const app = makeApp({ Procfile: 'app: echo "shell=$0"; if read line; then echo "stdin had: $line"; else echo "stdin empty"; fi\n' });
    const run = tracker.start(['start', '-p', '21975', '--no-stdin'], { cwd: app });
    expect(await exitWithin(run)).toBe(0);
    expect(run.stdout).toContain('| shell=/bin/sh\n');
    expect(run.stdout).toContain('| stdin empty\n');
  });

  it('a formation selecting nothing ends at once with status 0', async () => {
    const run = tracker.start(['start', '-m', 'all=0', '-p', '21976'], { cwd: makeApp({ Procfile: REPORTING }) });
    expect(await exitWithin(run)).toBe(0);
    expect(reported(run.stdout)).toEqual({});
  });

  it('leaves nothing running after the processes end', async () => {
    const app = makeApp({ Procfile: `web: ${fixture('server.js')}\n` });
    const run = tracker.start(['start', '-p', '21977'], { cwd: app });
    await run.waitFor('listening 21977');
    await waitUntil(() => pidsWithEnv(MARK, run.mark).length >= 2, 10_000, 'ps-run and its child');
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });
});
