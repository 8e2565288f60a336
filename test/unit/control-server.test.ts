// The control server's follower feed, against a fake of the runtime (only what `logs` uses is real):
// lines gathered for a follower are written before the server's last frame, and in the order they came.
// A real Unix socket between server and client.
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameDecoder, type Frame } from '../../src/control/protocol.js';
import { ControlServer, FOLLOWER_FLUSH_MS } from '../../src/control/server.js';
import type { LineSubscriber } from '../../src/output/hub.js';
import type { RuntimeControl } from '../../src/runtime/control.js';

/** A runtime with one instance, web.1, whose follower subscription the test drives by hand. */
function fakeRuntime(): { runtime: RuntimeControl; subscriber: () => LineSubscriber | undefined } {
  let subscriber: LineSubscriber | undefined;
  const unused = (): never => {
    throw new Error('not used by these tests');
  };
  const runtime: RuntimeControl = {
    info: unused,
    status: () => [],
    subscribe: unused,
    follow: (_names, _lines, s) => {
      subscriber = s;
      return { tail: new Map(), unsubscribe: () => (subscriber = undefined) };
    },
    listenRaw: unused,
    resolve: () => ['web.1'],
    restart: unused,
    stop: unused,
    scale: unused,
    input: unused,
    quit: unused,
    done: new Promise(() => {}),
  };
  return { runtime, subscriber: () => subscriber };
}

const servers: ControlServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function following(): Promise<{ server: ControlServer; subscriber: LineSubscriber; frames: Frame[]; closed: Promise<void> }> {
  const { runtime, subscriber } = fakeRuntime();
  const server = new ControlServer(runtime, path.join(mkdtempSync(path.join(tmpdir(), 'ps-run-unit-')), 'ctl.sock'));
  servers.push(server);
  await server.listen();
  const peer = net.connect(server.path);
  const decoder = new FrameDecoder();
  const frames: Frame[] = [];
  peer.on('data', (chunk: Buffer) => frames.push(...decoder.push(chunk)));
  const closed = new Promise<void>((resolve) => peer.once('close', () => resolve()));
  peer.write(`${JSON.stringify({ v: 1, cmd: 'logs', targets: [], lines: 0, follow: true, binary: true })}\n`);
  const deadline = Date.now() + 10_000;
  while (!subscriber() || frames.length === 0) {
    if (Date.now() > deadline) throw new Error('the server did not take the follower');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { server, subscriber: subscriber() as LineSubscriber, frames, closed };
}

describe('a follower feed', () => {
  it('writes what it gathered before the end frame when the server closes', async () => {
    const { server, subscriber, frames, closed } = await following();
    subscriber.lines('web.1', 'stdout', Buffer.from('last words\n'), 1);
    // At once: well inside the gathering window.
    await server.close();
    await closed;
    const kinds = frames.map((f) => (f.message as { kind?: string }).kind ?? 'ok');
    expect(kinds).toEqual(['ok', 'lines', 'end']);
    expect(frames[1]?.payload?.toString()).toBe('last words\n');
  });

  it('sends what it gathered in the order it came', async () => {
    const { subscriber, frames } = await following();
    for (let i = 0; i < 5; i++) subscriber.lines('web.1', 'stdout', Buffer.from(`line ${i}\n`), i);
    const deadline = Date.now() + 10_000;
    while (frames.length < 6) {
      if (Date.now() > deadline) throw new Error(`only ${frames.length} frames arrived`);
      await new Promise((resolve) => setTimeout(resolve, FOLLOWER_FLUSH_MS));
    }
    expect(frames.slice(1).map((f) => f.payload?.toString())).toEqual(['line 0\n', 'line 1\n', 'line 2\n', 'line 3\n', 'line 4\n']);
    expect(frames.slice(1).map((f) => (f.message as { time: number }).time)).toEqual([0, 1, 2, 3, 4]);
  });
});
