// `--watch` values -> watch paths per type; glob syntax; the one-line errors.
import { describe, expect, it } from 'vitest';
import { usageError } from '../support/errors.js';
import { checkWatchTypes, describeChange, parseWatchSpecs, pathMatches } from '../../src/watch/spec.js';
import { globToRegExp, isGlob, staticPrefix } from '../../src/watch/glob.js';

const ROOT = '/app';

describe('parseWatchSpecs', () => {
  it('a type alone watches the root', () => {
    expect(parseWatchSpecs(['web'], ROOT)).toEqual([{ type: 'web', paths: [{ text: '.', glob: undefined, base: '.' }] }]);
  });

  it('paths are normalized relative to the root; a type given twice watches both lists', () => {
    const specs = parseWatchSpecs(['web=src/,./views', 'worker=jobs', 'web=src,/app/lib/x.js'], ROOT);
    expect(specs.map((s) => [s.type, s.paths.map((p) => p.text)])).toEqual([
      ['web', ['src', 'views', 'lib/x.js']],
      ['worker', ['jobs']],
    ]);
  });

  it('a glob keeps its pattern and watches its static prefix', () => {
    const [spec] = parseWatchSpecs(['web=src/**/*.ts'], ROOT);
    const watched = spec?.paths[0];
    expect(watched?.base).toBe('src');
    expect(watched?.glob?.test('src/a/b/c.ts')).toBe(true);
    expect(watched?.glob?.test('src/c.ts')).toBe(true);
    expect(watched?.glob?.test('src/c.js')).toBe(false);
    expect(watched?.glob?.test('lib/c.ts')).toBe(false);
  });

  it.each<[string[], RegExp]>([
    [['=src'], /^malformed --watch "=src": expected <type> or <type>=<path>/],
    [['web src'], /^malformed --watch "web src"/],
    [['web='], /^malformed --watch "web=": an empty path/],
    [['web=src,,lib'], /^malformed --watch "web=src,,lib": an empty path/],
    [['web=../other'], /^--watch "web=..\/other": "..\/other" is outside the root \/app; watch paths are relative to the root \(-d\)$/],
    [['web=/etc'], /is outside the root/],
  ])('%j is refused', (values, message) => {
    expect(usageError(() => parseWatchSpecs(values, ROOT)).message).toMatch(message);
  });
});

describe('checkWatchTypes', () => {
  it('accepts types in the formation and names the ones that are not', () => {
    const specs = parseWatchSpecs(['web', 'wrk=jobs'], ROOT);
    expect(() => checkWatchTypes(specs.slice(0, 1), ['web', 'worker'])).not.toThrow();
    expect(usageError(() => checkWatchTypes(specs, ['web', 'worker'])).message).toBe(
      '--watch names process type "wrk", which is not in the formation; types: web, worker',
    );
  });
});

describe('pathMatches', () => {
  const [spec] = parseWatchSpecs(['web=.,src,package.json,views/*.html'], ROOT);
  const [root, src, file, glob] = spec?.paths ?? [];
  it.each<[string, boolean[]]>([
    ['src/a.js', [true, true, false, false]],
    ['srcx/a.js', [true, false, false, false]],
    ['package.json', [true, false, true, false]],
    ['views/index.html', [true, false, false, true]],
    ['views/deep/index.html', [true, false, false, false]],
  ])('%s', (rel, expected) => {
    expect([root, src, file, glob].map((p) => (p ? pathMatches(p, rel) : undefined))).toEqual(expected);
  });
});

describe('globs', () => {
  it.each<[string, string, boolean]>([
    ['*.js', 'a.js', true],
    ['*.js', 'd/a.js', false],
    ['**/*.js', 'a.js', true],
    ['**/*.js', 'd/e/a.js', true],
    ['a/**', 'a/b/c', true],
    ['a/**/b', 'a/b', true],
    ['a/**/b', 'a/x/y/b', true],
    ['a/**/b', 'a/xb', false],
    ['f?.txt', 'f1.txt', true],
    ['f?.txt', 'f/.txt', false],
    ['[ab].c', 'b.c', true],
    ['[!ab].c', 'b.c', false],
    ['[!ab].c', 'z.c', true],
    ['\\*.c', '*.c', true],
    ['\\*.c', 'x.c', false],
    ['a.b', 'axb', false],
  ])('%s against %s: %s', (glob, rel, expected) => {
    expect(globToRegExp(glob).test(rel)).toBe(expected);
  });

  it('tells globs from paths and finds the directories before the first glob', () => {
    expect(isGlob('src/a.js')).toBe(false);
    expect(isGlob('src/*.js')).toBe(true);
    expect(staticPrefix('src/lib/**/*.ts')).toBe('src/lib');
    expect(staticPrefix('*.ts')).toBe('.');
    expect(staticPrefix('a/*/b/*.ts')).toBe('a');
  });
});

describe('describeChange', () => {
  it.each<[string[], string]>([
    [['src/a.js'], 'src/a.js changed'],
    [['src/a.js', 'src/b.js'], 'src/a.js changed (and 1 other file)'],
    [['src/a.js', 'b', 'c', 'd'], 'src/a.js changed (and 3 other files)'],
    [[], 'a watched file changed'],
  ])('%j', (files, text) => {
    expect(describeChange(files)).toBe(text);
  });
});
