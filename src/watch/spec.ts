// `--watch web=src,lib/**/*.ts --watch worker` -> which paths each process type is restarted for. Pure.
import path from 'node:path';
import { UsageError, quote } from '../errors.js';
import { globToRegExp, isGlob, staticPrefix } from './glob.js';

export interface WatchPath {
  /** As given, normalized, relative to the root ('.' for the root itself). */
  text: string;
  /** For a glob: the pattern over root-relative paths. */
  glob: RegExp | undefined;
  /** The directory (or, for a literal path, the file or directory) to watch for it. */
  base: string;
}

export interface WatchSpec {
  type: string;
  paths: WatchPath[];
}

const TYPE = /^[A-Za-z0-9_-]+$/;

/** Parses every `--watch` value; a type named twice watches the paths of both. */
export function parseWatchSpecs(values: readonly string[], root: string): WatchSpec[] {
  const byType = new Map<string, WatchPath[]>();
  for (const value of values) {
    const eq = value.indexOf('=');
    const type = eq === -1 ? value : value.slice(0, eq);
    if (!TYPE.test(type)) {
      throw new UsageError(`malformed --watch ${quote(value)}: expected <type> or <type>=<path>[,<path>...], e.g. web=src,views`);
    }
    const items = eq === -1 ? ['.'] : value.slice(eq + 1).split(',');
    const paths = byType.get(type) ?? [];
    for (const item of items) {
      const parsed = parseWatchPath(item, root, value);
      if (!paths.some((p) => p.text === parsed.text)) paths.push(parsed);
    }
    byType.set(type, paths);
  }
  return [...byType].map(([type, paths]) => ({ type, paths }));
}

function parseWatchPath(item: string, root: string, value: string): WatchPath {
  if (item.trim() === '') throw new UsageError(`malformed --watch ${quote(value)}: an empty path; separate paths with single commas`);
  const absolute = path.resolve(root, item);
  const rel = path.relative(root, absolute).split(path.sep).join('/') || '.';
  if (rel === '..' || rel.startsWith('../')) {
    throw new UsageError(`--watch ${quote(value)}: ${quote(item)} is outside the root ${root}; watch paths are relative to the root (-d)`);
  }
  if (!isGlob(rel)) return { text: rel, glob: undefined, base: rel };
  let glob: RegExp;
  try {
    glob = globToRegExp(rel);
  } catch (error) {
    throw new UsageError(`--watch ${quote(value)}: ${quote(item)} is not a valid glob: ${(error as Error).message}`);
  }
  return { text: rel, glob, base: staticPrefix(rel) };
}

/** Types named in --watch must be in the formation. */
export function checkWatchTypes(specs: readonly WatchSpec[], types: readonly string[]): void {
  for (const { type } of specs) {
    if (!types.includes(type)) {
      throw new UsageError(`--watch names process type "${type}", which is not in the formation; types: ${types.join(', ')}`);
    }
  }
}

/** Whether a change at `rel` (root-relative) falls under `watched`. */
export function pathMatches(watched: WatchPath, rel: string): boolean {
  if (watched.glob) return watched.glob.test(rel);
  return watched.text === '.' || rel === watched.text || rel.startsWith(`${watched.text}/`);
}

/** The words for one burst, for the restart line: `src/app.js changed (and 3 other files)`. */
export function describeChange(files: readonly string[]): string {
  const others = files.length - 1;
  const first = files[0] ?? 'a watched file';
  return others <= 0 ? `${first} changed` : `${first} changed (and ${others} other file${others === 1 ? '' : 's'})`;
}
