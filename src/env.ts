// Env files -> variables (parsed by dotenv), and the precedence between sources. Pure but for `readEnvFiles`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'dotenv';
import { UsageError } from './errors.js';

export interface EnvFile {
  path: string;
  /** A file the user named must exist; the default `.env` may be missing. */
  required: boolean;
}

export interface LoadedEnvFile {
  path: string;
  text: string;
}

export type Env = Record<string, string>;

/** The env files to read: those named in `-e` (comma-separated, relative to cwd), or `.env` in the root. */
export function envFilesFor(option: string | undefined, root: string, cwd: string): EnvFile[] {
  if (option === undefined) return [{ path: path.join(root, '.env'), required: false }];
  return option
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '')
    .map((name) => ({ path: path.resolve(cwd, name), required: true }));
}

export function readEnvFiles(files: readonly EnvFile[], read: (file: string) => string = (f) => readFileSync(f, 'utf8')): LoadedEnvFile[] {
  const loaded: LoadedEnvFile[] = [];
  for (const file of files) {
    try {
      loaded.push({ path: file.path, text: read(file.path) });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (!file.required && code === 'ENOENT') continue;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? String(error));
      throw new UsageError(`cannot read env file ${file.path}: ${why}`, { file: file.path, cause: error });
    }
  }
  return loaded;
}

/** Variables of every file, later files overriding earlier ones. */
export function parseEnvFiles(files: readonly LoadedEnvFile[]): Env {
  const vars: Env = {};
  for (const file of files) Object.assign(vars, parse(file.text));
  return vars;
}

/** Inherited environment, then env files; `undefined` values of process.env are dropped. */
export function mergeEnv(inherited: NodeJS.ProcessEnv, fromFiles: Env): Env {
  const env: Env = {};
  for (const [key, value] of Object.entries(inherited)) if (value !== undefined) env[key] = value;
  return Object.assign(env, fromFiles);
}
