// Network probes for readiness: does a port accept a connection, does an HTTP GET answer 2xx/3xx.
import { createRequire } from 'node:module';
import { connect } from 'node:net';

export type Probe = () => Promise<boolean>;

const LOOPBACK = ['127.0.0.1', '::1'];
const PROBE_TIMEOUT_MS = 2000;

function acceptsOn(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** True when the port accepts a TCP connection on 127.0.0.1 or ::1. */
export async function portAccepts(port: number): Promise<boolean> {
  for (const host of LOOPBACK) if (await acceptsOn(host, port)) return true;
  return false;
}

let http: typeof import('node:http') | undefined;

function getStatus(host: string, port: number, path: string): Promise<number | undefined> {
  // node:http is loaded on the first http check only: most runs never need it, and it costs start-up time.
  http ??= createRequire(import.meta.url)('node:http') as typeof import('node:http');
  const { request } = http;
  return new Promise((resolve) => {
    const req = request({ host, port, path, method: 'GET', timeout: PROBE_TIMEOUT_MS, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(undefined));
    req.end();
  });
}

/** True when GET http://127.0.0.1:<port><path> (or ::1) answers 2xx or 3xx. */
export async function httpAnswers(port: number, path: string): Promise<boolean> {
  for (const host of LOOPBACK) {
    const status = await getStatus(host, port, path);
    if (status !== undefined) return status >= 200 && status < 400;
  }
  return false;
}
