// The programmatic API, used as a library would: parse, plan, supervise real processes, subscribe.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject, parseProcfile, Supervisor, type SupervisorEvent } from '../../src/index.js';
import { FIXTURES, makeApp, portAccepts, waitUntil } from './helpers.js';

describe('programmatic API', () => {
  it('parses a Procfile', () => {
    expect(parseProcfile('web: node a.js\n# note\nworker: node b.js --x=1:2\n')).toEqual([
      { name: 'web', command: 'node a.js', line: 1 },
      { name: 'worker', command: 'node b.js --x=1:2', line: 3 },
    ]);
  });

  it('plans a formation, supervises real processes, reports events and output, and stops them', async () => {
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
    const supervisor = new Supervisor({ instances: project.instances, cwd: project.root, timeoutMs: 2000 });
    const events: SupervisorEvent[] = [];
    let output = '';
    supervisor.on((e) => events.push(e));
    supervisor.pipeOutput({ data: (_name, _stream, chunk) => (output += chunk.toString()), end: () => {} });
    supervisor.start();
    try {
      await waitUntil(async () => (await portAccepts(30000)) && (await portAccepts(30001)), 15_000, 'both ports');
      await waitUntil(() => output.includes('listening 30001 web.2'), 5000, 'output of web.2');
      expect(events.filter((e) => e.kind === 'spawn').map((e) => e.kind === 'spawn' && e.name)).toEqual(['web.1', 'web.2']);
    } finally {
      supervisor.stop('test over', 0);
    }
    expect(await supervisor.done).toBe(0);
    expect(events.some((e) => e.kind === 'stopping')).toBe(true);
    expect(await portAccepts(30000)).toBe(false);
    expect(await portAccepts(30001)).toBe(false);
  });
});
