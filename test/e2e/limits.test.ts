// Limits: ports taken before start or past 65535, 200 processes at once, and 1,000 restarts of one
// process without leaking file descriptors or listeners. Ports 18000-19999.
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MARK, exitWithin, fixture, makeApp, pidsWithEnv, portAccepts, runTracker, waitUntil } from './helpers.js';

const tracker = runTracker();
const servers: Server[] = [];
afterEach(async () => {
  tracker.cleanup();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function listenOn(port: number): Promise<void> {
  const server = createServer((socket) => socket.destroy());
  servers.push(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

/** A Procfile whose every process leaves a trace in the app directory if it ever starts. */
const TRACED = `web: touch started-$PS; exec ${fixture('server.js')}\nworker: touch started-$PS; exec sleep 1000\n`;
const startedAny = (app: string): boolean => readdirSync(app).some((f) => f.startsWith('started-'));

describe('ports', () => {
  it('a port taken before start: one ps-run: line with the port, the process and the holder, exit 1, nothing started', async () => {
    await listenOn(18000);
    const app = makeApp({ Procfile: TRACED });
    const run = tracker.start(['start', '-p', '18000'], { cwd: app });
    expect(await exitWithin(run)).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^ps-run: port 18000 for web\\.1 is already in use by pid ${process.pid}\\b[^\\n]*\\n$`));
    expect(run.stdout).toBe('');
    expect(startedAny(app)).toBe(false);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });

  it('names the instance whose port is taken (web.3 of three)', async () => {
    await listenOn(18012);
    const app = makeApp({ Procfile: TRACED });
    const run = tracker.start(['start', 'web=3', 'worker', '-p', '18010'], { cwd: app });
    expect(await exitWithin(run)).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^ps-run: port 18012 for web\\.3 is already in use by pid ${process.pid}\\b[^\\n]*\\n$`));
    expect(startedAny(app)).toBe(false);
  });

  it.each<[string, string[], string]>([
    ['base port + step past 65535', ['-p', '65500', '--port-step', '100'], 'port 65600 for worker.1 is above 65535'],
    ['many instances past 65535', ['web=40', '-p', '65500'], 'port 65536 for web.37 is above 65535'],
  ])('%s is an error at start: one ps-run: line, exit 1, nothing started', async (_what, args, message) => {
    const app = makeApp({ Procfile: TRACED });
    const run = tracker.start(['start', ...args], { cwd: app });
    expect(await exitWithin(run)).toBe(1);
    expect(run.stderr.startsWith(`ps-run: ${message}`)).toBe(true);
    expect(run.stderr.split('\n')).toHaveLength(2);
    expect(run.stdout).toBe('');
    expect(startedAny(app)).toBe(false);
  });
});

describe('many processes', () => {
  it('web=100 worker=100 starts, every web port answers, and everything stops cleanly', { timeout: 180_000 }, async () => {
    const app = makeApp({ Procfile: TRACED });
    const run = tracker.start(['start', 'web=100', 'worker=100', '-p', '18100', '--port-step', '200', '--no-timestamp'], { cwd: app });
    const listening = (): number => (run.stdout.match(/\| listening \d+ web\.\d+$/gm) ?? []).length;
    await waitUntil(() => listening() === 100, 150_000, 'all 100 web servers to listen');
    for (let n = 1; n <= 100; n++) expect(run.stdout).toContain(`listening ${18100 + n - 1} web.${n}\n`);
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => portAccepts(18100 + i)));
    expect(answers.filter((ok) => !ok)).toEqual([]);
    expect((run.stdout.match(/system +\| worker\.\d+ started with pid \d+ on port 183\d\d$/gm) ?? []).length).toBe(100);
    for (let n = 1; n <= 100; n++) expect(existsSync(path.join(app, `started-worker.${n}`))).toBe(true);

    run.signal('SIGINT');
    expect(await exitWithin(run, 120_000)).toBe(130);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
    expect(run.stdout).not.toContain('SIGKILL');
    expect(run.stderr).toBe('');
  });

  it('1,000 restarts of one crashing process leak no file descriptors and no listeners', { timeout: 180_000 }, async () => {
    const app = makeApp({ Procfile: 'crash: exit 1\n' });
    const run = tracker.start(
      ['start', '-p', '18500', '--backoff', '1', '--backoff-max', '1', '--max-restarts', '1000', '--no-timestamp'],
      {
        cwd: app,
      },
    );
    const pid = run.child.pid as number;
    // Open descriptors sampled all along, each with the restart count it was seen at.
    const samples: { restart: number; fds: number }[] = [];
    const restartNow = (): number => {
      const all = [...run.stdout.matchAll(/\(restart (\d+) in a row\)/g)];
      return Number(all.at(-1)?.[1] ?? 0);
    };
    const timer = setInterval(() => {
      try {
        samples.push({ restart: restartNow(), fds: readdirSync(`/proc/${pid}/fd`).length });
      } catch {
        // exited
      }
    }, 15);
    try {
      expect(await exitWithin(run, 150_000)).toBe(1);
    } finally {
      clearInterval(timer);
    }
    expect(run.stdout).toMatch(/restarting crash\.1 in 1 ms \(restart 1000 in a row\)/);
    expect(run.stdout).toContain('crash.1 crashed 1001 times in a row; giving up on it');
    expect(run.stderr).not.toContain('MaxListenersExceededWarning');
    expect(run.stderr).toBe('');
    const most = (from: number, to: number): number =>
      Math.max(...samples.filter((s) => s.restart >= from && s.restart <= to).map((s) => s.fds));
    const early = most(10, 200);
    const late = most(800, 1000);
    console.log(`1,000 restarts: ${samples.length} samples; most open fds ${early} around restarts 10-200, ${late} around 800-1000`);
    expect(Number.isFinite(early) && Number.isFinite(late)).toBe(true);
    // A child's pipes come and go with each run; anything that stays behind per restart would show hundreds here.
    expect(late).toBeLessThanOrEqual(early + 3);
  });
});
