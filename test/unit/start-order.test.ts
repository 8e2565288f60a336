// `--after`: parsing, the checks before anything starts (cycles named), and what may start when.
import { describe, expect, it } from 'vitest';
import { usageError } from '../support/errors.js';
import { checkStartOrder, findCycle, parseAfter, startWaves, typesToStart, waitingFor } from '../../src/start-order.js';

const order = (entries: Record<string, string[]>): Map<string, string[]> => new Map(Object.entries(entries));

describe('parseAfter', () => {
  it.each<[string[], Record<string, string[]>]>([
    [[], {}],
    [['web=release'], { web: ['release'] }],
    [['web=release,db', 'worker=db'], { web: ['release', 'db'], worker: ['db'] }],
    [['web=db', 'web=release,db'], { web: ['db', 'release'] }],
  ])('%j', (values, expected) => {
    expect(parseAfter(values)).toEqual(order(expected));
  });

  it.each(['web', 'web=', '=db', 'web=db,', 'web=,db', 'web=d b', 'w eb=db', 'web=db=x'])('%j is refused', (value) => {
    expect(usageError(() => parseAfter([value])).message).toBe(
      `malformed --after ${JSON.stringify(value)}: expected <type>=<type>[,<type>...], e.g. web=release,db`,
    );
  });
});

describe('checkStartOrder', () => {
  const types = ['web', 'worker', 'release', 'clock'];

  it('accepts an order without cycles', () => {
    expect(() => checkStartOrder(order({ web: ['release'], worker: ['web', 'release'] }), types)).not.toThrow();
  });

  it.each<[Record<string, string[]>, string]>([
    [{ web: ['web'] }, '--after makes a cycle, so none of its types could start: web -> web'],
    [{ web: ['worker'], worker: ['web'] }, '--after makes a cycle, so none of its types could start: web -> worker -> web'],
    [
      { clock: ['release'], web: ['worker'], worker: ['clock'], release: ['web'] },
      '--after makes a cycle, so none of its types could start: web -> worker -> clock -> release -> web',
    ],
    [
      { web: ['db'] },
      '--after web=db: "db" is not in the formation, so web would wait for ever; types in the formation: web, worker, release, clock',
    ],
    [
      { db: ['web'] },
      '--after names process type "db", which is not in the formation; types in the formation: web, worker, release, clock',
    ],
  ])('%j', (entries, message) => {
    expect(usageError(() => checkStartOrder(order(entries), types)).message).toBe(message);
  });

  it('finds a cycle reached only through a type outside it', () => {
    expect(findCycle(order({ web: ['worker'], worker: ['clock'], clock: ['worker'] }), types)).toEqual(['worker', 'clock', 'worker']);
    expect(findCycle(order({ web: ['worker', 'clock'], worker: ['clock'] }), types)).toBeUndefined();
  });
});

describe('waiting and starting', () => {
  const after = order({ web: ['release', 'db'], worker: ['web'] });
  const types = ['release', 'db', 'web', 'worker', 'clock'];

  it('waitingFor lists what is not ready yet', () => {
    expect(waitingFor('web', after, new Set())).toEqual(['release', 'db']);
    expect(waitingFor('web', after, new Set(['db']))).toEqual(['release']);
    expect(waitingFor('web', after, new Set(['db', 'release']))).toEqual([]);
    expect(waitingFor('clock', after, new Set())).toEqual([]);
  });

  it('typesToStart: what waits for nothing now and has not started', () => {
    expect(typesToStart(after, types, new Set(), new Set())).toEqual(['release', 'db', 'clock']);
    const started = new Set(['release', 'db', 'clock']);
    expect(typesToStart(after, types, started, new Set(['db']))).toEqual([]);
    expect(typesToStart(after, types, started, new Set(['db', 'release']))).toEqual(['web']);
    started.add('web');
    // Readiness that is lost later (a crash) does not stop what has started.
    expect(typesToStart(after, types, started, new Set(['web']))).toEqual(['worker']);
  });

  it('startWaves orders the formation', () => {
    expect(startWaves(after, types)).toEqual([['release', 'db', 'clock'], ['web'], ['worker']]);
    expect(startWaves(new Map(), ['web', 'worker'])).toEqual([['web', 'worker']]);
  });
});
