// Writes an export to its directory, replacing only files an earlier export of the same app wrote
// (listed in its manifest), and removing those it no longer writes. The one effectful export module.
import { chmodSync, lstatSync, mkdirSync, readFileSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { ExportFile } from './types.js';

interface Manifest {
  app: string;
  format: string;
  /** Files written, relative to the directory. */
  files: string[];
  /** Directories the export created (removed again when empty and no longer used). */
  dirs: string[];
}

export interface WriteResult {
  /** Every path written, joined to the directory as given (the manifest last). */
  written: string[];
  removed: string[];
}

/**
 * The manifest's name: hidden, and with an extension no engine reads from an export directory
 * (`kubectl apply -f <dir>` reads every .json, .yaml and .yml in it; systemd reads unit suffixes,
 * supervisord its include glob, launchd .plist, runsvdir subdirectories, compose the file it is named).
 */
export const manifestName = (app: string): string => `.ps-run-export-${app}.manifest`;
/** The name ps-run used before (kubectl tried to apply it): read when there is no manifest, then removed. */
export const legacyManifestName = (app: string): string => `.ps-run-export-${app}.json`;

function readManifest(file: string): Manifest | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    const data = JSON.parse(text) as Partial<Manifest>;
    if (!Array.isArray(data.files) || !Array.isArray(data.dirs)) throw new Error('missing lists');
    return { app: String(data.app), format: String(data.format), files: data.files.map(String), dirs: data.dirs.map(String) };
  } catch (error) {
    throw new UsageError(`${file} is not a ps-run export manifest`, { hint: 'remove it and the files it listed', cause: error });
  }
}

/** lstat, so that a symlink (even a dangling one) counts as present and is never written through. */
function present(full: string): boolean {
  try {
    lstatSync(full);
    return true;
  } catch {
    return false;
  }
}

/** Keeps every path inside the directory, whatever a manifest says. */
function inside(dir: string, relative: string): string {
  const full = path.resolve(dir, relative);
  if (path.isAbsolute(relative) || !full.startsWith(path.resolve(dir) + path.sep))
    throw new UsageError(`refusing path outside ${dir}: ${relative}`);
  return full;
}

/** Parent directories of `relative`, shallowest first (`a`, `a/b` for `a/b/c`). */
function parents(relative: string): string[] {
  const parts = relative.split('/').slice(0, -1);
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

/** Creates `dir` when missing; a path that is not a directory (a file, /dev/null, '') is a user mistake. */
function prepareDirectory(dir: string): void {
  if (dir === '') throw new UsageError('the export directory is an empty path', { hint: 'name a directory, e.g. ./deploy' });
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR')
      throw new UsageError(`${dir} is not a directory`, { hint: 'name a directory to export to' });
    throw new UsageError(`cannot create the export directory ${dir}: ${code ?? String(error)}`);
  }
}

export function writeExport(dir: string, app: string, format: string, files: readonly ExportFile[]): WriteResult {
  prepareDirectory(dir);
  try {
    return writeFiles(dir, app, format, files);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    // A directory that takes no files (/proc/self, a read-only mount): the system's reason, on one line.
    const reason = (error as NodeJS.ErrnoException).code ? (error as Error).message : String(error);
    throw new UsageError(`cannot write the export to ${dir}: ${reason}`, { cause: error });
  }
}

function writeFiles(dir: string, app: string, format: string, files: readonly ExportFile[]): WriteResult {
  const manifestFile = path.join(dir, manifestName(app));
  const legacyFile = path.join(dir, legacyManifestName(app));
  const found = readManifest(manifestFile);
  const legacy = found ? undefined : readManifest(legacyFile);
  const old = found ?? legacy ?? { app, format, files: [], dirs: [] };
  const owned = new Set(old.files);
  for (const file of files) {
    const full = inside(dir, file.path);
    if (present(full) && (!owned.has(file.path) || !lstatSync(full).isFile())) {
      throw new UsageError(`${path.join(dir, file.path)} exists and was not written by an export of ${app}; refusing to replace it`, {
        hint: 'move it away, or export to another directory',
      });
    }
  }
  const dirs = new Set(old.dirs);
  for (const file of files) {
    for (const parent of parents(file.path)) {
      const full = inside(dir, parent);
      if (!present(full)) {
        mkdirSync(full);
        dirs.add(parent);
      }
    }
    const full = inside(dir, file.path);
    writeFileSync(full, file.content);
    chmodSync(full, file.mode ?? 0o644);
  }
  const current = new Set(files.map((f) => f.path));
  const removed: string[] = [];
  for (const stale of old.files.filter((f) => !current.has(f))) {
    try {
      unlinkSync(inside(dir, stale));
      removed.push(path.join(dir, stale));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  const used = new Set(files.flatMap((f) => parents(f.path)));
  // Deepest first, so that a parent is empty when its turn comes; a directory holding anything stays.
  for (const stale of [...dirs].filter((d) => !used.has(d)).sort((a, b) => b.length - a.length)) {
    try {
      rmdirSync(inside(dir, stale));
      dirs.delete(stale);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') dirs.delete(stale);
      else if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    }
  }
  const manifest: Manifest = { app, format, files: [...current], dirs: [...dirs].sort() };
  writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + '\n');
  if (legacy) {
    unlinkSync(legacyFile);
    removed.push(legacyFile);
  }
  return { written: [...files.map((f) => path.join(dir, f.path)), manifestFile], removed };
}
