// The export writer on a real temporary directory: it replaces and removes only what an earlier
// export of the same app wrote (its manifest), and refuses to touch anything else.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { legacyManifestName, manifestName, writeExport } from '../../src/export/write.js';
import { UsageError } from '../../src/errors.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ps-run-export-write-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const read = (p: string): string => readFileSync(path.join(dir, p), 'utf8');

describe('writeExport', () => {
  it('writes files with their modes and a manifest, and returns every path written', () => {
    const result = writeExport(dir, 'shop', 'runit', [
      { path: 'shop-web.1/run', content: '#!/bin/sh\n', mode: 0o755 },
      { path: 'shop-web.1/env/A', content: 'x\n', mode: 0o600 },
    ]);
    expect(result.written).toEqual([
      path.join(dir, 'shop-web.1/run'),
      path.join(dir, 'shop-web.1/env/A'),
      path.join(dir, manifestName('shop')),
    ]);
    expect(statSync(path.join(dir, 'shop-web.1/run')).mode & 0o777).toBe(0o755);
    expect(statSync(path.join(dir, 'shop-web.1/env/A')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(read(manifestName('shop')))).toEqual({
      app: 'shop',
      format: 'runit',
      files: ['shop-web.1/run', 'shop-web.1/env/A'],
      dirs: ['shop-web.1', 'shop-web.1/env'],
    });
  });

  it('replaces its own files and removes those it no longer writes, with directories it made once empty', () => {
    writeExport(dir, 'shop', 'runit', [
      { path: 'shop-web.2/run', content: 'old\n' },
      { path: 'shop-web.2/env/A', content: 'old\n' },
      { path: 'shop-web.1/run', content: 'old\n' },
    ]);
    // runsv made this: the directory is not empty, so it stays.
    mkdirSync(path.join(dir, 'shop-web.2/supervise'));
    const result = writeExport(dir, 'shop', 'runit', [{ path: 'shop-web.1/run', content: 'new\n' }]);
    expect(read('shop-web.1/run')).toBe('new\n');
    expect(result.removed.sort()).toEqual([path.join(dir, 'shop-web.2/env/A'), path.join(dir, 'shop-web.2/run')]);
    expect(existsSync(path.join(dir, 'shop-web.2/env'))).toBe(false);
    expect(existsSync(path.join(dir, 'shop-web.2/supervise'))).toBe(true);
    expect(JSON.parse(read(manifestName('shop'))).dirs).toEqual(['shop-web.1', 'shop-web.2']);
  });

  it('names the manifest with an extension kubectl does not read (.json, .yaml, .yml are all it reads)', () => {
    expect(path.extname(manifestName('shop'))).not.toMatch(/^\.(json|ya?ml)$/);
    expect(path.extname(manifestName('shop.yaml'))).not.toMatch(/^\.(json|ya?ml)$/);
  });

  it('takes over a manifest written under the old name: replaces its files, removes the stale ones and the old manifest', () => {
    writeFileSync(path.join(dir, 'shop.yaml'), 'old\n');
    writeFileSync(path.join(dir, 'gone.yaml'), 'old\n');
    writeFileSync(
      path.join(dir, legacyManifestName('shop')),
      JSON.stringify({ app: 'shop', format: 'kubernetes', files: ['shop.yaml', 'gone.yaml'], dirs: [] }),
    );
    const result = writeExport(dir, 'shop', 'kubernetes', [{ path: 'shop.yaml', content: 'new\n' }]);
    expect(read('shop.yaml')).toBe('new\n');
    expect(result.removed.sort()).toEqual([path.join(dir, legacyManifestName('shop')), path.join(dir, 'gone.yaml')].sort());
    expect(existsSync(path.join(dir, legacyManifestName('shop')))).toBe(false);
    expect(JSON.parse(read(manifestName('shop'))).files).toEqual(['shop.yaml']);
  });

  it('a file under the old manifest name that is not a manifest is refused, and left alone', () => {
    writeFileSync(path.join(dir, legacyManifestName('shop')), '{"kind":"ConfigMap"}');
    expect(() => writeExport(dir, 'shop', 'kubernetes', [{ path: 'shop.yaml', content: 'x' }])).toThrow(/is not a ps-run export manifest/);
    expect(read(legacyManifestName('shop'))).toBe('{"kind":"ConfigMap"}');
  });

  it('refuses to replace a file it did not write, and writes nothing then', () => {
    writeFileSync(path.join(dir, 'shop.conf'), 'mine\n');
    expect(() =>
      writeExport(dir, 'shop', 'supervisord', [
        { path: 'other.conf', content: 'x' },
        { path: 'shop.conf', content: 'x' },
      ]),
    ).toThrow(/shop\.conf exists and was not written by an export of shop/);
    expect(read('shop.conf')).toBe('mine\n');
    expect(existsSync(path.join(dir, 'other.conf'))).toBe(false);
  });

  it("does not touch another app's files in the same directory", () => {
    writeExport(dir, 'blog', 'systemd', [{ path: 'blog.target', content: 'b\n' }]);
    writeExport(dir, 'shop', 'systemd', [{ path: 'shop.target', content: 's\n' }]);
    writeExport(dir, 'shop', 'systemd', [{ path: 'shop-x.service', content: 's\n' }]);
    expect(read('blog.target')).toBe('b\n');
    expect(existsSync(path.join(dir, 'shop.target'))).toBe(false);
    expect(() => writeExport(dir, 'shop', 'systemd', [{ path: 'blog.target', content: 'x' }])).toThrow(UsageError);
  });

  it('never writes through a symlink, even a dangling one', () => {
    const outside = path.join(dir, 'outside');
    symlinkSync(outside, path.join(dir, 'shop.conf'));
    expect(() => writeExport(path.join(dir), 'shop', 'supervisord', [{ path: 'shop.conf', content: 'x' }])).toThrow(UsageError);
    expect(existsSync(outside)).toBe(false);
  });

  it('refuses a manifest path that leaves the directory, and a damaged manifest', () => {
    writeFileSync(path.join(dir, manifestName('shop')), JSON.stringify({ app: 'shop', format: 'x', files: ['../escape'], dirs: [] }));
    expect(() => writeExport(dir, 'shop', 'systemd', [])).toThrow(/refusing path outside/);
    writeFileSync(path.join(dir, manifestName('shop')), '{not json');
    expect(() => writeExport(dir, 'shop', 'systemd', [])).toThrow(/is not a ps-run export manifest/);
  });

  it('reports an unreadable manifest as a usage error', () => {
    mkdirSync(path.join(dir, manifestName('shop')));
    chmodSync(path.join(dir, manifestName('shop')), 0o700);
    expect(() => writeExport(dir, 'shop', 'systemd', [])).toThrow(UsageError);
  });
});
