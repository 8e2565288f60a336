// Driving a running ps-run through its control socket: restart, stop, scale, status, logs, quit, the
// socket's safety and every client error. Real processes, real ports, a socket per test. Ports 26000-26999.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameDecoder, type Frame } from '../../src/control/protocol.js';
import type { InstanceStatus } from '../../src/runtime/control.js';
import {
  BIN,
  MARK,
  client,
  exitWithin,
  fixture,
  logLines,
  makeApp,
  pidsWithEnv,
  portAccepts,
  runTracker,
  socketPath,
  waitUntil,
} from './helpers.js';

const tracker = runTracker();
afterEach(() => tracker.cleanup());

const WEB_WORKER = `web: ${fixture('server.js')}\nworker: ${fixture('idle.js')}\n`;

type Status = InstanceStatus;

async function status(app: string, socket: string): Promise<Status[]> {
  const result = await client(['status', '--json', '-s', socket], app);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as Status[];
}

/** Starts ps-run and waits until every instance is ready. */
async function started(args: string[], procfile = WEB_WORKER, ready = /worker\.1 ready/) {
  const app = makeApp({ Procfile: procfile });
  const socket = socketPath();
  const run = tracker.start(['start', '-s', socket, '--settle', '0.2', ...args], { cwd: app });
  await run.waitFor(ready);
  return { app, socket, run };
}

describe('ps-run restart', () => {
  it('restarts one instance on its port while the others keep their pids, with no back-off, and says who asked', async () => {
    const { app, socket, run } = await started(
      ['-p', '26000', 'web=2', 'worker'],
      WEB_WORKER,
      /(?=[\s\S]*web\.2 ready)(?=[\s\S]*worker\.1 ready)/,
    );
    const before = await status(app, socket);
    const result = await client(['restart', 'web.1', '-s', socket], app);
    expect(result).toEqual({ code: 0, stdout: 'restarted web.1\n', stderr: '' });
    // The command returned once web.1 was back: its port answers now.
    expect(await portAccepts(26000)).toBe(true);
    const after = await status(app, socket);
    const pid = (list: Status[], name: string) => list.find((s) => s.name === name)?.pid;
    expect(pid(after, 'web.1')).not.toBe(pid(before, 'web.1'));
    expect(pid(after, 'web.2')).toBe(pid(before, 'web.2'));
    expect(pid(after, 'worker.1')).toBe(pid(before, 'worker.1'));
    expect(after.find((s) => s.name === 'web.1')).toMatchObject({ state: 'running', ready: true, restarts: 1 });
    expect(logLines(run.stdout)).toContain('system   | restart web.1 (requested by ps-run restart)');
    expect(run.stdout).not.toMatch(/restarting web\.1 in \d+ ms/);
    run.signal('SIGINT');
    // A requested restart is not a crash: the exit status is the signal's alone.
    expect(await exitWithin(run)).toBe(130);
  });

  it('restarts a whole type, a glob, or everything', async () => {
    const { app, socket, run } = await started(
      ['-p', '26100', 'web=2', 'worker'],
      WEB_WORKER,
      /(?=[\s\S]*web\.2 ready)(?=[\s\S]*worker\.1 ready)/,
    );
    expect((await client(['restart', 'web', '-s', socket], app)).stdout).toBe('restarted web.1, web.2\n');
    expect((await client(['restart', 'w*', '-s', socket], app)).stdout).toBe('restarted web.1, web.2, worker.1\n');
    expect((await client(['restart', '-s', socket], app)).stdout).toBe('restarted web.1, web.2, worker.1\n');
    expect((await status(app, socket)).map((s) => [s.name, s.restarts, s.state])).toEqual([
      ['web.1', 3, 'running'],
      ['web.2', 3, 'running'],
      ['worker.1', 2, 'running'],
    ]);
    run.signal('SIGTERM');
    expect(await exitWithin(run)).toBe(143);
  });
});

