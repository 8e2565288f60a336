// A watch that fails: running out of inotify watches is one warning with the fix, never silent.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../support/fake-clock.js';
import { describeWatchError, WATCH_LIMIT_FIX } from '../../src/watch/errors.js';
import { ChangeWatcher, type DirWatcher, type WatchDir } from '../../src/watch/watcher.js';
import { parseWatchSpecs } from '../../src/watch/spec.js';
import { UsageError } from '../../src/errors.js';

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: failed`), { code });

describe('describeWatchError', () => {
  it('ENOSPC names the limit and the fix', () => {
    expect(describeWatchError(errno('ENOSPC'), 'src/a', 8192)).toBe(
      '--watch: out of inotify watches (fs.inotify.max_user_watches = 8192) at src/a; ' +
        `changes in directories not yet watched are not seen; raise the limit: ${WATCH_LIMIT_FIX}`,
    );
  });
  it.each<[string, RegExp]>([
    ['EMFILE', /^--watch: too many inotify instances or open files at the root; .*max_user_instances=512/],
    ['EACCES', /^--watch: cannot watch the root: permission denied; changes there are not seen$/],
    ['EIO', /^--watch: cannot watch the root: EIO: failed$/],
  ])('%s', (code, message) => {
    expect(describeWatchError(errno(code), '.')).toMatch(message);
  });
});

describe('ChangeWatcher with a failing watch', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  function tree(count: number): string {
    const root = mkdtempSync(path.join(tmpdir(), 'ps-run-watch-'));
    dirs.push(root);
    for (let i = 0; i < count; i++) mkdirSync(path.join(root, `d${i}`, 'sub'), { recursive: true });
    return root;
  }

  /** A watch that works for the first `okCount` directories, then throws `code` for every one after. */
  function failingAfter(okCount: number, code: string) {
    const attempts: string[] = [];
    const closed: string[] = [];
    const watch: WatchDir = (dir) => {
      attempts.push(dir);
      if (attempts.length > okCount) throw errno(code);
      const fake: DirWatcher = { close: () => closed.push(dir), on: () => fake };
      return fake;
    };
    return { watch, attempts, closed };
  }

  it('ENOSPC: one warning with the fix, no more attempts after it, and close() closes what was opened', async () => {
    const root = tree(10); // 21 directories
    const fake = failingAfter(5, 'ENOSPC');
    const warnings: string[] = [];
    const watcher = new ChangeWatcher({
      root,
      specs: parseWatchSpecs(['web'], root),
      onChange: () => {},
      onWarning: (message) => warnings.push(message),
      clock: new FakeClock(),
      watch: fake.watch,
    });
    await watcher.start();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^--watch: out of inotify watches \(fs\.inotify\.max_user_watches = \d+\) at .*sudo sysctl fs\.inotify\.max_user_watches=524288$/,
    );
    expect(fake.attempts).toHaveLength(6);
    expect(watcher.watchedDirectories).toBe(5);
    await watcher.close();
    expect(fake.closed.sort()).toEqual(fake.attempts.slice(0, 5).sort());
  });

  it('EACCES on some directories: one warning, the others still watched', async () => {
    const root = tree(3); // 7 directories
    const warnings: string[] = [];
    let calls = 0;
    const watch: WatchDir = () => {
      if (++calls % 2 === 0) throw errno('EACCES');
      const fake: DirWatcher = { close: () => {}, on: () => fake };
      return fake;
    };
    const watcher = new ChangeWatcher({
      root,
      specs: parseWatchSpecs(['web'], root),
      onChange: () => {},
      onWarning: (m) => warnings.push(m),
      watch,
    });
    await watcher.start();
    expect(calls).toBe(7);
    expect(watcher.watchedDirectories).toBe(4);
    expect(warnings).toEqual([expect.stringMatching(/permission denied/)]);
    await watcher.close();
  });

  it('a watch path that does not exist is a UsageError from start()', async () => {
    const root = tree(0);
    const watcher = new ChangeWatcher({ root, specs: parseWatchSpecs(['web=src'], root), onChange: () => {}, onWarning: () => {} });
    const error = await watcher.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(`--watch "web=src": nothing at "src" in ${root}`);
    await watcher.close();
  });
});
