// The CLI bundle's code cache: a cache is used only for the build that stamped it, anything else loads
// the bundle by plain require(); and the cache the build writes for dist/ps-run.cjs is one V8 accepts.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { cacheFileOf, cachedDataFor, loadBundle, newBuildId, stamped, wrapCommonJs, writeCodeCache } from '../../src/cli/code-cache.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const id = 'a'.repeat(40);

describe('build stamps and cache files', () => {
  it('stamps the first line, replacing a former stamp', () => {
    const once = stamped('module.exports = 1;\n', id);
    expect(once).toBe(`// ps-run build ${id}\nmodule.exports = 1;\n`);
    expect(stamped(once, 'b'.repeat(40))).toBe(`// ps-run build ${'b'.repeat(40)}\nmodule.exports = 1;\n`);
  });

  it('gives the V8 data only to the source stamped with the same id', () => {
    const cache = Buffer.concat([Buffer.from(id), Buffer.from([1, 2, 3])]);
    expect(cachedDataFor(cache, stamped('x', id))).toEqual(Buffer.from([1, 2, 3]));
    expect(cachedDataFor(cache, stamped('x', 'b'.repeat(40)))).toBeUndefined();
    expect(cachedDataFor(cache, 'x')).toBeUndefined();
    expect(cachedDataFor(undefined, stamped('x', id))).toBeUndefined();
    expect(cachedDataFor(Buffer.from(id), stamped('x', id))).toBeUndefined();
  });

  it('makes a 40-hex-digit id that differs between builds', () => {
    expect(newBuildId(1_700_000_000_000, () => 0.5)).toMatch(/^[0-9a-f]{40}$/);
    expect(newBuildId(1, () => 0.1)).not.toBe(newBuildId(1, () => 0.9));
  });
});

describe('loading through the cache', () => {
  const bundleIn = (source: string): string => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ps-run-cache-')), 'b.cjs');
    writeFileSync(file, source);
    return file;
  };

  it('loads a stamped bundle with its cache, as require() would', () => {
    const file = bundleIn("exports.where = __filename; exports.sum = require('node:path').join('a', 'b'); module.exports.f = () => 42;\n");
    expect(writeCodeCache(file)).toBe(true);
    expect(readFileSync(cacheFileOf(file)).length).toBeGreaterThan(40);
    expect(loadBundle(file)).toEqual({ where: file, sum: path.join('a', 'b'), f: expect.any(Function) });
  });

  it('loads a rebuilt bundle by plain require() while its cache belongs to the former build', () => {
    const file = bundleIn('exports.v = 1;\n');
    writeCodeCache(file);
    const formerCache = readFileSync(cacheFileOf(file));
    writeFileSync(file, 'exports.v = 2;\n'); // same length, no stamp: a bundler's fresh output
    writeFileSync(cacheFileOf(file), formerCache);
    expect(loadBundle(file)).toEqual({ v: 2 });
  });

  it('falls back to compiling when V8 refuses the data (a damaged cache of the right build)', () => {
    const file = bundleIn('exports.v = 3;\n');
    writeCodeCache(file);
    const cache = readFileSync(cacheFileOf(file));
    writeFileSync(cacheFileOf(file), Buffer.concat([cache.subarray(0, 40), Buffer.alloc(cache.length - 40, 7)]));
    expect(loadBundle(file)).toEqual({ v: 3 });
  });

  it('the build wrote a cache for dist/ps-run.cjs that this V8 accepts', () => {
    const bundle = path.join(ROOT, 'dist/ps-run.cjs');
    const source = readFileSync(bundle, 'utf8');
    const data = cachedDataFor(readFileSync(cacheFileOf(bundle)), source);
    expect(data).toBeDefined();
    const script = new vm.Script(wrapCommonJs(source), { filename: bundle, cachedData: data });
    expect(script.cachedDataRejected).toBe(false);
  });
});
