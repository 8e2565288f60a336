// The balancer's choice and the probe schedule: pure functions, table tests.
import { describe, expect, it } from 'vitest';
import { chooseInstance, type Balance } from '../../src/router/balance.js';
import { probeDelay } from '../../src/router/probe.js';

const loads = (...inflight: number[]) => inflight.map((n) => ({ inflight: n }));

describe('chooseInstance', () => {
  it.each<[string, Balance, number[], number, number | undefined]>([
    ['none ready', 'round-robin', [], 0, undefined],
    ['none ready (least)', 'least-connections', [], 3, undefined],
    ['round robin takes the cursor', 'round-robin', [5, 0, 0], 0, 0],
    ['round robin wraps the cursor', 'round-robin', [0, 0, 0], 4, 1],
    ['round robin after the list shrank', 'round-robin', [0, 0], 7, 1],
    ['least takes the idle one', 'least-connections', [3, 0, 2], 0, 1],
    ['least breaks ties from the cursor', 'least-connections', [1, 1, 1], 2, 2],
    ['least prefers lower over the cursor', 'least-connections', [1, 4, 0], 1, 2],
    ['least: first of equal minima after the cursor', 'least-connections', [0, 2, 0], 1, 2],
    ['one candidate', 'least-connections', [9], 5, 0],
    ['negative cursor is normalised', 'round-robin', [0, 0, 0], -1, 2],
  ])('%s', (_label, balance, inflight, cursor, expected) => {
    expect(chooseInstance(loads(...inflight), balance, cursor)?.index).toBe(expected);
  });

  it.each<Balance>(['round-robin', 'least-connections'])('%s spreads an even load evenly', (balance) => {
    const counts = [0, 0, 0];
    let cursor = 0;
    for (let i = 0; i < 300; i++) {
      const choice = chooseInstance(loads(0, 0, 0), balance, cursor)!;
      counts[choice.index]!++;
      cursor = choice.cursor;
    }
    expect(counts).toEqual([100, 100, 100]);
  });
});

describe('probeDelay', () => {
  it.each([
    [0, 25],
    [1, 50],
    [2, 100],
    [5, 800],
    [6, 1600],
    [7, 2000],
    [100, 2000],
    [-3, 25],
  ])('probe %i waits %i ms', (attempt, ms) => {
    expect(probeDelay(attempt)).toBe(ms);
  });

  it('follows a given schedule', () => {
    expect([0, 1, 2, 3].map((a) => probeDelay(a, { firstMs: 10, maxMs: 35 }))).toEqual([10, 20, 35, 35]);
  });
});
