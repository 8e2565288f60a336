// What --watch skips: .git, node_modules, .gitignore'd paths (root and nested), unless named.
import { describe, expect, it } from 'vitest';
import { gitignored, isSkipped, parseGitignore, type IgnoreRule } from '../../src/watch/ignore.js';

const rules = (byDir: Record<string, string>): Map<string, IgnoreRule[]> =>
  new Map(Object.entries(byDir).map(([dir, text]) => [dir, parseGitignore(text)]));

describe('gitignored', () => {
  const root = rules({
    '.': ['# build output', 'dist/', '*.log', '!keep.log', '/tmp', 'docs/*.md', 'cache/**/*.bin', '\\#hash', 'trailing   '].join('\n'),
    pkg: 'generated\n!dist/\n',
  });
  it.each<[string, boolean, boolean]>([
    ['dist', true, true],
    ['dist', false, false], // dir-only rule, and dist is a file here
    ['src/dist', true, true], // no slash inside: any depth
    ['a.log', false, true],
    ['deep/a/b.log', false, true],
    ['keep.log', false, false],
    ['tmp', true, true],
    ['src/tmp', true, false], // anchored
    ['docs/a.md', false, true],
    ['docs/sub/a.md', false, false],
    ['cache/x/y/z.bin', false, true],
    ['#hash', false, true],
    ['trailing', false, true],
    ['pkg/generated', false, true],
    ['generated', false, false], // pkg's .gitignore only applies under pkg
    ['pkg/dist', true, false], // the nested file has the last word
    ['src/main.ts', false, false],
  ])('%s (dir: %s) -> %s', (rel, isDir, expected) => {
    expect(gitignored(root, rel, isDir)).toBe(expected);
  });

  it('skips comments and blank lines', () => {
    expect(parseGitignore('\n# x\n   \n')).toEqual([]);
  });
});

describe('isSkipped', () => {
  const root = rules({ '.': 'build/\n' });
  it.each<[string, string, boolean, boolean]>([
    ['.', 'node_modules', true, true],
    ['.', 'node_modules/lib/a.js', false, true],
    ['.', 'src/node_modules/x.js', false, true],
    ['.', '.git/HEAD', false, true],
    ['.', 'build/out.js', false, true], // below an ignored directory
    ['.', 'src/a.js', false, false],
    ['node_modules/lib', 'node_modules/lib/a.js', false, false], // named explicitly
    ['node_modules/lib', 'node_modules/lib/node_modules/b.js', false, true],
    ['build', 'build/out.js', false, false], // named explicitly
  ])('watching %s: %s (dir: %s) -> %s', (base, rel, isDir, expected) => {
    expect(isSkipped(root, base, rel, isDir)).toBe(expected);
  });
});