describe('ps-run stop', () => {
  it('stops one instance: its port is freed, it stays stopped, and restart brings it back', async () => {
    const { app, socket, run } = await started(['-p', '26200']);
    expect(await client(['stop', 'web.1', '-s', socket], app)).toEqual({ code: 0, stdout: 'stopped web.1\n', stderr: '' });
    expect(await portAccepts(26200)).toBe(false);
    const list = await status(app, socket);
    expect(list.find((s) => s.name === 'web.1')).toMatchObject({ state: 'stopped', pid: null, ready: false });
    expect(list.find((s) => s.name === 'worker.1')).toMatchObject({ state: 'running' });
    expect(await client(['restart', 'web.1', '-s', socket], app)).toMatchObject({ code: 0, stdout: 'restarted web.1\n' });
    expect(await portAccepts(26200)).toBe(true);
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
  });

  it('keeps running when the user has stopped everything, until told to quit (exit 0, nothing left)', async () => {
    const { app, socket, run } = await started(['-p', '26300']);
    expect((await client(['stop', 'web', 'worker', '-s', socket], app)).code).toBe(0);
    expect((await status(app, socket)).map((s) => s.state)).toEqual(['stopped', 'stopped']);
    expect(run.child.exitCode).toBeNull();
    expect(await client(['quit', '-s', socket], app)).toEqual({ code: 0, stdout: '', stderr: '' });
    // quit returned once the ps-run was gone.
    expect(run.child.exitCode ?? (await exitWithin(run))).toBe(0);
    expect(logLines(run.stdout)).toContain('system   | quit (requested by ps-run quit)');
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
    expect(existsSync(socket)).toBe(false);
  });
});

