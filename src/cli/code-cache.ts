// V8's code cache for the CLI bundle. Compiling the 265 KB bundle is a good part of what a command
// costs beyond Node's own start; V8 can instead take the code it compiled before from a cache.
// `npm run build` stamps the bundle with a build id (its first line) and writes <bundle>.cache: the
// same id, then V8's data, made after the bundle's top level ran (so the functions it ran are in it).
// The launcher loads the bundle through loadBundle: with the cache when both carry the same id (V8
// itself also refuses data from another V8 or other flags, but checks only the source's length), and
// with plain require() otherwise. The id stands in for hashing the source at every start: loading
// node:crypto and hashing would cost about as much as the cache saves.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

const STAMP = '// ps-run build ';
const ID_LENGTH = 40;

type DefaultLoader = typeof vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER;

/**
 * Node's own loader for a vm script's import(). Even with it, import() fails in a script compiled from
 * a code cache (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING on Node 20), so the CLI loads its optional and
 * external packages with require().
 */
const importLoader = (): DefaultLoader | undefined =>
  (vm.constants as Partial<typeof vm.constants> | undefined)?.USE_MAIN_CONTEXT_DEFAULT_LOADER;

/** The cache file of a bundle. */
export const cacheFileOf = (bundle: string): string => `${bundle}.cache`;

/** The V8 data in a cache file when the bundle's source carries the cache's build id; undefined otherwise. Pure. */
export function cachedDataFor(cache: Buffer | undefined, source: string): Buffer | undefined {
  if (cache === undefined || cache.length <= ID_LENGTH) return undefined;
  const id = cache.toString('latin1', 0, ID_LENGTH);
  return /^[0-9a-f]+$/.test(id) && source.startsWith(`${STAMP}${id}\n`) ? cache.subarray(ID_LENGTH) : undefined;
}

/** The source with the build id stamped on its first line (replacing a former stamp). Pure. */
export function stamped(source: string, id: string): string {
  const body = source.startsWith(STAMP) ? source.slice(source.indexOf('\n') + 1) : source;
  return `${STAMP}${id}\n${body}`;
}

/** A new build id: 40 hex digits, unique per build (time and random bits; it names a build, it hashes nothing). */
export function newBuildId(now = Date.now(), random = Math.random): string {
  let id = now.toString(16);
  while (id.length < ID_LENGTH) id += Math.floor(random() * 16).toString(16);
  return id.slice(0, ID_LENGTH);
}

interface Ran {
  script: vm.Script;
  exports: unknown;
}

/** A CommonJS file's source as a function of Node's five module arguments. Pure. */
export const wrapCommonJs = (source: string): string => `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;

/** Compiles and runs a CommonJS file as Node's loader does (the same wrapper and arguments). */
function runCommonJs(file: string, source: string, loader: DefaultLoader, cachedData?: Buffer): Ran {
  const script = new vm.Script(wrapCommonJs(source), { filename: file, cachedData, importModuleDynamically: loader });
  const module = { exports: {} as unknown, filename: file, id: file, loaded: false };
  const body = script.runInThisContext() as (...args: unknown[]) => void;
  body.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  module.loaded = true;
  return { script, exports: module.exports };
}

/** Loads a CommonJS bundle: from its code cache when a valid one is there, else by plain require(). */
export function loadBundle(bundle: string): unknown {
  const file = path.resolve(bundle);
  return loadCached(file) ?? (createRequire(file)(file) as unknown);
}

/** The bundle's exports when this Node can use its cache and the cache belongs to it; undefined otherwise. */
function loadCached(file: string): unknown {
  const loader = importLoader();
  if (loader === undefined) return undefined;
  let cache: Buffer;
  try {
    cache = readFileSync(cacheFileOf(file));
  } catch {
    return undefined; // no cache
  }
  const source = readFileSync(file, 'utf8');
  const data = cachedDataFor(cache, source);
  return data === undefined ? undefined : runCommonJs(file, source, loader, data).exports;
}

/** Stamps the bundle and writes its code cache (run by `npm run build`); false where this Node cannot. */
export function writeCodeCache(bundle: string): boolean {
  const file = path.resolve(bundle);
  const target = cacheFileOf(file);
  rmSync(target, { force: true });
  const loader = importLoader();
  if (loader === undefined) return false;
  const id = newBuildId();
  const source = stamped(readFileSync(file, 'utf8'), id);
  writeFileSync(`${file}.tmp`, source);
  renameSync(`${file}.tmp`, file);
  const { script } = runCommonJs(file, source, loader);
  writeFileSync(`${target}.tmp`, Buffer.concat([Buffer.from(id, 'latin1'), script.createCachedData()]));
  renameSync(`${target}.tmp`, target);
  return true;
}
