// Service discovery (PS_RUN_<TYPE>_PORT/_URL) and `${NAME}` references in env files, as the processes
// and the smoke command see them. Ports 32700-32767 (and 34400-34999, where nothing binds or is probed).
// Servers bind below 32768, where this kernel's ephemeral ports (32768-60999) begin: a readiness probe's
// own client port must never be the port a test's server is about to bind.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, MARK, exitWithin, fixture, logLines, makeApp, pidsWithEnv, runTracker, type Run } from './helpers.js';

const tracker = runTracker();
afterEach(() => tracker.cleanup());

/** `process -> { NAME: value }` from the `NAME=value` lines the env fixtures print. */
function printed(run: Run): Record<string, Record<string, string>> {
  const result: Record<string, Record<string, string>> = {};
  for (const line of logLines(run.stdout)) {
    const match = /^(\S+)\s+\| ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match) (result[match[1] as string] ??= {})[match[2] as string] = match[3] as string;
  }
  return result;
}

const stderrLines = (run: Run): string[] => run.stderr.split('\n').filter((line) => line !== '');

const DISCOVERY = [
  'PS_RUN_WEB_PORT',
  'PS_RUN_WEB_URL',
  'PS_RUN_WEB_API_PORT',
  'PS_RUN_WEB_API_URL',
  'PS_RUN_CLOCK_PORT',
  'PS_RUN_CLOCK_URL',
];

describe('discovery variables', () => {
  it('every child gets the port and URL of the first instance of each type in the formation', async () => {
    const app = makeApp({
      Procfile: ['web', 'web-api', 'clock'].map((type) => `${type}: ${fixture('env.js', DISCOVERY.join(' '))}`).join('\n') + '\n',
    });
    const run = tracker.start(['start', 'web=2', 'web-api', '-p', '32720', '--port-step', '10'], { cwd: app });
    for (const name of ['web.1', 'web.2', 'web-api.1']) await run.waitFor(new RegExp(`${name.replace('.', '\\.')}\\s+\\| env done`));
    const expected = {
      PS_RUN_WEB_PORT: '32720',
      PS_RUN_WEB_URL: 'http://127.0.0.1:32720',
      PS_RUN_WEB_API_PORT: '32730',
      PS_RUN_WEB_API_URL: 'http://127.0.0.1:32730',
      // clock is not in the formation: no variables for it.
      PS_RUN_CLOCK_PORT: '<unset>',
      PS_RUN_CLOCK_URL: '<unset>',
    };
    expect(printed(run)).toEqual({ 'web.1': expected, 'web.2': expected, 'web-api.1': expected });
    run.signal('SIGTERM');
    expect(await exitWithin(run)).toBe(143);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });
});