describe('ps-run scale', () => {
  it('adds instances on the next ports and removes the highest-numbered first, binding and freeing ports', async () => {
    const { app, socket, run } = await started(['-p', '26400']);
    expect(await client(['scale', 'web=3', '-s', socket], app)).toEqual({ code: 0, stdout: 'started web.2, web.3\n', stderr: '' });
    expect(await portAccepts(26401)).toBe(true);
    expect(await portAccepts(26402)).toBe(true);
    expect((await status(app, socket)).map((s) => [s.name, s.port, s.state])).toEqual([
      ['web.1', 26400, 'running'],
      ['worker.1', 26500, 'running'],
      ['web.2', 26401, 'running'],
      ['web.3', 26402, 'running'],
    ]);
    await run.waitFor(/web\.3 +\| listening 26402 web\.3/);
    expect(await client(['scale', 'web=1', 'worker=0', '-s', socket], app)).toEqual({
      code: 0,
      stdout: 'stopped web.3, web.2, worker.1\n',
      stderr: '',
    });
    expect(await portAccepts(26401)).toBe(false);
    expect(await portAccepts(26402)).toBe(false);
    expect((await status(app, socket)).map((s) => s.name)).toEqual(['web.1']);
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('widens the prefix column when a longer name appears', async () => {
    const procfile = `webapp: ${fixture('server.js')}\nworker: ${fixture('idle.js')}\n`;
    const { app, socket, run } = await started(['-p', '26600', '--port-step', '20'], procfile);
    await run.waitFor('webapp.1 | listening 26600 webapp.1');
    expect((await client(['scale', 'webapp=12', '-s', socket], app)).code).toBe(0);
    await run.waitFor(/webapp\.12 \| listening 26611 webapp\.12/);
    await run.waitFor('webapp.2  | listening 26601 webapp.2');
    const lines = logLines(run.stdout.slice(run.stdout.lastIndexOf('\n', run.stdout.indexOf('scale webapp=12')) + 1));
    expect(lines).toContain('webapp.12 | listening 26611 webapp.12');
    expect(lines).toContain('webapp.2  | listening 26601 webapp.2');
    // The scale line itself came before the new names; every line after it is aligned to the new width.
    expect(lines[0]).toBe('system   | scale webapp=12 (requested by ps-run scale)');
    for (const line of lines.slice(1)) expect(line.indexOf('|'), line).toBe(10);
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
  });
});

describe('ps-run status', () => {
  it('prints a table, and JSON with name, type, state, pid, port, ready and restarts', async () => {
    const { app, socket, run } = await started(['-p', '26700']);
    const table = await client(['status', '-s', socket], app);
    expect(table.code).toBe(0);
    const rows = table.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^ps-run pid \d+ for .*Procfile$/);
    expect(rows[1]).toBe(`socket ${socket}`);
    expect(rows[2]).toMatch(/^name\s+state\s+pid\s+port\s+ready\s+restarts\s+uptime\s+last exit$/);
    expect(rows[3]).toMatch(/^web\.1\s+running\s+\d+\s+26700\s+yes\s+0\s+\d+(ms|s)\s+-$/);
    const list = await status(app, socket);
    expect(list[0]).toMatchObject({ name: 'web.1', type: 'web', state: 'running', port: 26700, ready: true, restarts: 0 });
    expect(typeof list[0]?.pid).toBe('number');
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
  });
});

describe('ps-run logs', () => {
  const CHATTY = `web: ${fixture('server.js')}\nworker: node -e 'let i = 0; setInterval(() => console.log("tick " + i++), 20)'\n`;

  it('prints the last -n lines of chosen instances, prefixed as in the main log', async () => {
    const { app, socket, run } = await started(['-p', '26800'], CHATTY, /worker\.1 \| tick 30/);
    const result = await client(['logs', '-n', '3', 'worker', '-s', socket, '--no-timestamp'], app);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    const numbers = lines.map((l) => Number(/^worker\.1 \| tick (\d+)$/.exec(l)?.[1]));
    expect(numbers[1]).toBe((numbers[0] ?? 0) + 1);
    expect(numbers[2]).toBe((numbers[0] ?? 0) + 2);
    const json = await client(['logs', '-n', '1', 'web.1', '-s', socket, '--log-format', 'json'], app);
    expect(JSON.parse(json.stdout)).toMatchObject({ process: 'web.1', stream: 'stdout', line: 'listening 26800 web.1' });
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
  });

  it('-f follows new lines until Ctrl-C', async () => {
    const { app, socket, run } = await started(['-p', '26850'], CHATTY, /worker\.1 \| tick 5/);
    const follower = tracker.start(['logs', '-f', '-n', '0', 'worker.1', '-s', socket, '--no-timestamp'], { cwd: app });
    await follower.waitFor(/worker\.1 \| tick \d+\n[\s\S]*worker\.1 \| tick \d+\n[\s\S]*worker\.1 \| tick \d+\n/);
    follower.signal('SIGINT');
    expect(await exitWithin(follower)).toBe(130);
    const numbers = follower.stdout
      .trimEnd()
      .split('\n')
      .map((l) => Number(/tick (\d+)$/.exec(l)?.[1]));
    numbers.forEach((n, i) => i > 0 && expect(n).toBe((numbers[i - 1] ?? 0) + 1));
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
  });

  it('carries any bytes unchanged: raw after each frame for the CLI, base64 for a client that does not ask', async () => {
    // Invalid UTF-8 and a NUL: no text encoding survives these, so only a byte-exact path passes.
    const sent = Buffer.from([0x63, 0x61, 0x66, 0xc3, 0xa9, 0x20, 0xff, 0xfe, 0x00, 0x20, 0x65, 0x6e, 0x64, 0x0a]);
    const procfile = `raw: printf 'caf\\303\\251 \\377\\376\\000 end\\n'; exec sleep 600\n`;
    const { app, socket, run } = await started(['-p', '26500'], procfile, /raw\.1 +\| caf/);
    const printed = await new Promise<Buffer>((resolve, reject) =>
      execFile(
        process.execPath,
        [BIN, 'logs', 'raw', '-s', socket, '--no-timestamp'],
        { cwd: app, env: { ...process.env, NO_COLOR: '1' }, encoding: 'buffer', timeout: 60_000 },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      ),
    );
    // Prefixed as in the main log (its column as wide as `system`), then the bytes as they were printed.
    expect(printed.toString('latin1')).toMatch(/^raw\.1 +\| /);
    expect(printed.subarray(printed.indexOf('| ') + 2).equals(sent)).toBe(true);
    // The protocol itself, both ways.
    const ask = async (binary: boolean): Promise<Frame[]> => {
      const peer = net.connect(socket);
      const decoder = new FrameDecoder();
      const frames: Frame[] = [];
      peer.on('data', (chunk: Buffer) => frames.push(...decoder.push(chunk)));
      peer.write(`${JSON.stringify({ v: 1, cmd: 'logs', targets: ['raw'], lines: 10, follow: false, binary })}\n`);
      await new Promise((resolve) => peer.once('close', resolve));
      return frames;
    };
    const [okRaw, linesRaw, endRaw] = await ask(true);
    expect(okRaw?.message).toMatchObject({ ok: true, names: ['raw.1'] });
    expect(linesRaw?.message).toMatchObject({ kind: 'lines', name: 'raw.1', bytes: sent.length });
    expect(linesRaw?.payload?.equals(sent)).toBe(true);
    expect(endRaw?.message).toMatchObject({ kind: 'end' });
    const [, lines64] = await ask(false);
    expect(lines64?.payload).toBeUndefined();
    expect(lines64?.message).not.toHaveProperty('bytes');
    expect(Buffer.from((lines64?.message as { data: string }).data, 'base64').equals(sent)).toBe(true);
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
  });

  it('a follower gets every line up to the end when ps-run stops, then ends itself', async () => {
    const procfile = `talker: node -e 'let i = 0; setInterval(() => console.log("tick " + i++), 20); process.on("SIGTERM", () => { console.log("last words"); process.exit(0); })'\n`;
    const { app, socket, run } = await started(['-p', '26520'], procfile, /talker\.1 +\| tick 3\n/);
    const follower = tracker.start(['logs', '-f', '-n', '0', 'talker', '-s', socket, '--no-timestamp'], { cwd: app });
    await follower.waitFor(/talker\.1 +\| tick \d+\n/);
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
    expect(await exitWithin(follower)).toBe(0);
    expect(follower.stdout).toMatch(/talker\.1 +\| last words\n$/);
  });

  it('a follower that never reads does not slow the children or the main log, and is told what it lost', async () => {
    const lines = 200_000;
    const procfile = `web: ${fixture('server.js')}\nspam: LINES=${lines} ${fixture('spam.js')}\n`;
    const app = makeApp({ Procfile: procfile });
    const socket = socketPath();
    const run = tracker.start(['start', '-s', socket, '-p', '26900', '--no-timestamp', 'web'], { cwd: app });
    await run.waitFor(/web\.1 ready/);
    // A follower that connects and never reads.
    const stuck = net.connect(socket);
    await new Promise((resolve) => stuck.once('connect', resolve));
    stuck.write(`${JSON.stringify({ v: 1, cmd: 'logs', targets: [], lines: 0, follow: true })}\n`);
    stuck.pause();
    expect((await client(['scale', 'spam=1', '-s', socket], app)).code).toBe(0);
    await run.waitFor(`spam.1 | spam.1 line ${String(lines - 1).padStart(8, '0')} `, 60_000);
    // Every line reached the main log, whole and in order, while the follower read nothing.
    const numbers = logLines(run.stdout)
      .filter((l) => l.startsWith('spam.1 | '))
      .map((l) => Number(/^spam\.1 \| spam\.1 line (\d{8}) x{50}$/.exec(l)?.[1]));
    expect(numbers).toHaveLength(lines);
    expect(numbers.every((n, i) => n === i)).toBe(true);
    // It catches up now: some lines were dropped for it, and it is told how many.
    let received = '';
    stuck.on('data', (chunk: Buffer) => (received += chunk.toString()));
    stuck.resume();
    await waitUntil(() => /"kind":"dropped","count":\d+/.test(received), 20_000, 'a dropped frame');
    const dropped = Number(/"kind":"dropped","count":(\d+)/.exec(received)?.[1]);
    expect(dropped).toBeGreaterThan(0);
    expect(dropped).toBeLessThan(lines);
    stuck.destroy();
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
  });
});

describe('the control socket', () => {
  it('is 0600 in a 0700 directory derived from the Procfile path, and --help names it', async () => {
    const runtimeDir = mkdtempSync(path.join(tmpdir(), 'ps-run-xdg-'));
    const env = { XDG_RUNTIME_DIR: runtimeDir };
    const app = makeApp({ Procfile: WEB_WORKER });
    const run = tracker.start(['start', '-p', '26950', '--settle', '0.2'], { cwd: app, env });
    await run.waitFor(/worker\.1 ready/);
    const dir = path.join(runtimeDir, 'ps-run');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const table = await client(['status'], app, env);
    const socket = /^socket (.+)$/m.exec(table.stdout)?.[1] ?? '';
    expect(path.dirname(socket)).toBe(dir);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    const help = await client(['status', '--help'], app, env);
    expect(help.stdout.replace(/\s+/g, ' ')).toContain(socket);
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
    expect(existsSync(socket)).toBe(false);
  });

  it('refuses a directory that others can enter', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ps-run-open-'));
    chmodSync(dir, 0o755);
    const app = makeApp({ Procfile: WEB_WORKER });
    const run = tracker.start(['start', '-p', '26960', '-s', path.join(dir, 'ctl.sock')], { cwd: app });
    expect(await exitWithin(run)).toBe(1);
    expect(run.stderr).toBe(
      `ps-run: refusing to put the control socket in ${dir}: its mode is 0755 (it must be a directory of your own with mode 0700)\n`,
    );
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('a second start for the same Procfile is refused; a socket left by a SIGKILLed ps-run is replaced without a word', async () => {
    const { app, socket, run } = await started(['-p', '26970']);
    // The same ports too: the socket is checked first, so the message is about ps-run, not a port.
    const second = tracker.start(['start', '-p', '26970', '-s', socket], { cwd: app });
    expect(await exitWithin(second)).toBe(1);
    expect(second.stderr).toBe(
      `ps-run: ps-run is already running for ./Procfile (pid ${run.child.pid}); use ps-run status, or -s for a second one\n`,
    );
    expect(pidsWithEnv(MARK, second.mark)).toEqual([]);
    run.child.kill('SIGKILL');
    await exitWithin(run);
    await waitUntil(() => pidsWithEnv(MARK, run.mark).length === 0, 10_000, 'the watchdog to clean up');
    expect(existsSync(socket)).toBe(true);
    const third = tracker.start(['start', '-p', '26970', '-s', socket, '--settle', '0.2'], { cwd: app });
    await third.waitFor(/worker\.1 ready/);
    expect(third.stderr).toBe('');
    expect((await status(app, socket)).length).toBe(2);
    third.signal('SIGINT');
    expect(await exitWithin(third)).toBe(130);
  });
});

describe('client errors: one ps-run: line, exit 1', () => {
  it('with no ps-run running', async () => {
    const app = makeApp({ Procfile: WEB_WORKER });
    const socket = socketPath();
    // `-fProcfile` (option and value in one word) is left to the full CLI by the quick path: both
    // paths must give the same line.
    const commands = [['status'], ['restart'], ['stop', 'web'], ['scale', 'web=2'], ['logs'], ['quit'], ['attach', 'web.1']];
    for (const args of [...commands, ['status', '-fProcfile'], ['restart', 'web', '-fProcfile'], ['quit', '-fProcfile']]) {
      const result = await client([...args, '-s', socket], app);
      expect(result, args.join(' ')).toEqual({
        code: 1,
        stdout: '',
        stderr: `ps-run: no ps-run is running for ./Procfile (no socket at ${socket})\n`,
      });
    }
  });

  it('for unknown targets, bad scale items and a stop without a target', async () => {
    const { app, socket, run } = await started(['-p', '26990', '--port-step', '5']);
    const expectError = async (args: string[], message: string): Promise<void> => {
      expect(await client([...args, '-s', socket], app), args.join(' ')).toEqual({ code: 1, stdout: '', stderr: `ps-run: ${message}\n` });
    };
    await expectError(['restart', 'db'], 'no process matches "db"; known: web.1, worker.1');
    await expectError(['stop', 'x*'], 'no process matches "x*"; known: web.1, worker.1');
    await expectError(['logs', 'web.9'], 'no process matches "web.9"; known: web.1, worker.1');
    await expectError(['scale', 'web'], 'malformed scale item "web": expected <type>=<count>, e.g. web=3');
    await expectError(['scale', 'db=1'], 'unknown process type "db"; known types: web, worker');
    await expectError(['scale', 'web=6'], 'cannot scale web to 6: the port step allows 5 instances per type');
    const stop = await client(['stop', '-s', socket], app);
    expect(stop.code).toBe(1);
    expect(stop.stderr).toMatch(/^ps-run: missing required argument 'target'\n$/);
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
  });

  it('a port taken when scaling up is one line naming it; nothing changes', async () => {
    const { app, socket, run } = await started(['-p', '26995', '--port-step', '3']);
    const blocker = net.createServer().listen(26996, '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    try {
      const result = await client(['scale', 'web=2', '-s', socket], app);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^ps-run: port 26996 for web\.2 is already in use by pid \d+ .*\n$/);
      expect((await status(app, socket)).map((s) => s.name)).toEqual(['web.1', 'worker.1']);
    } finally {
      blocker.close();
    }
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
  });
});
