// What the router's CLI tests share: a ps-run started with --router on a private socket, its client
// commands, and its status.
import path from 'node:path';
import type { InstanceStatus } from '../../src/runtime/control.js';
import { FIXTURES, client, makeApp, runTracker, socketPath } from './helpers.js';

export { client, socketPath, type ClientResult as Result } from './helpers.js';

export type Status = InstanceStatus;

export async function status(app: string, socket: string): Promise<Status[]> {
  const result = await client(['status', '--json', '-s', socket], app);
  if (result.code !== 0) throw new Error(`ps-run status failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Status[];
}

/** A web line answering with its instance name ($PS), with the router-backend fixture (headers, WebSockets). */
export const WEB = `web: ID=$PS exec node ${path.join(FIXTURES, 'router-backend.js')}\n`;

/**
 * A web instance that dies at SIGTERM with whatever it was answering (Node's default): only the router's
 * drain keeps its requests in flight from failing. `/slow?ms=N` answers after N ms; anything else at once.
 */
export const ABRUPT_SERVER = `
import { createServer } from 'node:http';
const id = process.env.PS;
createServer((req, res) => {
  req.resume();
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/slow') setTimeout(() => res.end(id), Number(url.searchParams.get('ms')));
  else res.end(id);
}).listen(Number(process.env.PORT), '127.0.0.1');
`;
export const ABRUPT_WEB = 'web: exec node server.mjs\n';

/** Starts `ps-run start` with `args` in a new app and waits for `ready` in its log. */
export async function startRouted(
  tracker: ReturnType<typeof runTracker>,
  args: string[],
  procfile: string,
  ready: RegExp,
  files: Record<string, string> = {},
) {
  const app = makeApp({ Procfile: procfile, ...files });
  const socket = socketPath();
  const run = tracker.start(['start', '-s', socket, ...args], { cwd: app });
  await run.waitFor(ready);
  return { app, socket, run };
}

/** `count` GETs one after another; how many each instance answered, and anything that was not a 200. */
export async function spread(url: string, count: number): Promise<{ by: Map<string, number>; other: string[] }> {
  const by = new Map<string, number>();
  const other: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(url);
    const body = await res.text();
    if (res.status === 200) by.set(body, (by.get(body) ?? 0) + 1);
    else other.push(`${res.status} ${body}`);
  }
  return { by, other };
}
