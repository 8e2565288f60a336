// A planned project + export flags -> the ExportInput every exporter reads. Pure.
import path from 'node:path';
import { UsageError, quote } from '../errors.js';
import { portFor } from '../plan.js';
import type { Project } from '../project.js';
import type { Env, ExportInput } from './types.js';

export interface ExportOptions {
  app?: string;
  user?: string;
  logDir?: string;
  image?: string;
  timeoutSeconds: number;
}

/** Lower-case letters, digits and inner `-`: a name every format accepts (unit, label, DNS name). */
const APP = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
const USER = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const PORT_REFERENCE = /\$\{?PORT\b/;

/** `My App_2` -> `my-app-2`; `app` when nothing is left. */
export function safeAppName(dir: string): string {
  const name = path
    .basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return name === '' ? 'app' : name;
}

export function checkAppName(app: string): string {
  if (!APP.test(app)) {
    throw new UsageError(`app name ${quote(app)} is not usable in every format: expected 1-40 lower-case letters, digits and inner "-"`);
  }
  return app;
}

function checkUser(user: string): string {
  if (!USER.test(user)) throw new UsageError(`user ${quote(user)} is not a user name: expected letters, digits, "_", "." or "-"`);
  return user;
}

function checkLogDir(dir: string): string {
  if (!path.isAbsolute(dir))
    throw new UsageError(`log directory ${quote(dir)} must be an absolute path (it is read on the target machine)`);
  return path.normalize(dir);
}

function checkImage(image: string): string {
  if (!/^[^\s"'$]+$/.test(image)) throw new UsageError(`image ${quote(image)} is not an image reference (no spaces, quotes or "$")`);
  return image;
}

/** Env-file variables with PORT and PS set last (overriding any in the files). */
function withPortAndName(env: Env, port: number, name: string): Env {
  const result: Env = { ...env };
  delete result.PORT;
  delete result.PS;
  return Object.assign(result, { PORT: String(port), PS: name });
}

type PlannedProject = Pick<Project, 'root' | 'entries' | 'fileEnv' | 'counts' | 'basePort' | 'portStep' | 'instances'>;

export function exportInput(project: PlannedProject, options: ExportOptions): ExportInput {
  const env: Env = { ...project.fileEnv };
  return {
    app: checkAppName(options.app ?? safeAppName(project.root)),
    root: project.root,
    ...(options.user === undefined ? {} : { user: checkUser(options.user) }),
    ...(options.logDir === undefined ? {} : { logDir: checkLogDir(options.logDir) }),
    ...(options.image === undefined ? {} : { image: checkImage(options.image) }),
    timeoutSeconds: options.timeoutSeconds,
    env,
    processes: project.entries.map((entry, position) => ({
      type: entry.name,
      command: entry.command,
      count: project.counts.get(entry.name) ?? 0,
      port: portFor(project.basePort, project.portStep, position, 1),
      portBound: entry.name === 'web' || PORT_REFERENCE.test(entry.command),
    })),
    instances: project.instances.map((i) => ({
      name: i.name,
      type: i.type,
      index: i.index,
      command: i.command,
      port: i.port,
      env: withPortAndName(env, i.port, i.name),
    })),
  };
}
