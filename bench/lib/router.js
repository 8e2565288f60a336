// The router bench: the C server (HTTP mode) reached directly, behind ps-run's router, behind other Node
// proxies (bare node:http, http-proxy-3, undici), behind nginx and behind node-foreman's `nf start -x`; wrk for
// top rates, a rate-limited loader for added latency, and failed requests during rolling restarts and
// SIGKILLs under a steady load. Ports: the block given by run.js (13000-13999), 127.0.0.1 only.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { rateLoad } from './router-load.js';
import { BIN, ROOT, WORK, killLeftovers, marker, portAccepts, processTree, sleep, waitUntil } from './system.js';

const MARK = 'PS_RUN_ROUTER_BENCH';
const SERVER = path.join(WORK, 'server');
const HOST = path.join(ROOT, 'bench/lib/router-host.js');
const run = promisify(execFile);
export const LOW_RATE = 300;

const onPath = (tool) => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** Installs what the router bench needs and lacks: wrk and nginx from Debian, foreman, http-proxy-3 and undici from npm into bench/.work. */
export function prepareRouterBench() {
  const missing = ['wrk', 'nginx'].filter((tool) => !onPath(tool) && !existsSync(`/usr/sbin/${tool}`));
  if (missing.length > 0) {
    process.stderr.write(`  router: installing ${missing.join(', ')} with apt-get\n`);
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
  for (const [dir, spec] of [
    ['foreman', 'foreman@3.0.1'],
    // 1.x: the 2.x line needs Node 22.
    ['http-proxy-3', 'http-proxy-3@1.23.3'],
    // The version the router used until 2026-12-01.
    ['undici', 'undici@6.29.1'],
  ]) {
    const prefix = path.join(WORK, dir);
    if (existsSync(path.join(prefix, 'node_modules', spec.split('@')[0]))) continue;
    mkdirSync(prefix, { recursive: true });
    writeFileSync(path.join(prefix, 'package.json'), '{"private":true}\n');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', '--prefix', prefix, spec], { stdio: 'inherit' });
  }
}

function spawnMarked(command, args, value, options = {}) {
  const child = spawn(command, args, { ...options, env: { ...process.env, ...options.env, [MARK]: value } });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { child, exited };
}

async function stop(proc, signal = 'SIGTERM') {
  const tree = proc.tree?.() ?? [];
  for (const pid of tree.slice(1)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill(proc.stopSignal ?? signal);
  await Promise.race([proc.exited, new Promise((r) => setTimeout(r, 5000))]);
}

/** The C servers in HTTP mode on `ports`, each answering with its name. */
async function startServers(ports, mark) {
  const procs = ports.map((port, i) =>
    spawnMarked(SERVER, [], mark, { env: { PORT: String(port), PS: `web.${i + 1}`, HTTP: '1' }, stdio: 'ignore' }),
  );
  for (const port of ports) await waitUntil(() => portAccepts(port), { what: `server on ${port}` });
  return procs;
}

/** router-host.js with `config`; its JSON lines are collected in `events`. */
async function startHost(config, mark) {
  const proc = spawnMarked(process.execPath, [HOST, JSON.stringify({ server: SERVER, ...config })], mark, {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const events = [];
  createInterface({ input: proc.child.stdout }).on('line', (line) => events.push(JSON.parse(line)));
  await waitUntil(() => events.some((e) => e.listening) || proc.child.exitCode !== null, { what: `${config.impl} listening` });
  if (proc.child.exitCode !== null) throw new Error(`${config.impl} host exited with ${proc.child.exitCode}`);
  await waitUntil(() => portAccepts(config.port), { what: `${config.impl} port` });
  return { ...proc, events, send: (line) => proc.child.stdin.write(`${line}\n`) };
}

async function startNginx(port, upstreams, mark) {
  const dir = path.join(WORK, 'nginx');
  mkdirSync(path.join(dir, 'logs'), { recursive: true });
  // One worker: the same number of event loops as the router's one Node process (the machine has two
  // cores, shared with wrk and the servers). Keep-alive to the upstreams, as the router does.
  const conf = `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream web { ${upstreams.map((p) => `server 127.0.0.1:${p};`).join(' ')} keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://web;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`;
  writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const nginx = onPath('nginx') ? 'nginx' : '/usr/sbin/nginx';
  const proc = spawnMarked(nginx, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off; user root;'], mark, {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitUntil(() => portAccepts(port), { what: 'nginx port' });
  return proc;
}

async function startForeman(port, basePort, count, mark) {
  const dir = path.join(WORK, 'nf-app');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'Procfile'), `web: exec ${SERVER}\n`);
  writeFileSync(path.join(dir, '.env'), 'HTTP=1\n');
  const nf = path.join(WORK, 'foreman/node_modules/foreman/nf.js');
  const shim = path.join(ROOT, 'bench/lib/loopback-only.js');
  const proc = spawnMarked(
    process.execPath,
    ['--import', pathToFileURL(shim).href, nf, 'start', `web=${count}`, '-x', String(port), '-p', String(basePort)],
    mark,
    {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  for (const p of [port, ...Array.from({ length: count }, (_, i) => basePort + i)]) {
    await waitUntil(() => portAccepts(p), { what: `nf port ${p}`, timeoutMs: 15_000 });
  }
  // nf's proxy is forked with an environment of its own (no marker), and nf's SIGTERM does not reach
  // it: stop the whole tree.
  return { ...proc, tree: () => processTree(proc.child.pid) };
}

/**
 * ps-run as users run it: `ps-run start web=<count> --router <routerPort>` in front of the C servers
 * (instances on basePort, basePort+1, ...). Resolves once every instance is in the router's rotation.
 */
async function startPsRunRouter({ routerPort, basePort, count, mark }) {
  const dir = path.join(WORK, `ps-run-router-${routerPort}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // The control socket's directory must be the user's own, mode 0700.
  chmodSync(dir, 0o700);
  writeFileSync(path.join(dir, 'Procfile'), `web: exec ${SERVER}\n`);
  writeFileSync(path.join(dir, '.env'), 'HTTP=1\n');
  const socket = path.join(dir, 'ctl.sock');
  const args = ['start', '-s', socket, '-p', String(basePort), `web=${count}`, '--router', String(routerPort), '--no-timestamp'];
  const proc = spawnMarked(BIN, args, mark, { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  const control = async (...command) => (await run(BIN, [...command, '-s', socket], { cwd: dir })).stdout;
  const status = async () => JSON.parse(await control('status', '--json'));
  await waitUntil(
    async () => {
      if (proc.child.exitCode !== null) throw new Error(`ps-run exited with ${proc.child.exitCode}`);
      if (!(await portAccepts(routerPort))) return false;
      const list = await status().catch(() => []);
      return list.length === count && list.every((i) => i.rotation === 'in');
    },
    { what: 'ps-run router with every instance in the rotation', timeoutMs: 20_000, everyMs: 100 },
  );
  // SIGINT, as Ctrl-C: ps-run closes the router and stops the instances.
  return { ...proc, control, status, stopSignal: 'SIGINT' };
}

/** wrk, one thread, keep-alive, `connections` fixed; requests/s and the count of failed requests. */
async function wrk(port, seconds, connections) {
  const { stdout } = await run('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', `http://127.0.0.1:${port}/`]);
  const number = (re) => Number(re.exec(stdout)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  return {
    rps: number(/Requests\/sec:\s+([\d.]+)/),
    non2xx: number(/Non-2xx or 3xx responses: (\d+)/),
    errors: socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
  };
}

/** One run of the throughput comparison: each proxy in turn, fronting the same three C servers. */
export async function routerThroughput({ port, seconds, connections = 50 }) {
  const mark = marker();
  const servers = [port, port + 1, port + 2];
  const instances = servers.map((p, i) => ({ name: `web.${i + 1}`, port: p }));
  const procs = await startServers(servers, mark);
  const result = {};
  const measure = async (key, start, target) => {
    const proc = start ? await start() : undefined;
    try {
      // One second of the same load first, not counted, for every proxy alike: the Node ones are
      // measured once their JIT has compiled the request path, as they run after the first second.
      await wrk(target, 1, connections);
      const r = await wrk(target, seconds, connections);
      if (r.non2xx + r.errors > 0) process.stderr.write(`  router: ${key} had ${r.non2xx} non-2xx and ${r.errors} socket errors\n`);
      result[key] = r.rps;
    } finally {
      if (proc) await stop(proc);
    }
  };
  try {
    await measure('direct', undefined, servers[0]);
    // The router as users run it: ps-run start --router, with ps-run's own C server instances (ports +20..+22).
    await measure('router', () => startPsRunRouter({ routerPort: port + 16, basePort: port + 20, count: 3, mark }), port + 16);
    // The same Router class in a bare host process (no supervisor, no log): what ps-run around it costs.
    await measure('routerHost', () => startHost({ impl: 'router', port: port + 10, instances }, mark), port + 10);
    await measure(
      'routerRoundRobin',
      () => startHost({ impl: 'router', balance: 'round-robin', port: port + 11, instances }, mark),
      port + 11,
    );
    await measure('bareNode', () => startHost({ impl: 'bare-node', port: port + 12, instances }, mark), port + 12);
    await measure('httpProxy3', () => startHost({ impl: 'http-proxy-3', port: port + 13, instances }, mark), port + 13);
    await measure('undici', () => startHost({ impl: 'undici', port: port + 17, instances }, mark), port + 17);
    await measure('tcpPipe', () => startHost({ impl: 'tcp-pipe', port: port + 18, instances }, mark), port + 18);
    await measure('nginx', () => startNginx(port + 14, servers, mark), port + 14);
    await measure('foreman', () => startForeman(port + 15, port + 100, 3, mark), port + 15);
  } finally {
    for (const proc of procs) await stop(proc);
    killLeftovers(MARK, mark);
  }
  return result;
}

const RATE_LOAD = path.join(WORK, 'rate-load');

/**
 * The C loader (bench/workloads/rate-load.c): GET at a fixed rate over 32 keep-alive connections, each
 * latency from the moment the request was due. For the latency rows: a loader in Node took about as
 * much CPU as the router itself, and on two cores that was most of the tail it measured.
 */
async function fixedRate({ port, rate, seconds, connections = 32 }) {
  const { stdout } = await run(RATE_LOAD, [String(port), String(rate), String(seconds), String(connections)]);
  return JSON.parse(stdout);
}

/** p99 latency at `rate` requests/s straight to one instance and through `ps-run start --router`, over `seconds`. */
export async function routerLatency({ port, rate, nginxRate, pipeRate, seconds }) {
  const mark = marker();
  const psRun = await startPsRunRouter({ routerPort: port + 10, basePort: port, count: 3, mark });
  try {
    // A fresh ps-run's first second at this rate is a cold start (its code not yet compiled by the JIT,
    // no pooled connection to any instance): measured on its own, then the steady state.
    const WARM_UP_SECONDS = 2;
    const coldRouted = await fixedRate({ port: port + 10, rate, seconds: WARM_UP_SECONDS });
    const coldDirect = await fixedRate({ port, rate, seconds: WARM_UP_SECONDS });
    const direct = await fixedRate({ port, rate, seconds });
    const routed = await fixedRate({ port: port + 10, rate, seconds });
    // The same at a low rate, to show how much of the figure is queueing on a busy machine.
    const directLow = await fixedRate({ port, rate: LOW_RATE, seconds });
    const routedLow = await fixedRate({ port: port + 10, rate: LOW_RATE, seconds });
    const instances = [port, port + 1, port + 2];
    /**
     * Another proxy in front of the same instances, warmed up the same way: at the router's rate, then at
     * half of its own top rate (`ownRate`) beside the instances reached directly at that rate, the
     * router's target asked of it, to tell what the machine adds from what the router adds.
     */
    const beside = async (proxyPort, start, ownRate) => {
      const proxy = await start();
      try {
        await fixedRate({ port: proxyPort, rate, seconds: WARM_UP_SECONDS });
        const same = await fixedRate({ port: proxyPort, rate, seconds });
        const direct = await fixedRate({ port, rate: ownRate, seconds });
        const own = await fixedRate({ port: proxyPort, rate: ownRate, seconds });
        return { same, direct, own };
      } finally {
        await stop(proxy);
      }
    };
    // nginx: what a proxy in C adds on this machine at this moment.
    const nginx = await beside(port + 11, () => startNginx(port + 11, instances, mark), nginxRate);
    // A raw TCP pipe in Node (router-host's 'tcp-pipe': nothing parsed, nothing counted): the floor for any proxy in Node.
    const pipeInstances = instances.map((p, i) => ({ name: `web.${i + 1}`, port: p }));
    const pipe = await beside(port + 12, () => startHost({ impl: 'tcp-pipe', port: port + 12, instances: pipeInstances }, mark), pipeRate);
    const loads = { direct, routed, directLow, routedLow, coldRouted, coldDirect };
    for (const [name, runs] of Object.entries({ nginx, pipe })) for (const [key, r] of Object.entries(runs)) loads[`${name}.${key}`] = r;
    return {
      rate,
      directP99: direct.p99,
      routerP99: routed.p99,
      addedP99: routed.p99 - direct.p99,
      addedP99Low: routedLow.p99 - directLow.p99,
      nginxP99: nginx.same.p99,
      nginxAddedP99: nginx.same.p99 - direct.p99,
      nginxOwnAddedP99: nginx.own.p99 - nginx.direct.p99,
      nginxOwnP99: nginx.own.p99,
      pipeAddedP99: pipe.same.p99 - direct.p99,
      pipeOwnAddedP99: pipe.own.p99 - pipe.direct.p99,
      pipeOwnP99: pipe.own.p99,
      coldRouterP99: coldRouted.p99,
      coldRouterMax: coldRouted.max,
      coldDirectP99: coldDirect.p99,
      routerP50: routed.p50,
      directP50: direct.p50,
      failed: Object.values(loads).reduce((n, r) => n + r.failed, 0),
      // Which load failed, and how, when one did.
      failures: Object.fromEntries(
        Object.entries(loads)
          .filter(([, r]) => r.failed > 0)
          .map(([name, r]) => [name, r.failures]),
      ),
    };
  } finally {
    await stop(psRun);
    killLeftovers(MARK, mark);
  }
}

/**
 * Failed requests under a steady `rate` through `ps-run start --router` while the instances are rolled
 * with `ps-run restart web` (`roll`), or one is SIGKILLed every second for ten seconds (`kill`; ps-run
 * restarts it by its restart policy). The C servers die at SIGTERM: only the drain saves their requests.
 */
export async function routerResilience({ port, scenario, count, rate = 300 }) {
  const mark = marker();
  const psRun = await startPsRunRouter({ routerPort: port + 10, basePort: port, count, mark });
  try {
    const seconds = 13;
    const load = rateLoad({ port: port + 10, rate, seconds, connections: 16 });
    await sleep(1000);
    let rollMs;
    if (scenario === 'roll') {
      const started = Date.now();
      await psRun.control('restart', 'web');
      rollMs = Date.now() - started;
    } else {
      const started = Date.now();
      for (let i = 0; i < 10; i++) {
        const name = `web.${(i % count) + 1}`;
        const pid = (await psRun.status()).find((s) => s.name === name)?.pid;
        if (pid) process.kill(pid, 'SIGKILL');
        // One a second, however long asking ps-run for the pid took.
        await sleep(Math.max(0, started + (i + 1) * 1000 - Date.now()));
      }
    }
    const result = await load;
    return { scenario, count, sent: result.sent, failed: result.failed, failures: result.failures, rollMs };
  } finally {
    await stop(psRun);
    killLeftovers(MARK, mark);
  }
}
