// The router against real HTTP servers (child processes) on 127.0.0.1, ports 28000-28199.
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { UsageError } from '../../src/errors.js';
import { Router, type AccessEntry } from '../../src/router/router.js';
import { portAccepts, waitUntil } from './helpers.js';
import { fetchText, startBackend, stopBackends } from './router-support.js';

let nextPort = 28000;
const port = (): number => nextPort++;
const routers: Router[] = [];

function makeRouter(options: Partial<ConstructorParameters<typeof Router>[0]> = {}): Router {
  const router = new Router({ type: 'web', port: port(), ...options });
  routers.push(router);
  return router;
}

afterEach(async () => {
  await Promise.all(routers.splice(0).map((r) => r.close()));
  await stopBackends();
});

describe('router', () => {
  it('spreads requests over the admitted instances, and only over them', async () => {
    const [a, b, c] = await Promise.all(['web.1', 'web.2', 'web.3'].map((id) => startBackend(id, port())));
    const router = makeRouter();
    await router.listen();
    router.admit('web.1', a!.port);
    router.admit('web.2', b!.port);
    // web.3 runs and listens but is not ready: it must get nothing.
    void c;
    const seen = new Map<string, number>();
    for (let i = 0; i < 60; i++) {
      const reply = await fetchText(`${router.url}/`);
      expect(reply.status).toBe(200);
      seen.set(reply.body, (seen.get(reply.body) ?? 0) + 1);
    }
    expect(Object.fromEntries(seen)).toEqual({ 'web.1': 30, 'web.2': 30 });
    router.admit('web.3', c!.port);
    const after = await Promise.all(Array.from({ length: 9 }, () => fetchText(`${router.url}/`)));
    expect(new Set(after.map((r) => r.body))).toEqual(new Set(['web.1', 'web.2', 'web.3']));
    router.remove('web.1');
    const removed = await Promise.all(Array.from({ length: 6 }, () => fetchText(`${router.url}/`)));
    expect(removed.map((r) => r.body)).not.toContain('web.1');
    expect(router.rotation().map((e) => `${e.name}:${e.state}`)).toEqual(['web.2:in', 'web.3:in']);
  });

  it.each([
    ['least-connections', 0],
    ['round-robin', 5],
  ] as const)('%s: requests while web.1 is busy with a slow one, web.1 gets %i of 10', async (balance, toBusy) => {
    const [a, b] = await Promise.all(['web.1', 'web.2'].map((id) => startBackend(id, port())));
    const router = makeRouter({ balance });
    await router.listen();
    router.admit('web.1', a!.port);
    router.admit('web.2', b!.port);
    const slow = fetchText(`${router.url}/slow?ms=1500`);
    await waitUntil(() => router.rotation()[0]?.inflight === 1, 5000, 'the slow request on web.1');
    const bodies: string[] = [];
    for (let i = 0; i < 10; i++) bodies.push((await fetchText(`${router.url}/`)).body);
    expect(bodies.filter((body) => body === 'web.1')).toHaveLength(toBusy);
    expect((await slow).body).toBe('web.1');
  });

  it('forwards headers: the chain extended, hop-by-hop ones dropped both ways, Host kept', async () => {
    const backend = await startBackend('web.1', port());
    const router = makeRouter();
    await router.listen();
    router.admit('web.1', backend.port);
    const reply = await fetchText(`${router.url}/headers`, {
      headers: {
        host: 'app.test:8080',
        'x-forwarded-for': '203.0.113.7',
        forwarded: 'for=203.0.113.7',
        connection: 'keep-alive, x-private',
        'x-private': 'secret',
        te: 'trailers',
        'x-custom': 'kept',
      },
    });
    const seen = JSON.parse(reply.body) as { headers: Record<string, string> };
    expect(seen.headers).toMatchObject({
      host: 'app.test:8080',
      'x-forwarded-for': '203.0.113.7, 127.0.0.1',
      forwarded: 'for=203.0.113.7, for=127.0.0.1;host="app.test:8080";proto=http',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'app.test:8080',
      'x-custom': 'kept',
    });
    expect(seen.headers['x-private']).toBeUndefined();
    expect(seen.headers.te).toBeUndefined();
    // The instance named x-hop in its Connection header: it must not reach the client.
    expect(reply.headers['x-hop']).toBeUndefined();
    expect(reply.headers['content-type']).toBe('application/json');
  });

  it('passes Expect: 100-continue, a chunked upload and a HEAD as a client sends them', async () => {
    const backend = await startBackend('web.1', port());
    const router = makeRouter();
    await router.listen();
    router.admit('web.1', backend.port);
    const send = (headers: Record<string, string>, write: (req: ReturnType<typeof request>) => void): Promise<string> =>
      new Promise((resolve, reject) => {
        const req = request(`${router.url}/upload`, { method: 'POST', headers }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve(`${res.statusCode} ${body}`));
        });
        req.on('error', reject);
        write(req);
      });
    // The body is sent only once the router has answered 100 Continue.
    const continued = await send({ expect: '100-continue', 'content-length': '5' }, (req) => req.once('continue', () => req.end('hello')));
    expect(continued).toBe('200 {"id":"web.1","bytes":5}');
    const chunked = await send({}, (req) => {
      req.write(Buffer.alloc(70_000, 'a'));
      req.end(Buffer.alloc(30_000, 'b'));
    });
    expect(chunked).toBe('200 {"id":"web.1","bytes":100000}');
    const head = await fetchText(`${router.url}/stream?mib=1`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-type']).toBe('application/octet-stream');
  });

  it('passes a body that runs until the close, a 204 and a 304, each framed anew for the client, and refuses a malformed head', async () => {
    const backend = await startBackend('web.1', port());
    const router = makeRouter();
    await router.listen();
    router.admit('web.1', backend.port);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const untilClose = await fetchText(`${router.url}/until-close`, { agent });
      expect(untilClose).toMatchObject({ status: 200, body: 'web.1 until the close' });
      // The client's connection is still good: node:http framed the body for it.
      expect(untilClose.headers['transfer-encoding']).toBe('chunked');
      expect(await fetchText(`${router.url}/status?code=204`, { agent })).toMatchObject({ status: 204, body: '' });
      const notModified = await fetchText(`${router.url}/status?code=304`, { agent });
      expect(notModified).toMatchObject({ status: 304, body: '' });
      expect(notModified.headers.etag).toBe('"v1"');
      const plain = await fetchText(`${router.url}/`, { agent });
      expect(plain).toMatchObject({ status: 200, body: 'web.1' });
      // The client is told how long an idle connection is kept: 75 s, as nginx does (node:http's own is 5 s).
      expect(plain.headers['keep-alive']).toBe('timeout=75');
      // A head with a control character in a value is not passed on: 502.
      expect(await fetchText(`${router.url}/bad-header`, { agent })).toMatchObject({ status: 502, body: 'no web instance answered\n' });
    } finally {
      agent.destroy();
    }
  });

  it('sends a request again on a new connection when a kept-alive one turns out closed, without taking the instance out', async () => {
    const backend = await startBackend('web.1', port());
    const entries: AccessEntry[] = [];
    // An instance taken out would never be probed back in here: the requests could only fail.
    const router = makeRouter({ accessLog: (entry) => entries.push(entry), probe: () => Promise.resolve(false), waitMs: 200 });
    await router.listen();
    router.admit('web.1', backend.port);
    // One at a time, so each request after the first goes out on the connection the one before used.
    for (let i = 0; i < 5; i++) expect(await fetchText(`${router.url}/second-closes`)).toMatchObject({ status: 200, body: 'web.1' });
    expect(router.rotation().map((e) => `${e.name}:${e.state}`)).toEqual(['web.1:in']);
    expect(entries.map((e) => `${e.status} ${e.instance}`)).toEqual(Array(5).fill('200 web.1'));
  });

  it('gives a request without Host (HTTP/1.0) the instance’s address as its Host', async () => {
    const backend = await startBackend('web.1', port());
    const router = makeRouter();
    await router.listen();
    router.admit('web.1', backend.port);
    const socket = connect(Number(new URL(router.url).port), '127.0.0.1');
    socket.write('GET /headers HTTP/1.0\r\n\r\n');
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    await new Promise((resolve) => socket.once('close', resolve));
    const echoed = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { headers: Record<string, string> };
    expect(echoed.headers.host).toBe(`127.0.0.1:${backend.port}`);
  });

  it('answers 503 naming the type when no instance is ready within waitMs', async () => {
    const router = makeRouter({ waitMs: 300 });
    await router.listen();
    const reply = await fetchText(`${router.url}/`);
    expect(reply.status).toBe(503);
    expect(reply.body).toBe('no web instance is ready\n');
    expect(reply.headers['content-type']).toMatch(/^text\/plain/);
  });

  it('holds a request until an instance is admitted within waitMs', async () => {
    const backend = await startBackend('web.1', port());
    const router = makeRouter({ waitMs: 10_000 });
    await router.listen();
    const pending = fetchText(`${router.url}/`);
    // The router has the request's connection before the instance is admitted (a private handle, read for this check only).
    const server = (router as unknown as { server: import('node:http').Server }).server;
    await waitUntil(() => new Promise<boolean>((resolve) => server.getConnections((_e, n) => resolve(n === 1))), 5000, 'the connection');
    router.admit('web.1', backend.port);
    expect(await pending).toMatchObject({ status: 200, body: 'web.1' });
  });

  it('drain waits for the requests in flight and sends no new ones', async () => {
    const [a, b] = await Promise.all(['web.1', 'web.2'].map((id) => startBackend(id, port())));
    const router = makeRouter({ balance: 'round-robin' });
    await router.listen();
    router.admit('web.1', a!.port);
    const slow = fetchText(`${router.url}/slow?ms=800`);
    await waitUntil(() => router.rotation()[0]?.inflight === 1, 5000, 'the slow request in flight');
    router.admit('web.2', b!.port);
    let drained = false;
    const draining = router.drain('web.1', 10_000).then(() => (drained = true));
    const during = await Promise.all(Array.from({ length: 5 }, () => fetchText(`${router.url}/`)));
    expect(during.map((r) => r.body)).toEqual(Array(5).fill('web.2'));
    expect(drained).toBe(false);
    expect((await slow).body).toBe('web.1');
    await draining;
    expect(router.rotation().map((e) => `${e.name}:${e.state}:${e.inflight}`)).toEqual(['web.1:out:0', 'web.2:in:0']);
  });

  it('drain gives up at its timeout', async () => {
    const backend = await startBackend('web.1', port());
    const router = makeRouter();
    await router.listen();
    router.admit('web.1', backend.port);
    const slow = fetchText(`${router.url}/slow?ms=3000`);
    await waitUntil(() => router.rotation()[0]?.inflight === 1, 5000, 'the slow request in flight');
    const started = Date.now();
    await router.drain('web.1', 200);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(router.rotation()[0]?.state).toBe('out');
    expect((await slow).body).toBe('web.1');
  });

  it('tunnels a WebSocket, and counts it in flight until it closes', async () => {
    const backend = await startBackend('web.1', port());
    const router = makeRouter();
    await router.listen();
    router.admit('web.1', backend.port);
    const socket = new WebSocket(`${router.url.replace('http', 'ws')}/chat`);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const replies: string[] = [];
    socket.on('message', (data) => replies.push(data.toString()));
    for (const text of ['one', 'two', 'x'.repeat(100_000)]) socket.send(text);
    await waitUntil(() => replies.length === 3, 5000, 'three echoes');
    expect(replies.slice(0, 2)).toEqual(['web.1:one', 'web.1:two']);
    expect(replies[2]).toBe(`web.1:${'x'.repeat(100_000)}`);
    expect(router.rotation()[0]?.inflight).toBe(1);
    socket.close();
    await waitUntil(() => router.rotation()[0]?.inflight === 0, 5000, 'the tunnel closed');
  });

  it('writes an access log entry per request', async () => {
    const backend = await startBackend('web.1', port());
    const entries: AccessEntry[] = [];
    const router = makeRouter({ accessLog: (entry) => entries.push(entry), waitMs: 100 });
    await router.listen();
    await fetchText(`${router.url}/early`);
    router.admit('web.1', backend.port);
    await fetchText(`${router.url}/a?b=1`, { method: 'DELETE' });
    await waitUntil(() => entries.length === 2, 5000, 'two entries');
    expect(entries.map(({ method, path, status, instance }) => ({ method, path, status, instance }))).toEqual([
      { method: 'GET', path: '/early', status: 503, instance: '-' },
      { method: 'DELETE', path: '/a?b=1', status: 200, instance: 'web.1' },
    ]);
    expect(entries.every((e) => e.ms >= 0 && e.ms < 10_000)).toBe(true);
  });

  it('refuses a taken port with a UsageError', async () => {
    const first = makeRouter();
    await first.listen();
    const taken = Number(new URL(first.url).port);
    const second = new Router({ type: 'web', port: taken });
    const error = await second.listen().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    // The holder is named, as the instances' port check does: here, this test process itself.
    expect((error as Error).message).toMatch(
      new RegExp(`^router port ${taken} is already in use by pid ${process.pid} \\(.*\\) \\(127\\.0\\.0\\.1:${taken}\\)$`),
    );
  });

  it('close() ends keep-alive connections and tunnels, and leaves nothing listening', async () => {
    const backend = await startBackend('web.1', port());
    const router = makeRouter();
    await router.listen();
    router.admit('web.1', backend.port);
    const routerPort = Number(new URL(router.url).port);
    const socket = new WebSocket(`${router.url.replace('http', 'ws')}/`);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const wsClosed = new Promise((resolve) => socket.once('close', resolve));
    // An idle keep-alive client connection.
    const idle = connect({ host: '127.0.0.1', port: routerPort });
    await new Promise((resolve) => idle.once('connect', resolve));
    idle.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => idle.once('data', resolve));
    const idleClosed = new Promise((resolve) => idle.once('close', resolve));
    await router.close();
    await Promise.all([wsClosed, idleClosed]);
    expect(await portAccepts(routerPort)).toBe(false);
  });
});
