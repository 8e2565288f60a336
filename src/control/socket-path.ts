// Where a ps-run's control socket lives: derived from the Procfile's absolute path, in a directory only
// the user can enter. The directory is checked, never trusted: a directory that is not the user's own
// with mode 0700 is refused.
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../errors.js';

/** FNV-1a, 32 bits: a short stable name per Procfile (no node:crypto at start-up). */
function fnv1a(text: string, seed = 0x811c9dc5): string {
  let hash = seed;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** The per-user directory: $XDG_RUNTIME_DIR/ps-run, else <tmpdir>/ps-run-<uid>. */
export function socketDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const uid = process.getuid?.() ?? 0;
  return env.XDG_RUNTIME_DIR ? path.join(env.XDG_RUNTIME_DIR, 'ps-run') : path.join(os.tmpdir(), `ps-run-${uid}`);
}

/** `<dir>/<app>-<hash>.sock` for an absolute Procfile path. Pure but for the directory's default. */
export function socketPathFor(procfile: string, env: NodeJS.ProcessEnv = process.env): string {
  const app =
    path
      .basename(path.dirname(procfile))
      .replace(/[^A-Za-z0-9_.-]/g, '_')
      .slice(0, 24) || 'app';
  return path.join(socketDirectory(env), `${app}-${fnv1a(procfile)}${fnv1a(procfile, 0x01000193)}.sock`);
}

/** Creates the socket's directory (0700) if missing; refuses one that others could enter or that is not ours. */
export function ensureSocketDirectory(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
    chmodSync(dir, 0o700); // the umask may have taken bits away, never added: make it exact
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST') throw new UsageError(`cannot create the control socket's directory ${dir}: ${code ?? String(error)}`);
  }
  checkSocketDirectory(dir);
}

export function checkSocketDirectory(dir: string): void {
  let stat;
  try {
    stat = lstatSync(dir);
  } catch (error) {
    throw new UsageError(`cannot use ${dir} for the control socket: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const uid = process.getuid?.();
  const problem = !stat.isDirectory()
    ? 'it is not a directory'
    : uid !== undefined && stat.uid !== uid
      ? `it belongs to uid ${stat.uid}`
      : (stat.mode & 0o077) !== 0
        ? `its mode is ${(stat.mode & 0o777).toString(8).padStart(4, '0')}`
        : undefined;
  if (problem) {
    throw new UsageError(`refusing to put the control socket in ${dir}: ${problem}`, {
      hint: 'it must be a directory of your own with mode 0700',
    });
  }
}
