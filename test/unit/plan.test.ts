// planInstances / portFor: the port rule, PS names and the child environment.
import { describe, expect, it } from 'vitest';
import { planInstances, portFor } from '../../src/plan.js';
import type { ProcfileEntry } from '../../src/procfile.js';

const entries: ProcfileEntry[] = [
  { name: 'web', command: 'node web.js', line: 1 },
  { name: 'worker', command: 'node worker.js', line: 2 },
  { name: 'clock', command: 'node clock.js', line: 3 },
];

function ports(counts: Record<string, number>, basePort = 5000, portStep = 100): Record<string, number> {
  const plan = planInstances({ entries, counts: new Map(Object.entries(counts)), basePort, portStep, env: {} });
  return Object.fromEntries(plan.map((i) => [i.name, i.port]));
}

describe('portFor', () => {
  it.each([
    [5000, 100, 0, 1, 5000],
    [5000, 100, 1, 1, 5100],
    [5000, 100, 2, 1, 5200],
    [5000, 100, 0, 2, 5001],
    [6000, 100, 1, 3, 6102],
    [5000, 10, 2, 10, 5029],
  ])('base %i step %i position %i instance %i -> %i', (base, step, position, index, expected) => {
    expect(portFor(base, step, position, index)).toBe(expected);
  });
});

describe('planInstances', () => {
  it('the issue examples: web, worker, clock', () => {
    expect(ports({ web: 1, worker: 1, clock: 1 })).toEqual({ 'web.1': 5000, 'worker.1': 5100, 'clock.1': 5200 });
    expect(ports({ web: 2, worker: 0, clock: 0 })).toEqual({ 'web.1': 5000, 'web.2': 5001 });
    expect(ports({ web: 1, worker: 1, clock: 1 }, 6000)).toEqual({ 'web.1': 6000, 'worker.1': 6100, 'clock.1': 6200 });
  });

  it('counts the position of unselected types', () => {
    expect(ports({ web: 0, worker: 0, clock: 2 })).toEqual({ 'clock.1': 5200, 'clock.2': 5201 });
  });

  it('uses the port step', () => {
    expect(ports({ web: 2, worker: 1, clock: 1 }, 7000, 10)).toEqual({ 'web.1': 7000, 'web.2': 7001, 'worker.1': 7010, 'clock.1': 7020 });
  });

  it('gives each instance PORT and PS on top of the shared env, which they override', () => {
    const plan = planInstances({
      entries,
      counts: new Map([['worker', 2]]),
      basePort: 5000,
      portStep: 100,
      env: { PORT: '1', PS: 'old', SHARED: 'yes' },
    });
    expect(plan).toEqual([
      {
        name: 'worker.1',
        type: 'worker',
        index: 1,
        command: 'node worker.js',
        port: 5100,
        env: { PORT: '5100', PS: 'worker.1', SHARED: 'yes' },
      },
      {
        name: 'worker.2',
        type: 'worker',
        index: 2,
        command: 'node worker.js',
        port: 5101,
        env: { PORT: '5101', PS: 'worker.2', SHARED: 'yes' },
      },
    ]);
  });

  it('rejects a port above 65535', () => {
    expect(() => ports({ web: 1, worker: 1, clock: 1 }, 65400)).toThrow(/65535/);
  });
});
