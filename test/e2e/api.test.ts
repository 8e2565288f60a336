// The programmatic API, used as a library would: parse, plan, run a Runtime (with its watchdog,
// back-pressure and sweep), drive it, subscribe, and stop it.
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadProject, parseProcfile, Runtime, textFormat, type RuntimeEvent } from '../../src/index.js';
import { FIXTURES, makeApp, portAccepts, waitUntil } from './helpers.js';

describe('programmatic API', () => {
  it('parses a Procfile', () => {
    expect(parseProcfile('web: node a.js\n# note\nworker: node b.js --x=1:2\n')).toEqual([
      { name: 'web', command: 'node a.js', line: 1 },
      { name: 'worker', command: 'node b.js --x=1:2', line: 3 },
    ]);
  });

  it('plans a formation, runs real processes, reports events and output, restarts and scales, and stops them', async () => {
    const dir = makeApp({ Procfile: `web: node ${path.join(FIXTURES, 'server.js')}\nworker: node ${path.join(FIXTURES, 'crash.js')}\n` });
    const project = loadProject({
      procfile: path.join(dir, 'Procfile'),
      port: 30000,
      select: ['web=2'],
      environ: { PATH: process.env.PATH },
    });
    expect(project.instances.map((i) => [i.name, i.port])).toEqual([
      ['web.1', 30000],
      ['web.2', 30001],
    ]);
    const log = new PassThrough();
    let output = '';
    log.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const runtime = await Runtime.create({
      project,
      timeoutMs: 2000,
      output: { stream: log, format: textFormat({ names: ['web.1', 'web.2'], timestamps: false, colorize: (_n, t) => t }) },
    });
    const events: RuntimeEvent[] = [];
    const { snapshot } = runtime.subscribe((e) => events.push(e));
    expect(snapshot.map((s) => s.state)).toEqual(['waiting', 'waiting']);
    runtime.start();
    try {
      await waitUntil(async () => (await portAccepts(30000)) && (await portAccepts(30001)), 15_000, 'both ports');
      await waitUntil(() => output.includes('web.2  | listening 30001 web.2'), 5000, 'output of web.2');
      const before = runtime.status().find((s) => s.name === 'web.1')!.pid;
      expect(await runtime.restart(['web.1'], { by: 'the API test' })).toEqual(['web.1']);
      const after = runtime.status().find((s) => s.name === 'web.1')!;
      expect(after.pid).not.toBe(before);
      expect(after.ready).toBe(true);
      expect(output).toContain('restart web.1 (requested by the API test)');
      expect(await runtime.scale(new Map([['web', 1]]), { by: 'the API test' })).toEqual({ added: [], removed: ['web.2'] });
      expect(await portAccepts(30001)).toBe(false);
    } finally {
      runtime.shutdown('test over', 0);
    }
    expect(await runtime.done).toBe(0);
    expect(events.some((e) => e.kind === 'stopping')).toBe(true);
    expect(await portAccepts(30000)).toBe(false);
  });
});
