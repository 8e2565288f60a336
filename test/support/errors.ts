// Assertion helpers shared by the unit tests of parsers.
import fc from 'fast-check';
import { expect } from 'vitest';
import { UsageError } from '../../src/errors.js';

/** The UsageError `action` throws; fails the test when it throws nothing or something else. */
export function usageError(action: () => unknown): UsageError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected a UsageError, but nothing was thrown');
}

/** Runs a property, then prints how many cases it tried (not counting those `fc.pre` skipped). */
export function check<T>(label: string, arbitrary: fc.Arbitrary<T>, predicate: (value: T) => void, numRuns: number): void {
  let cases = 0;
  fc.assert(
    fc.property(arbitrary, (value) => {
      predicate(value);
      cases++;
    }),
    { numRuns },
  );
  console.log(`${label}: ${cases} cases`);
}
