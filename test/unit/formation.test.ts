// Formation specs: parsing, combining -m with positional items, and resolving counts per type.
import { describe, expect, it } from 'vitest';
import { combineFormations, parseFormation, resolveFormation } from '../../src/formation.js';
import { UsageError } from '../../src/errors.js';

const TYPES = ['web', 'worker', 'clock'];

/** Counts per type for `-m option` and positional `select`, as `start` computes them. */
function countsFor(option: string | undefined, select: string[], step = 100): Record<string, number> {
  const spec = combineFormations(
    option === undefined ? undefined : parseFormation([option]),
    select.length > 0 ? parseFormation(select) : undefined,
  );
  return Object.fromEntries(resolveFormation(TYPES, spec, step));
}

describe('parseFormation', () => {
  it('reads comma-separated items and separate words; a bare name means 1', () => {
    const spec = parseFormation(['web=2,worker', 'clock=0']);
    expect(spec.all).toBeUndefined();
    expect([...spec.counts]).toEqual([
      ['web', 2],
      ['worker', 1],
      ['clock', 0],
    ]);
  });

  it('keeps "all" apart from the named types', () => {
    const spec = parseFormation(['all=3,worker=0']);
    expect(spec.all).toBe(3);
    expect([...spec.counts]).toEqual([['worker', 0]]);
  });

  it.each(['web=', 'web=-1', 'web=1.5', 'web=two', '=2', 'web==2', 'web=2,,worker', 'web 2', 'a=1;b=2'])(
    'rejects %j, quoting it',
    (bad) => {
      expect(() => parseFormation([bad])).toThrow(UsageError);
      expect(() => parseFormation([bad])).toThrow(JSON.stringify(bad));
    },
  );
});

describe('formation counts (start)', () => {
  it.each<[string, string | undefined, string[], Record<string, number>]>([
    ['every type once by default', undefined, [], { web: 1, worker: 1, clock: 1 }],
    ['positional items select only those types', undefined, ['web=2', 'worker'], { web: 2, worker: 1, clock: 0 }],
    ['-m all=2,worker=0', 'all=2,worker=0', [], { web: 2, worker: 0, clock: 2 }],
    ['-m worker=0 runs everything but worker', 'worker=0', [], { web: 1, worker: 0, clock: 1 }],
    ['-m web=3 leaves the others at 1', 'web=3', [], { web: 3, worker: 1, clock: 1 }],
    ['-m all=0,clock=1', 'all=0,clock=1', [], { web: 0, worker: 0, clock: 1 }],
  ])('%s', (_what, option, select, expected) => {
    expect(countsFor(option, select)).toEqual(expected);
  });

  // Positional items select the types that run; -m sets counts for all types. Both at once would
  // leave one of them silently ignored, so it is a mistake with its own message.
  it.each([
    ['-m giving a count', 'web=3', ['web']],
    ['-m all=2', 'all=2', ['web']],
    ['-m naming another type', 'worker=2', ['web']],
  ])('positional items with %s are an error', (_what, option, select) => {
    expect(() => countsFor(option, select)).toThrow(UsageError);
    expect(() => countsFor(option, select)).toThrow(/either as arguments .* or with -m .*, not both/);
  });

  it('accepts a count equal to the port step', () => {
    expect(countsFor('web=10', [], 10)).toMatchObject({ web: 10 });
  });

  it.each([
    ['a named count', 'web=11'],
    ['the all count', 'all=11'],
  ])('rejects %s above the port step', (_what, option) => {
    expect(() => countsFor(option, [], 10)).toThrow(/port step/);
  });

  it('rejects an unknown type, listing the known ones', () => {
    expect(() => countsFor(undefined, ['webb=2'])).toThrow(UsageError);
    expect(() => countsFor(undefined, ['webb=2'])).toThrow(/"webb".*web, worker, clock/);
    expect(() => countsFor('db=1', [])).toThrow(/web, worker, clock/);
  });
});
