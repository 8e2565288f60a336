// Bodies stream through the router without being buffered: a 256 MiB upload and a 256 MiB download
// through a router in a process of its own, whose resident memory is sampled. Ports 28400-28599.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, expect, it } from 'vitest';
import { FIXTURES, isAlive, portAccepts } from './helpers.js';
import { startBackend, stopBackends } from './router-support.js';

const MIB = 1024 * 1024;
const TOTAL = 256 * MIB;
/** A router that buffered either body would grow by about TOTAL; streaming keeps it within a few socket buffers. */
const MAX_GROWTH = 24 * MIB;

const rssOf = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

function hostRouter(port: number, instances: string[]) {
  const child = spawn(process.execPath, [path.join(FIXTURES, 'router-host.js'), String(port), ...instances], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const listening = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /router (\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`router host exited with ${code}: ${out}`)));
  });
  return { child, exited, listening };
}

let host: ReturnType<typeof hostRouter> | undefined;
afterEach(async () => {
  if (host && isAlive(host.child.pid!)) {
    host.child.kill('SIGKILL');
    await host.exited;
  }
  host = undefined;
  await stopBackends();
});

/** Resolves with the response body once the request is done. */
function send(url: string, method: string, body?: Readable, onData?: (n: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => (onData ? onData(chunk.length) : chunks.push(chunk)));
      res.on('end', () => resolve(Buffer.concat(chunks).toString()));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body) pipeline(body, req).catch(reject);
    else req.end();
  });
}

function zeros(total: number): Readable {
  const chunk = Buffer.alloc(64 * 1024);
  let left = total / chunk.length;
  return new Readable({
    read() {
      this.push(left-- > 0 ? chunk : null);
    },
  });
}

it('a large upload and a large download pass with the router’s memory flat', async () => {
  const backend = await startBackend('web.1', 28400);
  host = hostRouter(28401, [`web.1=${backend.port}`]);
  const url = await host.listening;
  const pid = host.child.pid!;
  // Warm up both paths with 64 MiB each, so that the baseline includes the heap and socket buffers
  // any large transfer settles at (measured: the router's RSS plateaus within the first 64 MiB).
  await send(`${url}/upload`, 'POST', zeros(64 * MIB));
  await send(`${url}/stream?mib=64`, 'GET', undefined, () => {});
  const baseline = rssOf(pid);
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 10);
  try {
    const uploaded = JSON.parse(await send(`${url}/upload`, 'POST', zeros(TOTAL))) as { bytes: number };
    expect(uploaded).toEqual({ id: 'web.1', bytes: TOTAL });
    let downloaded = 0;
    await send(`${url}/stream?mib=${TOTAL / MIB}`, 'GET', undefined, (n) => (downloaded += n));
    expect(downloaded).toBe(TOTAL);
  } finally {
    clearInterval(sampler);
  }
  console.log(
    `router RSS: baseline ${(baseline / MIB).toFixed(1)} MiB, peak ${(peak / MIB).toFixed(1)} MiB while 2 × ${TOTAL / MIB} MiB passed`,
  );
  expect(peak - baseline).toBeLessThan(MAX_GROWTH);
  host.child.kill('SIGTERM');
  await host.exited;
  expect(await portAccepts(28401)).toBe(false);
});
