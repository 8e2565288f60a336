// A proxy in a process of its own, for the router bench: `node router-host.js '<json config>'`.
// config.impl: 'router' (ps-run's Router, from dist/), 'bare-node' (node:http + stream.pipeline, no
// bookkeeping), 'tcp-pipe' (each client connection piped to a connection of its own to an instance: no
// HTTP parsed, nothing counted, the floor for any proxy written in Node), 'http-proxy-3' or 'undici'
// (those libraries, from bench/.work).
// With config.supervise, it also plays the runtime for the C server instances: restarts one that
// dies (after ps-run's first back-off delay, 100 ms), admits it once its port accepts, and runs a
// rolling restart on the line `roll` on stdin. `kill <name>` SIGKILLs an instance. Prints JSON lines.
import { spawn } from 'node:child_process';
import { Agent, createServer, request } from 'node:http';
import { createRequire } from 'node:module';
import { connect, createServer as createTcpServer } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const config = JSON.parse(process.argv[2]);
const say = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);

function roundRobin(ports) {
  let next = 0;
  return () => ports[next++ % ports.length];
}

async function startProxy() {
  const ports = config.instances.map((i) => i.port);
  if (config.impl === 'router') {
    const { Router } = await import(path.join(ROOT, 'dist/router/router.js'));
    const router = new Router({ type: 'web', port: config.port, balance: config.balance ?? 'least-connections' });
    await router.listen();
    return router;
  }
  const pick = roundRobin(ports);
  let server;
  let closeAll = () => server.closeAllConnections();
  if (config.impl === 'tcp-pipe') {
    const clients = new Set();
    server = createTcpServer({ noDelay: true }, (client) => {
      const upstream = connect({ host: '127.0.0.1', port: pick(), noDelay: true });
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ]) {
        from.on('error', () => to.destroy());
        from.once('close', () => to.destroy());
        from.pipe(to);
      }
      clients.add(client);
      client.once('close', () => clients.delete(client));
    });
    closeAll = () => clients.forEach((client) => client.destroy());
  } else if (config.impl === 'bare-node') {
    const agent = new Agent({ keepAlive: true, scheduling: 'lifo' });
    server = createServer((req, res) => {
      const up = request({ host: '127.0.0.1', port: pick(), method: req.method, path: req.url, headers: req.headers, agent }, (upRes) => {
        res.writeHead(upRes.statusCode, upRes.headers);
        pipeline(upRes, res, () => {});
      });
      up.on('error', () => res.destroy());
      pipeline(req, up, () => {});
    });
  } else if (config.impl === 'http-proxy-3') {
    const require = createRequire(path.join(ROOT, 'bench/.work/http-proxy-3/package.json'));
    const { createProxyServer } = require('http-proxy-3');
    const proxy = createProxyServer({ xfwd: true, agent: new Agent({ keepAlive: true, scheduling: 'lifo' }) });
    proxy.on('error', (_error, _req, res) => res.destroy?.());
    server = createServer((req, res) => proxy.web(req, res, { target: `http://127.0.0.1:${pick()}` }));
  } else if (config.impl === 'undici') {
    // node:http facing the client and an undici Pool per instance driven through dispatch (the router's
    // instance side until 2026-12-01), with no bookkeeping: what that library costs on its own.
    const require = createRequire(path.join(ROOT, 'bench/.work/undici/package.json'));
    const { Pool } = require('undici');
    const pools = new Map(ports.map((port) => [port, new Pool(`http://127.0.0.1:${port}`, { connections: null, pipelining: 1 })]));
    server = createServer((req, res) => {
      const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
      pools.get(pick()).dispatch(
        { path: req.url, method: req.method, headers: req.rawHeaders, body: hasBody ? req : null, headersTimeout: 0, bodyTimeout: 0 },
        {
          onConnect() {},
          onHeaders(status, rawHeaders, resume) {
            res.writeHead(
              status,
              rawHeaders.map((b) => b.toString('latin1')),
            );
            res.on('drain', resume);
            return true;
          },
          onData: (chunk) => res.write(chunk),
          onComplete: () => res.end(),
          onError: () => res.destroy(),
        },
      );
    });
  } else throw new Error(`unknown impl ${config.impl}`);
  await new Promise((resolve) => server.listen(config.port, '127.0.0.1', resolve));
  return { close: () => new Promise((resolve) => (closeAll(), server.close(resolve))), admit() {}, remove() {} };
}

const accepts = (port) =>
  new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

async function untilAccepts(port) {
  while (!(await accepts(port))) await new Promise((resolve) => setTimeout(resolve, 5));
}

const proxy = await startProxy();
/** name -> { port, child, exited, stopping } */
const instances = new Map();

function spawnInstance(name, port) {
  const child = spawn(config.server, [], { env: { ...process.env, PORT: String(port), PS: name, HTTP: '1' }, stdio: 'ignore' });
  const instance = { port, child, stopping: false, exited: new Promise((resolve) => child.once('exit', resolve)) };
  instances.set(name, instance);
  child.once('exit', () => {
    proxy.remove(name);
    if (instance.stopping || shuttingDown) return;
    // A crash: the runtime restarts it after its first back-off delay and admits it once ready.
    setTimeout(() => void startReady(name, port).then(() => say({ admitted: name })), 100);
  });
  return instance;
}

async function startReady(name, port) {
  spawnInstance(name, port);
  await untilAccepts(port);
  proxy.admit(name, port);
}

async function stopInstance(name) {
  const instance = instances.get(name);
  instance.stopping = true;
  instance.child.kill('SIGTERM');
  await instance.exited;
}

let shuttingDown = false;
if (config.supervise) {
  await Promise.all(config.instances.map((i) => startReady(i.name, i.port)));
} else {
  for (const i of config.instances) proxy.admit(i.name, i.port);
}

const { rollingRestart } = config.supervise ? await import(path.join(ROOT, 'dist/router/rolling.js')) : {};
let nextSurgePort = Math.max(...config.instances.map((i) => i.port)) + 1;
const deps = {
  drain: (name) => proxy.drain(name, 5000),
  restart: async (name) => {
    const { port } = instances.get(name);
    await stopInstance(name);
    spawnInstance(name, port);
    await untilAccepts(port);
  },
  admit: (name) => proxy.admit(name, instances.get(name).port),
  addSurge: async (type) => {
    const name = `${type}.${instances.size + 1}`;
    await startReady(name, nextSurgePort++);
    return name;
  },
  removeSurge: async (name) => {
    await proxy.drain(name, 5000);
    proxy.remove(name);
    await stopInstance(name);
    instances.delete(name);
  },
};

createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, name] = line.trim().split(' ');
  if (command === 'roll') {
    const started = Date.now();
    const names = [...instances.keys()];
    rollingRestart(names, deps, names.length === 1).then(
      () => say({ rolled: Date.now() - started }),
      (error) => say({ rollFailed: error.message }),
    );
  } else if (command === 'kill') {
    instances.get(name)?.child.kill('SIGKILL');
  }
});

process.on('SIGTERM', async () => {
  shuttingDown = true;
  await proxy.close();
  for (const name of instances.keys()) await stopInstance(name);
  process.exit(0);
});
say({ listening: config.port, pid: process.pid });
