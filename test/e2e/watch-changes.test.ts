// The ChangeWatcher on real files with real inotify watches: bursts, ignores, new directories, close.
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from './helpers.js';
import { ChangeWatcher } from '../../src/watch/watcher.js';
import { parseWatchSpecs } from '../../src/watch/spec.js';

interface Setup {
  root: string;
  calls: [string, string[]][];
  warnings: string[];
  watcher: ChangeWatcher;
  write(rel: string, text?: string): void;
  /** Writes `rel` and waits until a call reports it; returns that call. */
  sentinel(rel: string): Promise<[string, string[]]>;
}

const open: Setup[] = [];

async function setup(files: Record<string, string>, watchValues: string[]): Promise<Setup> {
  const root = mkdtempSync(path.join(tmpdir(), 'ps-run-watch-e2e-'));
  const write = (rel: string, text = `${Date.now()} ${Math.random()}\n`): void => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };
  for (const [rel, text] of Object.entries(files)) write(rel, text);
  const calls: [string, string[]][] = [];
  const warnings: string[] = [];
  const watcher = new ChangeWatcher({
    root,
    specs: parseWatchSpecs(watchValues, root),
    onChange: (type, changed) => calls.push([type, changed]),
    onWarning: (message) => warnings.push(message),
  });
  await watcher.start();
  const s: Setup = {
    root,
    calls,
    warnings,
    watcher,
    write,
    async sentinel(rel) {
      write(rel);
      await waitUntil(() => calls.some(([, changed]) => changed.includes(rel)), 10_000, `a change to ${rel} reported`);
      return calls.find(([, changed]) => changed.includes(rel)) as [string, string[]];
    },
  };
  open.push(s);
  return s;
}

afterEach(async () => {
  for (const s of open.splice(0)) {
    await s.watcher.close();
    rmSync(s.root, { recursive: true, force: true });
  }
});

