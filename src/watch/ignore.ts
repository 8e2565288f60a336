// What --watch skips: `.git`, `node_modules` and what .gitignore files ignore (the root one and any
// nested ones the watcher walks past), unless the --watch path itself names a place inside them.
import { globSource } from './glob.js';

/** Directory names never watched below a watch path (they churn, and nobody edits them by hand). */
export const ALWAYS_IGNORED: ReadonlySet<string> = new Set(['.git', 'node_modules']);

export interface IgnoreRule {
  /** Matches a path relative to the directory of the .gitignore. */
  pattern: RegExp;
  /** `!pattern`: a later match re-includes what an earlier one ignored. */
  negate: boolean;
  /** `pattern/`: matches directories only. */
  dirOnly: boolean;
}

/** The rules of one .gitignore file, in order (git's format: comments, `!`, trailing `/`, anchoring). */
export function parseGitignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    // Trailing spaces are dropped unless escaped with a backslash.
    let line = raw.replace(/(?<!\\)\s+$/, '');
    if (line === '' || line.startsWith('#')) continue;
    let negate = false;
    if (line.startsWith('!')) {
      negate = true;
      line = line.slice(1);
    } else if (line.startsWith('\\!') || line.startsWith('\\#')) {
      line = line.slice(1);
    }
    const dirOnly = line.endsWith('/');
    if (dirOnly) line = line.slice(0, -1);
    if (line === '') continue;
    // A slash at the start or in the middle anchors the pattern to the file's directory; without
    // one it matches a name at any depth.
    const anchored = line.includes('/');
    if (line.startsWith('/')) line = line.slice(1);
    const source = anchored ? globSource(line) : `(?:.*/)?${globSource(line)}`;
    rules.push({ pattern: new RegExp(`^${source}$`), negate, dirOnly });
  }
  return rules;
}

/** Rules per directory (relative to the root, '.' for the root), as the watcher finds .gitignore files. */
export type IgnoreRules = ReadonlyMap<string, readonly IgnoreRule[]>;

/** Whether the .gitignore files in `rules` ignore `rel` itself (not looking at its parents). */
export function gitignored(rules: IgnoreRules, rel: string, isDir: boolean): boolean {
  let ignored = false;
  // Shallow files first, so a nested .gitignore has the last word, as in git.
  for (const dir of ancestorsOf(rel)) {
    const list = rules.get(dir);
    if (!list) continue;
    const local = dir === '.' ? rel : rel.slice(dir.length + 1);
    for (const rule of list) {
      if (rule.dirOnly && !isDir) continue;
      if (rule.pattern.test(local)) ignored = !rule.negate;
    }
  }
  return ignored;
}

/**
 * Whether `rel` (a path relative to the root, strictly below `base`) is skipped when watching
 * `base`: any of its parts below `base` is `.git` or `node_modules`, or is ignored by a .gitignore.
 * The parts up to `base` are never judged, so `--watch web=node_modules/lib` watches that library.
 */
export function isSkipped(rules: IgnoreRules, base: string, rel: string, isDir: boolean): boolean {
  const parts = rel.split('/');
  const from = base === '.' ? 0 : base.split('/').length;
  for (let i = from; i < parts.length; i++) {
    if (ALWAYS_IGNORED.has(parts[i] as string)) return true;
    const prefix = parts.slice(0, i + 1).join('/');
    if (gitignored(rules, prefix, i < parts.length - 1 || isDir)) return true;
  }
  return false;
}

/** '.', then every directory from the top down to the parent of `rel`. */
function ancestorsOf(rel: string): string[] {
  const parts = rel.split('/');
  const dirs = ['.'];
  for (let i = 1; i < parts.length; i++) dirs.push(parts.slice(0, i).join('/'));
  return dirs;
}
