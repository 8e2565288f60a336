// What every exporter takes (the app, planned by loadProject) and gives back (files to write). Pure data.
import { UsageError } from '../errors.js';

export type Env = Record<string, string>;

export interface ExportProcess {
  /** Process type, `web`. */
  type: string;
  command: string;
  /** Instances the formation asks for (may be 0). */
  count: number;
  /** Port of the first instance: what a container of this type listens on. */
  port: number;
  /** Whether the type serves on its port (named `web`, or its command mentions $PORT). */
  portBound: boolean;
}

export interface ExportInstance {
  /** `web.1` */
  name: string;
  type: string;
  index: number;
  command: string;
  port: number;
  /** Env-file variables, then PORT and PS: never the environment of the machine running export. */
  env: Env;
}

export interface ExportInput {
  app: string;
  /** Absolute working directory of every process. */
  root: string;
  user?: string;
  logDir?: string;
  image?: string;
  /** Grace period between SIGTERM and SIGKILL. */
  timeoutSeconds: number;
  /** Variables from the env files only. */
  env: Env;
  processes: ExportProcess[];
  instances: ExportInstance[];
}

export interface ExportFile {
  /** Relative to the export directory, `/`-separated. */
  path: string;
  content: string;
  /** Default 0o644. */
  mode?: number;
}

export type Exporter = (input: ExportInput) => ExportFile[];

/** Files holding env values may hold secrets: readable by their owner only. */
export const SECRET_MODE = 0o600;
export const SCRIPT_MODE = 0o755;

/** The error for a value a format has no way to write. */
export function cannotCarry(format: string, what: string, why: string): UsageError {
  return new UsageError(`${format} cannot carry ${what}: ${why}`, { hint: 'change the value, or export to another format' });
}