describe('ChangeWatcher (real files)', () => {
  it('a burst of writes to watched files is one onChange with every file; the next change is a call of its own', async () => {
    const s = await setup({ 'src/a.js': '1\n', 'src/b.js': '1\n' }, ['web=src']);
    for (let i = 0; i < 5; i++) {
      s.write('src/a.js');
      s.write('src/b.js');
    }
    // An editor's save: a temp file renamed over the original.
    s.write('src/.a.js.tmp');
    const { renameSync } = await import('node:fs');
    renameSync(path.join(s.root, 'src/.a.js.tmp'), path.join(s.root, 'src/a.js'));
    await waitUntil(() => s.calls.length > 0, 10_000, 'the burst reported');
    // Had the burst been split, its files would show up again before (or with) the sentinel.
    const next = await s.sentinel('src/c.js');
    expect(s.calls).toHaveLength(2);
    expect(s.calls[0]?.[0]).toBe('web');
    expect(new Set(s.calls[0]?.[1])).toEqual(new Set(['src/a.js', 'src/b.js', 'src/.a.js.tmp']));
    expect(next).toEqual(['web', ['src/c.js']]);
    expect(s.warnings).toEqual([]);
  });

  it("node_modules, .git and .gitignore'd paths are not watched; named explicitly, node_modules/<lib> is", async () => {
    const s = await setup(
      {
        '.gitignore': 'tmp/\n*.log\n',
        'node_modules/lib/index.js': '1\n',
        'node_modules/other/index.js': '1\n',
        '.git/HEAD': 'ref\n',
        'tmp/cache.js': '1\n',
        'src/app.js': '1\n',
        'src/.gitignore': 'gen/\n',
        'src/gen/out.js': '1\n',
      },
      ['web', 'worker=node_modules/lib'],
    );
    s.write('node_modules/other/index.js');
    s.write('.git/HEAD');
    s.write('tmp/cache.js');
    s.write('debug.log');
    s.write('src/gen/out.js');
    s.write('src/gen/new/deep.js');
    s.write('node_modules/lib/index.js');
    await waitUntil(() => s.calls.some(([type]) => type === 'worker'), 10_000, 'the change in node_modules/lib reported');
    await s.sentinel('src/app.js');
    const seen = s.calls.flatMap(([type, changed]) => changed.map((rel) => `${type}:${rel}`));
    expect(seen.sort()).toEqual(['web:src/app.js', 'worker:node_modules/lib/index.js']);
  });

  it('a new file in a new subdirectory is seen, and later changes in that directory too', async () => {
    const s = await setup({ 'src/a.js': '1\n' }, ['web=src']);
    s.write('src/new/deeper/f.js');
    await waitUntil(() => s.calls.some(([, changed]) => changed.includes('src/new/deeper/f.js')), 10_000, 'the new file reported');
    const next = await s.sentinel('src/new/deeper/g.js');
    expect(next).toEqual(['web', ['src/new/deeper/g.js']]);
  });

  it('a deleted file is a change; a type sees only its own paths; a literal file and a glob', async () => {
    const s = await setup({ 'src/a.js': '1\n', 'package.json': '{}\n', 'README.md': 'x\n', 'views/a.html': 'x\n', 'views/a.css': 'x\n' }, [
      'web=src,package.json',
      'worker=views/*.html',
    ]);
    unlinkSync(path.join(s.root, 'src/a.js'));
    await waitUntil(() => s.calls.length > 0, 10_000, 'the deletion reported');
    expect(s.calls[0]).toEqual(['web', ['src/a.js']]);
    s.write('README.md');
    s.write('views/a.css');
    s.write('package.json');
    await waitUntil(() => s.calls.length > 1, 10_000, 'package.json reported');
    s.write('views/b.html');
    await waitUntil(() => s.calls.length > 2, 10_000, 'views/b.html reported');
    await s.sentinel('src/z.js');
    expect(s.calls.slice(1)).toEqual([
      ['web', ['package.json']],
      ['worker', ['views/b.html']],
      ['web', ['src/z.js']],
    ]);
  });

  it('close() leaves no watch handle and no pending work, and reports nothing after it', async () => {
    const handles = (): number => process.getActiveResourcesInfo().filter((r) => r === 'FSEventWrap').length;
    // A closed watch handle leaves the list on the next turn of the event loop.
    await waitUntil(() => handles() === 0, 5000, 'the handles of earlier tests closed');
    const s = await setup({ 'src/a/b/c.js': '1\n', 'src/d/e.js': '1\n' }, ['web']);
    expect(s.watcher.watchedDirectories).toBe(5); // the root, src, src/a, src/a/b, src/d
    expect(handles()).toBe(5);
    s.write('src/a/b/c.js');
    s.write('src/new/f.js');
    await s.watcher.close();
    expect(s.watcher.watchedDirectories).toBe(0);
    await waitUntil(
      () => handles() === 0 && !process.getActiveResourcesInfo().some((r) => r.startsWith('FSReq')),
      5000,
      'nothing left open',
    );
    expect(s.calls).toEqual([]);
  });
});

describe('ChangeWatcher closed while it walks', () => {
  it('close() during start() leaves no handle and no pending work', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'ps-run-watch-e2e-'));
    try {
      for (let i = 0; i < 200; i++) mkdirSync(path.join(root, `d${i}`, 'a', 'b'), { recursive: true });
      const handles = (): number => process.getActiveResourcesInfo().filter((r) => r === 'FSEventWrap').length;
      await waitUntil(() => handles() === 0, 5000, 'the handles of earlier tests closed');
      const watcher = new ChangeWatcher({ root, specs: parseWatchSpecs(['web'], root), onChange: () => {}, onWarning: () => {} });
      const starting = watcher.start();
      await watcher.close();
      await starting;
      expect(watcher.watchedDirectories).toBe(0);
      // Node drops a finished request from the list on the next turn, as it does a closed handle.
      await waitUntil(
        () => handles() === 0 && !process.getActiveResourcesInfo().some((r) => r.startsWith('FSReq')),
        5000,
        'nothing left open',
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
