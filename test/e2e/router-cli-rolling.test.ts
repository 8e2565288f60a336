// Zero-downtime changes behind `ps-run start --router`: rolling restarts of web=3 and of web=1 (with a
// surge instance), and scaling up and down, each under a steady load from the test, with 0 failed
// requests. The instances die at SIGTERM with whatever they were answering, so only the router's drain
// keeps requests from failing. The built CLI, real instances and sockets. Ports 12500-12999, 127.0.0.1 only.
import { afterEach, describe, expect, it } from 'vitest';
import { logLines, runTracker, waitUntil } from './helpers.js';
import { ABRUPT_SERVER, ABRUPT_WEB, client, startRouted, status, type Status } from './router-cli-support.js';
import { fetchText, steadyLoad } from './router-support.js';

const tracker = runTracker();
afterEach(() => tracker.cleanup());

/** A few hundred GETs a second; the load runs only while `during` does, bounded by its deadlines. */
const RATE = 250;

const pids = (list: Status[]): Map<string, number | null> => new Map(list.map((s) => [s.name, s.pid]));

/** Load from before `during` starts until after it ends (at least 100 answers each side); returns its stats. */
async function underLoad(url: string, during: (stats: ReturnType<typeof steadyLoad>['stats']) => Promise<void>) {
  const load = steadyLoad(url, RATE);
  try {
    await waitUntil(() => load.stats.ok >= 100, 15_000, '100 answers before');
    await during(load.stats);
    const okAfter = load.stats.ok;
    await waitUntil(() => load.stats.ok >= okAfter + 100, 15_000, '100 answers after');
  } finally {
    await load.stop();
  }
  return load.stats;
}

/**
 * POSTs that take `ms` to answer, sent now: a POST is never retried, so each one that comes back 200
 * finished on the instance it started on, i.e. that instance was drained before it was stopped.
 */
function slowPosts(url: string, count: number, ms: number): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, () =>
      fetchText(`${url}slow?ms=${ms}`, { method: 'POST', body: '' }).then((r) => `${r.status} ${r.body}`),
    ),
  );
}

describe('rolling restart behind the router', () => {
  it('restarts web=3 one at a time, drained first, with no failed request', async () => {
    const { app, socket, run } = await startRouted(
      tracker,
      ['-p', '12500', '--port-step', '10', 'web=3', '--router', '12550'],
      ABRUPT_WEB,
      /(?=[\s\S]*web\.1 ready)(?=[\s\S]*web\.2 ready)(?=[\s\S]*web\.3 ready)/,
      { 'server.mjs': ABRUPT_SERVER },
    );
    const before = pids(await status(app, socket));
    let posts: string[] = [];
    const stats = await underLoad('http://127.0.0.1:12550/', async () => {
      const slow = slowPosts('http://127.0.0.1:12550/', 6, 2500);
      const result = await client(['restart', 'web.*', '-s', socket], app);
      expect(result).toEqual({ code: 0, stdout: 'restarted web.1, web.2, web.3\n', stderr: '' });
      posts = await slow;
    });
    // Slow POSTs in flight when the roll began all finished: every instance was drained before it stopped.
    expect(posts.map((r) => r.slice(0, 3))).toEqual(['200', '200', '200', '200', '200', '200']);
    expect(stats.failures).toEqual([]);
    expect(stats.ok).toBe(stats.sent);
    const after = await status(app, socket);
    for (const s of after) {
      expect(s.pid).not.toBe(before.get(s.name));
      expect(s.rotation).toBe('in');
    }
    // One at a time: each instance was ready again before the next one was asked to stop.
    const lines = logLines(run.stdout);
    const roll = lines
      .slice(lines.findIndex((line) => line.includes('restart web.1, web.2, web.3 (requested by ps-run restart)')))
      .map((line) => /^system +\| (web\.\d) (was killed by SIGTERM|exited with code \d+|started|ready)/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => `${m[1]} ${m[2]!.startsWith('ready') || m[2] === 'started' ? m[2] : 'ended'}`);
    expect(roll).toEqual([
      'web.1 ended',
      'web.1 started',
      'web.1 ready',
      'web.2 ended',
      'web.2 started',
      'web.2 ready',
      'web.3 ended',
      'web.3 started',
      'web.3 ready',
    ]);
  });

  it('restarts web=1 behind a surge instance (web.2 on the next port), with no failed request', async () => {
    const { app, socket, run } = await startRouted(
      tracker,
      ['-p', '12600', '--port-step', '10', '-t', '15', 'web=1', '--router', '12650'],
      ABRUPT_WEB,
      /web\.1 ready/,
      { 'server.mjs': ABRUPT_SERVER },
    );
    const before = pids(await status(app, socket));
    let posts: string[] = [];
    const stats = await underLoad('http://127.0.0.1:12650/', async () => {
      // Long enough to outlast starting the surge instance, shorter than the drain's -t.
      const slow = slowPosts('http://127.0.0.1:12650/', 2, 6000);
      const result = await client(['restart', 'web.1', '-s', socket], app);
      expect(result).toEqual({ code: 0, stdout: 'restarted web.1\n', stderr: '' });
      posts = await slow;
    });
    // Sent to the old web.1 before the roll: it finished them before it was stopped.
    expect(posts).toEqual(['200 web.1', '200 web.1']);
    expect(stats.failures).toEqual([]);
    expect(stats.ok).toBe(stats.sent);
    // The surge instance took traffic while web.1 restarted, then was drained and removed.
    expect(stats.by.get('web.2')).toBeGreaterThan(0);
    expect(run.stdout).toMatch(
      /scale web=2 \(requested by rolling restart\)[\s\S]*web\.2 ready[\s\S]*scale web=1 \(requested by rolling restart\)/,
    );
    const after = await status(app, socket);
    expect(after.map((s) => [s.name, s.rotation])).toEqual([['web.1', 'in']]);
    expect(after[0]!.pid).not.toBe(before.get('web.1'));
  });
});

describe('scaling behind the router', () => {
  it('adds instances to the rotation when ready and drains them before removing, with no failed request', async () => {
    const { app, socket } = await startRouted(
      tracker,
      ['-p', '12700', '--port-step', '10', 'web=1', '--router', '12750'],
      ABRUPT_WEB,
      /web\.1 ready/,
      { 'server.mjs': ABRUPT_SERVER },
    );
    const stats = await underLoad('http://127.0.0.1:12750/', async (live) => {
      expect(await client(['scale', 'web=3', '-s', socket], app)).toMatchObject({ code: 0, stdout: 'started web.2, web.3\n' });
      // Under load an instance may show requests in flight, e.g. `in (1 in flight)`.
      expect((await status(app, socket)).map((s) => s.rotation?.replace(/ \(.*\)$/, ''))).toEqual(['in', 'in', 'in']);
      // Traffic reaches the new instances before they go again.
      await waitUntil(() => ['web.2', 'web.3'].every((n) => (live.by.get(n) ?? 0) >= 20), 15_000, 'web.2 and web.3 answering');
      const slow = slowPosts('http://127.0.0.1:12750/', 6, 2500);
      expect(await client(['scale', 'web=1', '-s', socket], app)).toMatchObject({ code: 0, stdout: 'stopped web.3, web.2\n' });
      // Each went to a different instance or waited its turn; none was cut by the scale-down.
      expect((await slow).map((r) => r.slice(0, 3))).toEqual(['200', '200', '200', '200', '200', '200']);
    });
    expect(stats.failures).toEqual([]);
    expect(stats.ok).toBe(stats.sent);
    expect((await status(app, socket)).map((s) => [s.name, s.rotation])).toEqual([['web.1', 'in']]);
  });
});
