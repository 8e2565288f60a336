// The router when instances die or restart, with real processes and signals: ports 28200-28399.
import { afterEach, describe, expect, it } from 'vitest';
import { Router } from '../../src/router/router.js';
import { rollingRestart, type RollingDeps } from '../../src/router/rolling.js';
import { waitUntil } from './helpers.js';
import { fetchText, startBackend, steadyLoad, stopBackends, type Backend } from './router-support.js';

let nextPort = 28200;
const port = (): number => nextPort++;
const routers: Router[] = [];

async function setup(count: number, balance: 'round-robin' | 'least-connections' = 'least-connections') {
  const backends = new Map<string, Backend>();
  for (let i = 1; i <= count; i++) backends.set(`web.${i}`, await startBackend(`web.${i}`, port()));
  const router = new Router({ type: 'web', port: port(), balance });
  routers.push(router);
  await router.listen();
  for (const [name, backend] of backends) router.admit(name, backend.port);
  return { router, backends };
}

/** SIGKILL, and wait until the process is gone. */
async function kill(backend: Backend): Promise<void> {
  backend.child.kill('SIGKILL');
  await backend.exited;
}

afterEach(async () => {
  await Promise.all(routers.splice(0).map((r) => r.close()));
  await stopBackends();
});

describe('router resilience', () => {
  it('a SIGKILLed instance loses no idempotent request, in flight or new, and is probed back in once it listens again', async () => {
    const { router, backends } = await setup(3);
    const victim = backends.get('web.2')!;
    // Slow requests in flight on every instance, the victim included: their responses have not started.
    const slow = Array.from({ length: 6 }, () => fetchText(`${router.url}/slow?ms=1500`));
    await waitUntil(() => router.rotation().every((e) => e.inflight === 2), 5000, 'two slow requests on each instance');
    const load = steadyLoad(`${router.url}/`, 200);
    await waitUntil(() => load.stats.ok > 100, 10_000, 'load running');
    await kill(victim);
    await waitUntil(() => router.rotation().find((e) => e.name === 'web.2')?.state === 'down', 5000, 'web.2 down');
    const okAtKill = load.stats.ok;
    await waitUntil(() => load.stats.ok > okAtKill + 200, 10_000, 'load after the kill');
    // The same instance comes back on its port; the router's probe finds it without being told.
    backends.set('web.2', await startBackend('web.2', victim.port));
    await waitUntil(() => router.rotation().find((e) => e.name === 'web.2')?.state === 'in', 10_000, 'web.2 probed back in');
    const byBefore = load.stats.by.get('web.2') ?? 0;
    await waitUntil(() => (load.stats.by.get('web.2') ?? 0) > byBefore + 20, 10_000, 'web.2 serving again');
    const stats = await load.stop();
    const slowReplies = await Promise.all(slow);
    expect(stats.failures).toEqual([]);
    expect(stats.ok).toBe(stats.sent);
    expect(slowReplies.map((r) => r.status)).toEqual(Array(6).fill(200));
    // The two that were in flight on web.2 were answered by the others.
    expect(slowReplies.filter((r) => r.body === 'web.2')).toEqual([]);
  });

  it('a POST whose instance refuses the connection goes to another one, body intact', async () => {
    const { router, backends } = await setup(2, 'round-robin');
    await kill(backends.get('web.1')!);
    const body = 'y'.repeat(300_000);
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push(await fetchText(`${router.url}/upload`, { method: 'POST', body }));
    expect(replies.map((r) => JSON.parse(r.body))).toEqual(Array(4).fill({ id: 'web.2', bytes: 300_000 }));
    expect(router.rotation().map((e) => `${e.name}:${e.state}`)).toEqual(['web.1:down', 'web.2:in']);
  });

  it('a POST already sent to an instance that dies is not repeated: 502', async () => {
    const { router, backends } = await setup(2, 'round-robin');
    const sent = fetchText(`${router.url}/slow?ms=5000`, { method: 'POST', body: 'order #1' });
    await waitUntil(() => router.rotation()[0]?.inflight === 1, 5000, 'the POST in flight on web.1');
    await kill(backends.get('web.1')!);
    const reply = await sent;
    expect(reply).toMatchObject({ status: 502, body: 'web.1 failed before answering\n' });
  });

  /** The runtime's side of a rolling restart, played by the test with real processes. */
  function runtimeFor(router: Router, backends: Map<string, Backend>): RollingDeps {
    return {
      drain: (name) => router.drain(name, 5000),
      restart: async (name) => {
        const old = backends.get(name)!;
        old.child.kill('SIGTERM');
        await old.exited;
        backends.set(name, await startBackend(name, old.port));
      },
      admit: (name) => router.admit(name, backends.get(name)!.port),
      addSurge: async (type) => {
        const name = `${type}.${backends.size + 1}`;
        const backend = await startBackend(name, port());
        backends.set(name, backend);
        router.admit(name, backend.port);
        return name;
      },
      removeSurge: async (name) => {
        await router.drain(name, 5000);
        router.remove(name);
        const backend = backends.get(name)!;
        backend.child.kill('SIGTERM');
        await backend.exited;
        backends.delete(name);
      },
    };
  }

  it.each([
    [3, false],
    [1, true],
  ])('a rolling restart of web=%i (surge: %s) under load fails no request', async (count, surge) => {
    const { router, backends } = await setup(count);
    const pids = [...backends.values()].map((b) => b.child.pid);
    const load = steadyLoad(`${router.url}/`, 200);
    await waitUntil(() => load.stats.ok > 50, 10_000, 'load running');
    await rollingRestart([...backends.keys()], runtimeFor(router, backends), surge);
    const okAfter = load.stats.ok;
    await waitUntil(() => load.stats.ok > okAfter + 50, 10_000, 'load after the roll');
    const stats = await load.stop();
    expect(stats.failures).toEqual([]);
    expect(stats.ok).toBe(stats.sent);
    const newPids = [...backends.values()].map((b) => b.child.pid);
    expect(newPids.filter((pid) => pids.includes(pid))).toEqual([]);
    expect(router.rotation().map((e) => `${e.name}:${e.state}`)).toEqual(Array.from({ length: count }, (_, i) => `web.${i + 1}:in`));
  });
});