describe('${NAME} references in env files', () => {
  const ENV = [
    'API_URL=${PS_RUN_API_URL}/v1',
    'HOME_CACHE="${INHERITED_DIR}/cache"',
    'PASSWORD=pa$word$',
    'LITERAL=$${PS_RUN_API_URL}',
    "QUOTED='${NOT_DEFINED}'",
    'CHAINED=${API_URL}?q=1',
  ].join('\n');
  const NAMES = ['API_URL', 'HOME_CACHE', 'PASSWORD', 'LITERAL', 'QUOTED', 'CHAINED', 'FROM_LOCAL'];
  const EXPECTED = (port: number): Record<string, string> => ({
    API_URL: `http://127.0.0.1:${port}/v1`,
    HOME_CACHE: '/srv/inherited/cache',
    PASSWORD: 'pa$word$',
    LITERAL: '${PS_RUN_API_URL}',
    QUOTED: '${NOT_DEFINED}',
    CHAINED: `http://127.0.0.1:${port}/v1?q=1`,
    FROM_LOCAL: `web at ${port + 10}`,
  });

  it('reach every process of start', async () => {
    const app = makeApp({
      Procfile: `api: ${fixture('print-env.js', NAMES.join(' '))}\nweb: ${fixture('print-env.js', NAMES.join(' '))}\n`,
      '.env': `${ENV}\n`,
      '.env.local': 'FROM_LOCAL=web at ${PS_RUN_WEB_PORT}\n',
    });
    const run = tracker.start(['start', '-e', '.env,.env.local', '-p', '32740', '--port-step', '10'], {
      cwd: app,
      env: { INHERITED_DIR: '/srv/inherited' },
    });
    expect(await exitWithin(run)).toBe(0);
    expect(printed(run)).toEqual({ 'api.1': EXPECTED(32740), 'web.1': EXPECTED(32740) });
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('reach the smoke command, which can use them to talk to the app', async () => {
    const app = makeApp({
      Procfile: `api: ${fixture('server.js')}\nweb: ${fixture('server.js')}\n`,
      '.env': `${ENV}\n`,
      '.env.local': 'FROM_LOCAL=web at ${PS_RUN_WEB_PORT}\n',
    });
    const printer = `node ${path.join(FIXTURES, 'print-env.js')} ${NAMES.join(' ')} PS_RUN_API_PORT PS_RUN_WEB_URL`;
    const fetcher = `node -e 'fetch(process.env.API_URL).then((r) => r.text()).then((t) => console.log("API answered " + t.trim()))'`;
    const run = tracker.start(
      ['smoke', '-e', '.env,.env.local', '-p', '32700', '--port-step', '10', '--ready', 'api=port', '--', `${printer} && ${fetcher}`],
      { cwd: app, env: { INHERITED_DIR: '/srv/inherited' } },
    );
    expect(await exitWithin(run)).toBe(0);
    const vars = Object.values(printed(run)).find((v) => 'API_URL' in v);
    expect(vars).toEqual({ ...EXPECTED(32700), PS_RUN_API_PORT: '32700', PS_RUN_WEB_URL: 'http://127.0.0.1:32710' });
    expect(run.stdout).toMatch(/\| API answered api\.1 \/v1$/m);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('reach a command of run', async () => {
    const app = makeApp({ Procfile: `api: ${fixture('server.js')}\n`, '.env': 'API_URL=${PS_RUN_API_URL}/v1\n' });
    const run = tracker.start(['run', '-p', '34400', 'echo "API_URL=$API_URL"'], { cwd: app });
    expect(await exitWithin(run)).toBe(0);
    expect(run.stdout).toBe('API_URL=http://127.0.0.1:34400/v1\n');
  });
});

describe('an unknown ${NAME} is a one-line error naming the file and line', () => {
  const files = {
    Procfile: `api: ${fixture('server.js')}\nworker: ${fixture('idle.js')}\n`,
    '.env': '# settings\nA=1\n',
    '.env.local': 'B=${A}\n\nC=${PS_RUN_API_URL}/${NOT_THERE}\n',
  };

  it.each([
    ['start', ['start', '-p', '34500']],
    ['smoke', ['smoke', '-p', '34550']],
    ['run', ['run', '-p', '34600', 'echo never']],
    ['check', ['check', '-p', '34650']],
  ])('%s', async (_command, args) => {
    const app = makeApp(files);
    // Options before the command words: `run` hands everything after its command to the command.
    const run = tracker.start([args[0] as string, '-e', '.env,.env.local', ...args.slice(1)], { cwd: app });
    expect(await exitWithin(run)).toBe(1);
    const file = path.join(app, '.env.local');
    expect(stderrLines(run)).toEqual([expect.stringMatching(/^ps-run: /)]);
    expect(stderrLines(run)[0]).toContain(`ps-run: ${file}:3: C refers to \${NOT_THERE}, which is not defined`);
    expect(run.stdout).toBe('');
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('a type left out of the formation has no variables to refer to', async () => {
    const app = makeApp({ ...files, '.env.local': 'WORKER=${PS_RUN_WORKER_URL}\n' });
    const run = tracker.start(['start', '-m', 'worker=0', '-p', '34700', '-e', '.env,.env.local'], { cwd: app });
    expect(await exitWithin(run)).toBe(1);
    expect(stderrLines(run)).toEqual([
      expect.stringContaining(`${path.join(app, '.env.local')}:1: WORKER refers to \${PS_RUN_WORKER_URL}, which is not defined`),
    ]);
  });
});
