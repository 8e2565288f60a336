// Property tests of formation specs (`-m all=2,worker=0`, `web=2 worker`): generated specs parse back
// to exactly their counts, and a malformed one is a UsageError that quotes it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check, usageError } from '../support/errors.js';
import { UsageError, oneLine, quote } from '../../src/errors.js';
import { parseFormation } from '../../src/formation.js';

const name = fc.stringMatching(/^[A-Za-z0-9_-]{1,10}$/).filter((n) => n !== 'all');
interface Item {
  name: string;
  count: number;
  /** Write `name` alone for a count of 1, and leading zeros in the count. */
  bare: boolean;
  zeros: number;
}
const item = (names: fc.Arbitrary<string>): fc.Arbitrary<Item> =>
  fc.record({ name: names, count: fc.nat({ max: 1000 }), bare: fc.boolean(), zeros: fc.nat({ max: 2 }) });
const render = (i: Item): string => (i.bare && i.count === 1 ? i.name : `${i.name}=${'0'.repeat(i.zeros)}${i.count}`);

/** Items spread over words (positional arguments), joined by commas with blanks around them. */
const words = (items: Item[], cuts: number[], commas: string[]): string[] => {
  const result: string[] = [];
  let word: string[] = [];
  items.forEach((it, i) => {
    word.push(render(it));
    if (cuts.includes(i) || i === items.length - 1) {
      result.push(word.join(commas[i % commas.length] ?? ','));
      word = [];
    }
  });
  return result;
};

const spec = fc.record({
  items: fc.uniqueArray(item(name), { selector: (i) => i.name, maxLength: 8 }),
  all: fc.option(item(fc.constant('all')), { nil: undefined }),
  cuts: fc.array(fc.nat({ max: 8 }), { maxLength: 4 }),
  commas: fc.array(fc.constantFrom(',', ', ', ' ,', ' , '), { minLength: 1, maxLength: 3 }),
});

describe('formation: accepted specs round-trip', () => {
  it('generated items, in words or comma lists, parse back to exactly their counts', () => {
    check(
      'formation round trip',
      spec,
      ({ items, all, cuts, commas }) => {
        const everything = all ? [all, ...items] : items;
        fc.pre(everything.length > 0);
        const parsed = parseFormation(words(everything, cuts, commas));
        expect(parsed.all).toBe(all?.count);
        expect([...parsed.counts]).toEqual(items.map((i) => [i.name, i.count]));
      },
      2000,
    );
  });
});

describe('formation: malformed specs are a UsageError quoting them', () => {
  const badPart = fc.oneof(
    fc.constantFrom('', ' ', '=2', 'web=', 'web=-1', 'web=1.5', 'web=2x', 'web==2', 'web=+1', 'we b=1', 'ä=1', 'web=1e3', 'web;worker'),
    fc.string({ unit: 'binary', maxLength: 8 }).filter((s) => !s.includes(',') && !/^[A-Za-z0-9_-]+(=\d+)?$/.test(s.trim())),
  );

  it('one bad item among good ones is rejected, quoting the word it is in', () => {
    check(
      'formation bad item',
      fc.tuple(spec, badPart, fc.nat()),
      ([{ items, cuts, commas }, bad, where]) => {
        const list = words(items, cuts, commas);
        const at = where % (list.length + 1);
        const word = at < list.length && where % 2 === 0 ? `${list[at]},${bad}` : bad;
        list.splice(at, at < list.length && where % 2 === 0 ? 1 : 0, word);
        const error = usageError(() => parseFormation(list));
        expect(error.message).toContain(oneLine(quote(word)));
        expect(error.message).not.toMatch(/[\n\r]/);
      },
      2000,
    );
  });

  it('a type given twice is rejected, whichever way it is written', () => {
    check(
      'formation duplicate',
      fc.tuple(fc.oneof(name, fc.constant('all')), fc.nat({ max: 9 }), fc.nat({ max: 9 }), fc.boolean()),
      ([type, a, b, sameWord]) => {
        const list = sameWord ? [`${type}=${a},${type}=${b}`] : [`${type}=${a}`, `${type}=${b}`];
        expect(usageError(() => parseFormation(list)).message).toContain(`"${type}" is given twice`);
      },
      300,
    );
  });

  it('any words parse to one count per item, or are a UsageError', () => {
    const anyWord = fc
      .array(fc.oneof(fc.string({ unit: 'binary', maxLength: 4 }), fc.constantFrom('web', 'all', '=', ',', '1', ' ', '0')), {
        maxLength: 8,
      })
      .map((p) => p.join(''));
    check(
      'formation any words',
      fc.array(anyWord, { maxLength: 4 }),
      (list) => {
        try {
          const parsed = parseFormation(list);
          // Nothing dropped: every comma-separated part became one count.
          const parts = list.flatMap((w) => w.split(','));
          expect(parsed.counts.size + (parsed.all === undefined ? 0 : 1)).toBe(parts.length);
        } catch (error) {
          expect(error).toBeInstanceOf(UsageError);
          expect((error as UsageError).message).toMatch(/^malformed formation "/);
        }
      },
      3000,
    );
  });
});
