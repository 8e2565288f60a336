// `ps-run export supervisord` run by the real supervisord: web instances answer on their ports, the
// worker gets every env value unchanged, and stopping supervisord leaves no process behind.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, isAlive, makeApp, marker, pidsWithEnv, psRun, waitForHttp, waitUntil } from './helpers.js';

const BASE_PORT = 31100;
const hasSupervisord = spawnSync('sh', ['-c', 'command -v supervisord']).status === 0;

// Any value: the export passes them through an env file sourced by sh, not supervisord's environment=.
const HOSTILE = {
  HOSTILE_SPACES: '  two  spaces  ',
  HOSTILE_DOUBLE: 'say "hi" there',
  HOSTILE_SINGLE: "it's mine",
  HOSTILE_DOLLAR: '$HOME ${PATH} $$ `id`',
  HOSTILE_PERCENT: '100% %(ENV_HOME)s %%',
  HOSTILE_BACKSLASH: 'C:\\path\\n\\t \\',
  HOSTILE_COMMA: 'a=1,b=2',
  HOSTILE_UNICODE: 'größe ☃ 日本 🎉',
  HOSTILE_EMPTY: '',
  HOSTILE_DQ_ENDS: '"quoted"',
  HOSTILE_SQ_ENDS: "'single'",
  HOSTILE_HERE: 'at %(here)s',
  HOSTILE_COMMENT: 'a ;b #c',
  HOSTILE_LINES: 'two\nlines',
};
const envFile = (values: Record<string, string>): string =>
  Object.entries(values)
    .map(([name, value]) => (value.includes("'") ? `${name}="${value}"` : `${name}='${value}'`))
    .join('\n') + '\n';

let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const step of cleanup.reverse()) step();
  cleanup = [];
});

