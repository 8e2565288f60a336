// Real web instances (node HTTP servers, child processes) for the router's end-to-end tests, and a
// client that keeps count of what came back.
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import path from 'node:path';
import { FIXTURES } from './helpers.js';

export interface Backend {
  id: string;
  port: number;
  child: ChildProcess;
  /** Resolves once the process has exited. */
  exited: Promise<void>;
}

const running = new Set<ChildProcess>();

/** Starts test/fixtures/router-backend.js on 127.0.0.1:port answering with `id`; resolves once it listens. */
export function startBackend(id: string, port: number): Promise<Backend> {
  const child = spawn(process.execPath, [path.join(FIXTURES, 'router-backend.js')], {
    env: { ...process.env, ID: id, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => (running.delete(child), resolve())));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('listening')) resolve({ id, port, child, exited });
    });
    child.once('exit', (code) => reject(new Error(`backend ${id} exited with ${code} before listening: ${out}`)));
  });
}

/** SIGKILLs every backend still running (afterEach) and waits until they are gone. */
export async function stopBackends(): Promise<void> {
  const gone = [...running].map((child) => new Promise((r) => child.once('exit', r)));
  for (const child of running) child.kill('SIGKILL');
  await Promise.all(gone);
}

export interface Reply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** One request; rejects on a connection error. */
export function fetchText(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; agent?: Agent } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent: options.agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Steady load: `rate` GETs per second on keep-alive connections until stopped; counts what failed and who answered. */
export function steadyLoad(url: string, rate: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const stats = { sent: 0, ok: 0, failed: 0, failures: [] as string[], by: new Map<string, number>() };
  const inflight = new Set<Promise<void>>();
  const timer = setInterval(() => {
    stats.sent++;
    const done = fetchText(url, { agent })
      .then((reply) => {
        if (reply.status === 200) {
          stats.ok++;
          stats.by.set(reply.body, (stats.by.get(reply.body) ?? 0) + 1);
        } else {
          stats.failed++;
          stats.failures.push(`${reply.status} ${reply.body.trim()}`);
        }
      })
      .catch((error: Error) => {
        stats.failed++;
        stats.failures.push(error.message);
      })
      .finally(() => inflight.delete(done));
    inflight.add(done);
  }, 1000 / rate);
  return {
    stats,
    async stop() {
      clearInterval(timer);
      await Promise.all(inflight);
      agent.destroy();
      return stats;
    },
  };
}
