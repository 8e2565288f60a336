// `ps-run export runit` run by the real runsvdir/runsv: web instances answer on their ports, the
// worker gets every env value unchanged (line breaks, empty and trailing-space values too), logs go to
// svlogd, and stopping runsvdir leaves no process behind, even a command's child.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, isAlive, makeApp, marker, pidsWithEnv, psRun, waitForHttp, waitUntil } from './helpers.js';

const BASE_PORT = 31400;
const hasRunit = spawnSync('sh', ['-c', 'command -v runsvdir && command -v chpst && command -v svlogd']).status === 0;

const HOSTILE = {
  HOSTILE_SPACES: '  two  spaces',
  HOSTILE_TRAILING: 'ends in spaces  ',
  HOSTILE_BOTH: `it's "both"`,
  HOSTILE_DOLLAR: '$HOME ${PATH} $$ `id`',
  HOSTILE_PERCENT: '100% %(here)s %n',
  HOSTILE_BACKSLASH: 'C:\\path\\t \\',
  HOSTILE_NEWLINE: 'line one\nline two\n',
  HOSTILE_UNICODE: 'größe ☃ 日本 🎉',
  HOSTILE_EMPTY: '',
};
// dotenv: backticks keep both kinds of quote; double quotes turn \n into a line break.
const ENV_FILE = [
  "HOSTILE_SPACES='  two  spaces'",
  "HOSTILE_TRAILING='ends in spaces  '",
  'HOSTILE_BOTH=`it\'s "both"`',
  "HOSTILE_DOLLAR='$HOME ${PATH} $$ `id`'",
  "HOSTILE_PERCENT='100% %(here)s %n'",
  "HOSTILE_BACKSLASH='C:\\path\\t \\'",
  'HOSTILE_NEWLINE="line one\\nline two\\n"',
  "HOSTILE_UNICODE='größe ☃ 日本 🎉'",
  'HOSTILE_EMPTY=',
].join('\n');

/** Pids of live processes whose working directory is inside `dir` (runsvdir, runsv, svlogd, the app). */
function pidsIn(dir: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        const cwd = readlinkSync(`/proc/${e}/cwd`);
        return (cwd === dir || cwd.startsWith(dir + '/')) && isAlive(Number(e));
      } catch {
        return false;
      }
    })
    .map(Number);
}

let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const step of cleanup.reverse()) step();
  cleanup = [];
});

describe.skipIf(!hasRunit)('export runit, run by runsvdir', () => {
  it('serves each web instance, passes env values exactly, logs through svlogd, and stops everything', async () => {
    const mark = marker();
    const app = makeApp({
      // `; exit` keeps sh as the parent of node: only stopping the process group reaches node.
      Procfile: `web: ${fixture('server.js')}\nworker: ${fixture('export-app/dump-env.js', 'dump')}; exit 3\n`,
      '.env': `PS_RUN_TEST_MARKER=${mark}\n${ENV_FILE}\n`,
    });
    cleanup.push(() => rmSync(app, { recursive: true, force: true }));
    mkdirSync(path.join(app, 'dump'));
    const service = path.join(app, 'service');
    const logs = path.join(app, 'logs');
    const exported = psRun(['export', 'runit', service, '-a', 'shop', '-p', String(BASE_PORT), '-l', logs, 'web=2', 'worker'], {
      cwd: app,
    });
    expect(await exported.exited, exported.stderr).toBe(0);
    expect(exported.stdout).toContain(`${service}/shop-web.1/run\n`);
    expect(exported.stdout).toContain(`${service}/shop-worker.1/env/HOSTILE_NEWLINE\n`);

    const runsvdir = spawn('runsvdir', [service], { stdio: 'ignore', detached: true, cwd: app });
    cleanup.push(() => {
      if (runsvdir.pid !== undefined && isAlive(runsvdir.pid)) process.kill(-runsvdir.pid, 'SIGKILL');
      for (const pid of [...pidsWithEnv('PS_RUN_TEST_MARKER', mark), ...pidsIn(app)]) process.kill(pid, 'SIGKILL');
    });
    const runsvdirExited = new Promise<void>((resolve) => runsvdir.once('exit', () => resolve()));

    for (const [port, name] of [
      [BASE_PORT, 'web.1'],
      [BASE_PORT + 1, 'web.2'],
    ] as const) {
      expect(await waitForHttp(port, '/r')).toBe(`${name} /r\n`);
    }
    const dumped = path.join(app, 'dump', 'worker.1.json');
    await waitUntil(() => existsSync(dumped), 20_000, 'the worker to write its env');
    expect(JSON.parse(readFileSync(dumped, 'utf8'))).toEqual({ ...HOSTILE, PORT: String(BASE_PORT + 100), PS: 'worker.1' });
    const webLog = path.join(logs, 'shop-web.1', 'current');
    await waitUntil(
      () => existsSync(webLog) && readFileSync(webLog, 'utf8').includes(`listening ${BASE_PORT} web.1`),
      20_000,
      'web.1 in its svlogd log',
    );

    // HUP: runsvdir sends TERM to each runsv, which stops its service (control/t: the whole group) and exits.
    runsvdir.kill('SIGHUP');
    await runsvdirExited;
    await waitUntil(() => pidsWithEnv('PS_RUN_TEST_MARKER', mark).length === 0, 20_000, 'every exported process to be gone');
    await waitUntil(() => pidsIn(app).length === 0, 20_000, 'runsv and svlogd to be gone');
  });
});