describe.skipIf(!hasSupervisord)('export supervisord, run by supervisord', () => {
  it('serves each web instance on its port, passes env values exactly, and stops everything', async () => {
    const mark = marker();
    const app = makeApp({
      Procfile: `web: ${fixture('server.js')}\nworker: ${fixture('export-app/dump-env.js', 'dump')}\n`,
      '.env': envFile({ PS_RUN_TEST_MARKER: mark, ...HOSTILE }),
    });
    cleanup.push(() => rmSync(app, { recursive: true, force: true }));
    const dump = path.join(app, 'dump');
    mkdirSync(dump);
    const exported = psRun(
      ['export', 'supervisord', 'out', '-a', 'shop', '-p', String(BASE_PORT), '-l', path.join(app, 'logs'), 'web=2', 'worker'],
      {
        cwd: app,
      },
    );
    expect(await exported.exited, exported.stderr).toBe(0);
    expect(exported.stdout.split('\n').filter(Boolean)).toEqual([
      'out/shop.conf',
      'out/shop-env/web.1',
      'out/shop-env/web.2',
      'out/shop-env/worker.1',
      'out/.ps-run-export-shop.manifest',
    ]);
    mkdirSync(path.join(app, 'logs'));

    const conf = path.join(app, 'supervisord.conf');
    writeFileSync(
      conf,
      [
        '[unix_http_server]',
        `file=${app}/supervisor.sock`,
        '[supervisord]',
        `logfile=${app}/supervisord.log`,
        `pidfile=${app}/supervisord.pid`,
        `childlogdir=${app}/logs`,
        'nodaemon=true',
        'user=root',
        '[rpcinterface:supervisor]',
        'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
        '[supervisorctl]',
        `serverurl=unix://${app}/supervisor.sock`,
        '[include]',
        `files=${app}/out/*.conf`,
        '',
      ].join('\n'),
    );
    const supervisord: ChildProcess = spawn('supervisord', ['-n', '-c', conf], { stdio: 'ignore', detached: true });
    cleanup.push(() => {
      if (supervisord.pid !== undefined && isAlive(supervisord.pid)) process.kill(-supervisord.pid, 'SIGKILL');
      for (const pid of pidsWithEnv('PS_RUN_TEST_MARKER', mark)) process.kill(pid, 'SIGKILL');
    });
    const exitedSupervisord = new Promise<number | null>((resolve) => supervisord.once('exit', (code) => resolve(code)));

    for (const [port, name] of [
      [BASE_PORT, 'web.1'],
      [BASE_PORT + 1, 'web.2'],
    ] as const) {
      expect(await waitForHttp(port, '/x')).toBe(`${name} /x\n`);
    }
    const dumped = path.join(dump, 'worker.1.json');
    await waitUntil(() => existsSync(dumped), 20_000, 'the worker to write its env');
    expect(JSON.parse(readFileSync(dumped, 'utf8'))).toEqual({ ...HOSTILE, PORT: String(BASE_PORT + 100), PS: 'worker.1' });
    // Each instance runs under the marker: two webs (their sh, if any, and node) and the worker.
    expect(pidsWithEnv('PS_RUN_TEST_MARKER', mark).length).toBeGreaterThanOrEqual(3);
    // -l: supervisord writes each instance's output to <dir>/<app>-<name>.log.
    await waitUntil(() => existsSync(path.join(app, 'logs', 'shop-web.1.log')), 10_000, 'the web.1 log file');
    await waitUntil(
      () => readFileSync(path.join(app, 'logs', 'shop-web.1.log'), 'utf8').includes(`listening ${BASE_PORT} web.1`),
      10_000,
      'web.1 log',
    );

    const stop = spawnSync('supervisorctl', ['-c', conf, 'shutdown'], { encoding: 'utf8', timeout: 30_000 });
    expect(stop.status, stop.stdout + stop.stderr).toBe(0);
    expect(await exitedSupervisord).toBe(0);
    await waitUntil(() => pidsWithEnv('PS_RUN_TEST_MARKER', mark).length === 0, 15_000, 'every exported process to be gone');
  });

  it('stops a process group, not just its shell: a child of the command goes too', async () => {
    const mark = marker();
    // sh -c with two commands keeps the shell as the parent of node: only a group stop reaches node.
    const app = makeApp({
      Procfile: `web: ${fixture('server.js')}; echo never\n`,
      '.env': `PS_RUN_TEST_MARKER=${mark}\n`,
    });
    cleanup.push(() => rmSync(app, { recursive: true, force: true }));
    const exported = psRun(['export', 'supervisord', 'out', '-a', 'grp', '-p', String(BASE_PORT + 200)], { cwd: app });
    expect(await exported.exited, exported.stderr).toBe(0);
    const conf = path.join(app, 'supervisord.conf');
    writeFileSync(
      conf,
      `[unix_http_server]\nfile=${app}/s.sock\n[supervisord]\nlogfile=${app}/s.log\npidfile=${app}/s.pid\nchildlogdir=${app}\nnodaemon=true\nuser=root\n` +
        `[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n` +
        `[supervisorctl]\nserverurl=unix://${app}/s.sock\n[include]\nfiles=${app}/out/*.conf\n`,
    );
    const supervisord = spawn('supervisord', ['-n', '-c', conf], { stdio: 'ignore', detached: true });
    cleanup.push(() => {
      if (supervisord.pid !== undefined && isAlive(supervisord.pid)) process.kill(-supervisord.pid, 'SIGKILL');
      for (const pid of pidsWithEnv('PS_RUN_TEST_MARKER', mark)) process.kill(pid, 'SIGKILL');
    });
    await waitUntil(() => pidsWithEnv('PS_RUN_TEST_MARKER', mark).length === 2, 20_000, 'sh and node to run');
    const stop = spawnSync('supervisorctl', ['-c', conf, 'stop', 'grp:*'], { encoding: 'utf8', timeout: 30_000 });
    expect(stop.status, stop.stdout + stop.stderr).toBe(0);
    await waitUntil(() => pidsWithEnv('PS_RUN_TEST_MARKER', mark).length === 0, 15_000, 'sh and node to be gone');
    spawnSync('supervisorctl', ['-c', conf, 'shutdown'], { timeout: 30_000 });
  });
});
