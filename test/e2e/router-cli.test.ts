// The router as users run it: `ps-run start --router`, through the built CLI against real instances,
// real sockets and real signals. Ports 12000-12499, 127.0.0.1 only.
import { createServer, type Server } from 'node:net';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, MARK, exitWithin, fixture, makeApp, pidsWithEnv, portAccepts, runTracker, waitUntil } from './helpers.js';
import { WEB, client, spread, startRouted, status } from './router-cli-support.js';
import { fetchText, steadyLoad } from './router-support.js';

const tracker = runTracker();
afterEach(() => tracker.cleanup());

describe('ps-run start --router', () => {
  it('spreads requests over every ready instance, forwards headers and WebSockets, tells children and status where it is, and closes on Ctrl-C', async () => {
    const procfile = `${WEB}envcheck: ${fixture('print-env.js', 'PS_RUN_ROUTER_URL PS_RUN_WEB_ROUTER_URL')}\n`;
    const { app, socket, run } = await startRouted(
      tracker,
      ['-p', '12000', '--port-step', '10', 'web=3', 'envcheck', '--router', '12050', '--router-log'],
      procfile,
      /(?=[\s\S]*web\.1 ready)(?=[\s\S]*web\.2 ready)(?=[\s\S]*web\.3 ready)/,
    );
    expect(run.stdout).toContain('PS_RUN_ROUTER_URL=http://127.0.0.1:12050');
    expect(run.stdout).toContain('PS_RUN_WEB_ROUTER_URL=http://127.0.0.1:12050');

    const { by, other } = await spread('http://127.0.0.1:12050/', 30);
    expect(other).toEqual([]);
    // One request at a time: least connections takes ties in turn, so each instance gets a third.
    expect(Object.fromEntries(by)).toEqual({ 'web.1': 10, 'web.2': 10, 'web.3': 10 });

    const reply = await fetchText('http://127.0.0.1:12050/headers', {
      headers: { 'x-custom': 'kept', connection: 'keep-alive, x-drop', 'x-drop': 'no' },
    });
    const seen = JSON.parse(reply.body) as { headers: Record<string, string> };
    expect(seen.headers['x-custom']).toBe('kept');
    expect(seen.headers['x-drop']).toBeUndefined();
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-host']).toBe('127.0.0.1:12050');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers.forwarded).toContain('for=127.0.0.1');
    expect(reply.headers['x-hop']).toBeUndefined();

    const ws = new WebSocket('ws://127.0.0.1:12050/chat');
    const echoed = await new Promise<string>((resolve, reject) => {
      ws.once('open', () => ws.send('hello'));
      ws.once('message', (data: Buffer) => resolve(data.toString()));
      ws.once('error', reject);
    });
    expect(echoed).toMatch(/^web\.[123]:hello$/);
    const wsClosed = new Promise((resolve) => ws.once('close', resolve));
    ws.close();
    await wsClosed;

    await run.waitFor(/router +\| GET \/headers 200 web\.\d \d+ms/);
    const list = await status(app, socket);
    expect(list.filter((s) => s.type === 'web').map((s) => s.rotation)).toEqual(['in', 'in', 'in']);
    expect(list.find((s) => s.type === 'envcheck')?.rotation).toBeUndefined();
    const text = await client(['status', '-s', socket], app);
    expect(text.stdout).toContain('router for web: http://127.0.0.1:12050');
    expect(text.stdout).toMatch(/^name +state +pid +port +ready +restarts +uptime +last exit +router$/m);

    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
    expect(await portAccepts(12050)).toBe(false);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('sends nothing to an instance that is up but not yet ready, and admits it once it is', async () => {
    // Listens at once, says "up" (its readiness line) only once its hold file is gone.
    const server = `
import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
const id = process.env.PS;
createServer((req, res) => res.end(id)).listen(Number(process.env.PORT), '127.0.0.1', () => {
  const wait = () => (existsSync('hold-' + id) ? setTimeout(wait, 20) : console.log('up'));
  wait();
});
`;
    const app = makeApp({ Procfile: 'web: exec node server.mjs\n', 'server.mjs': server, 'hold-web.2': '' });
    const socket = path.join(app, 'ctl.sock');
    const run = tracker.start(
      ['start', '-s', socket, '-p', '12100', '--port-step', '10', 'web=2', '--ready', 'web=log:^up$', '--router', '12150'],
      {
        cwd: app,
      },
    );
    await run.waitFor(/web\.1 ready/);
    // web.2 listens (its port answers) but is not ready.
    await waitUntil(() => portAccepts(12101), 10_000, 'web.2 listening');
    const before = await spread('http://127.0.0.1:12150/', 20);
    expect(Object.fromEntries(before.by)).toEqual({ 'web.1': 20 });
    expect((await status(app, socket)).map((s) => [s.name, s.rotation])).toEqual([
      ['web.1', 'in'],
      ['web.2', 'not in'],
    ]);

    rmSync(path.join(app, 'hold-web.2'));
    await run.waitFor(/web\.2 ready/);
    const after = await spread('http://127.0.0.1:12150/', 20);
    expect(Object.fromEntries(after.by)).toEqual({ 'web.1': 10, 'web.2': 10 });
  });

  it('retries the GETs of a SIGKILLed instance on the others: no request fails', async () => {
    const { app, socket, run } = await startRouted(
      tracker,
      ['-p', '12200', '--port-step', '10', 'web=3', '--router', '12250'],
      WEB,
      /(?=[\s\S]*web\.1 ready)(?=[\s\S]*web\.2 ready)(?=[\s\S]*web\.3 ready)/,
    );
    const load = steadyLoad('http://127.0.0.1:12250/', 200);
    await waitUntil(() => load.stats.ok >= 100, 10_000, '100 answers');
    const victim = (await status(app, socket)).find((s) => s.name === 'web.2')!.pid!;
    process.kill(victim, 'SIGKILL');
    // Back by the restart policy, and admitted again when ready.
    await run.waitFor(/web\.2 ready[\s\S]*web\.2 ready/);
    await waitUntil(async () => (await status(app, socket)).find((s) => s.name === 'web.2')?.rotation === 'in', 10_000, 'web.2 back in');
    const okBefore = load.stats.ok;
    await waitUntil(() => load.stats.ok >= okBefore + 100, 10_000, '100 more answers');
    const stats = await load.stop();
    expect(stats.failures).toEqual([]);
    expect(stats.ok).toBe(stats.sent);
    expect(stats.by.get('web.2')).toBeGreaterThan(0);
  });

  it('answers 503 naming the type when every instance is stopped, and routes again after a restart', async () => {
    const { app, socket } = await startRouted(
      tracker,
      ['-p', '12300', '--port-step', '10', 'web=2', '--router', '12350'],
      WEB,
      /(?=[\s\S]*web\.1 ready)(?=[\s\S]*web\.2 ready)/,
    );
    expect((await client(['stop', 'web', '-s', socket], app)).stdout).toBe('stopped web.1, web.2\n');
    expect((await status(app, socket)).map((s) => s.rotation)).toEqual(['not in', 'not in']);
    const reply = await fetchText('http://127.0.0.1:12350/');
    expect(reply).toMatchObject({ status: 503, body: 'no web instance is ready\n' });
    // No target: everything, here both web instances, one at a time.
    expect(await client(['restart', '-s', socket], app)).toMatchObject({ code: 0, stdout: 'restarted web.1, web.2\n' });
    const { by, other } = await spread('http://127.0.0.1:12350/', 4);
    expect(other).toEqual([]);
    expect(Object.fromEntries(by)).toEqual({ 'web.1': 2, 'web.2': 2 });
  });

  it('routes another type with <type>=<port>, and says so in the smoke summary', async () => {
    const procfile = `${WEB}api: ID=$PS exec node ${path.join(FIXTURES, 'router-backend.js')}\n`;
    const app = makeApp({ Procfile: procfile });
    const run = tracker.start(
      [
        'smoke',
        '-s',
        path.join(app, 'ctl.sock'),
        '-p',
        '12400',
        '--port-step',
        '10',
        '--ready',
        'api=port',
        '--router',
        '12450',
        '--router',
        'api=12451',
        '--',
        'node',
        '-e',
        "fetch(process.env.PS_RUN_API_ROUTER_URL).then((r) => r.text()).then((t) => console.log('via ' + process.env.PS_RUN_API_ROUTER_URL + ': ' + t))",
      ],
      { cwd: app },
    );
    expect(await exitWithin(run)).toBe(0);
    expect(run.stdout).toContain('via http://127.0.0.1:12451: api.1');
    const summary = tracker.start(
      ['smoke', '-s', path.join(app, 'ctl2.sock'), '-p', '12400', '--port-step', '10', '--router', '12450', '--router', 'api=12451'],
      { cwd: app },
    );
    expect(await exitWithin(summary)).toBe(0);
    expect(summary.stdout).toContain('router for web: http://127.0.0.1:12450 (in rotation: web.1)');
    expect(summary.stdout).toContain('router for api: http://127.0.0.1:12451 (in rotation: api.1)');
    expect(await portAccepts(12450)).toBe(false);
    expect(existsSync(path.join(app, 'ctl2.sock'))).toBe(false);
  });
});

describe('ps-run start --router: user mistakes', () => {
  let holder: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => (holder ? holder.close(resolve) : resolve(undefined)));
    holder = undefined;
  });

  const procfile = `${WEB}worker: ${fixture('idle.js')}\n`;
  const cases: [string, string[], RegExp][] = [
    ['a value that is no port', ['--router', 'eighty'], /^ps-run: bad --router value "eighty": expected <port> or <type>=<port>/],
    ['a port out of range', ['--router', '70000'], /^ps-run: bad --router value "70000"/],
    [
      'a type not in the Procfile',
      ['--router', 'api=12480'],
      /^ps-run: --router fronts "api", which is not a process type of the Procfile; known types: web, worker/,
    ],
    [
      'a type not in the formation',
      ['-m', 'web=2,worker=0', '--router', 'worker=12480'],
      /^ps-run: --router fronts worker, but the formation runs no worker instance/,
    ],
    ['the port of an instance', ['--router', '12461'], /^ps-run: router port 12461 for web is also the port of web\.2/],
    [
      'a host that is no address',
      ['--router', '12480', '--router-host', 'example'],
      /^ps-run: bad --router-host "example": expected an IP address/,
    ],
    ['the same type twice', ['--router', '12480', '--router', 'web=12481'], /^ps-run: --router names web twice/],
  ];
  /** Runs `ps-run start` in a new app; asserts the one-line, exit 1, nothing-started shape; returns the line. */
  async function mistake(args: string[]): Promise<string> {
    const app = makeApp({ Procfile: procfile });
    const base = ['start', '-s', path.join(app, 'ctl.sock'), '-p', '12460', '--port-step', '10'];
    const run = tracker.start([...base, ...args], { cwd: app });
    expect(await exitWithin(run)).toBe(1);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stdout).toBe('');
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
    return run.stderr;
  }

  it.each(cases)('%s is one line and exit 1, with nothing started', async (_what, args, message) => {
    expect(await mistake([...(args.includes('-m') ? [] : ['web=2', 'worker']), ...args])).toMatch(message);
  });

  it('a router port already taken names its holder', async () => {
    holder = createServer();
    await new Promise<void>((resolve) => holder!.listen(12490, '127.0.0.1', resolve));
    expect(await mistake(['--router', '12490'])).toMatch(
      new RegExp(`^ps-run: router port 12490 is already in use by pid ${process.pid} \\(.*\\) \\(127\\.0\\.0\\.1:12490\\)`),
    );
  });
});
