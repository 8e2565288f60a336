// Reads what a command needs from disk (Procfile, env files) and plans the formation. The only file
// I/O before processes start; everything it calls is pure.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { decodeUtf8, envFilesFor, mergeEnv, parseEnvFiles, readEnvFiles, readFileBounded, type Env, type LoadedEnvFile } from './env.js';
import { UsageError } from './errors.js';
import { combineFormations, parseFormation, resolveFormation } from './formation.js';
import { planInstances, type InstancePlan } from './plan.js';
import { checkDiscoveryNames, discoveryEnv, expandEnvFiles } from './discovery.js';
import { parseProcfile, type ProcfileEntry } from './procfile.js';

export const DEFAULT_PORT = 5000;
export const DEFAULT_PORT_STEP = 100;

export interface ProjectOptions {
  /** Procfile path, relative to `cwd`. Default `Procfile`. */
  procfile?: string;
  /** Working directory of every process. Default: the Procfile's directory. */
  root?: string;
  /** Comma-separated env files. Default `.env` in the root, if present. */
  env?: string;
  /** Base port; default PORT from the env files, then from the environment, then 5000. */
  port?: number;
  portStep?: number;
  /** `-m` value, e.g. `all=2,worker=0`. */
  formation?: string;
  /** Positional formation items, e.g. `['web=2', 'worker']`: only these run. */
  select?: readonly string[];
  cwd?: string;
  environ?: NodeJS.ProcessEnv;
  /** A missing Procfile means no process types instead of an error (`run` of a plain command). */
  procfileOptional?: boolean;
  /** Variables added to every child before PORT and PS (FORCE_COLOR, say). */
  extraEnv?: Env;
}

export interface Project {
  procfile: string;
  root: string;
  entries: ProcfileEntry[];
  envFiles: LoadedEnvFile[];
  /** Variables from env files only (with `${NAME}` references expanded). */
  fileEnv: Env;
  /** Inherited environment + env files + discovery + extraEnv: what every child starts from. */
  env: Env;
  /** PS_RUN_<TYPE>_PORT / _URL for each type in the formation. */
  discovery: Env;
  basePort: number;
  portStep: number;
  counts: Map<string, number>;
  instances: InstancePlan[];
}

export function readProcfile(file: string): ProcfileEntry[] {
  let bytes: Buffer;
  try {
    bytes = readFileBounded(file, 'Procfile');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw missingProcfile(file);
    if (code === 'EISDIR') throw new UsageError(`Procfile ${file} is a directory`);
    throw new UsageError(`cannot read Procfile ${file}: ${code ?? String(error)}`, { cause: error });
  }
  // Decoded outside the try: bytes that are not UTF-8 are the file's mistake, with its own message.
  return parseProcfile(decodeUtf8(bytes, file, 'Procfile'), file);
}

/** The error for a Procfile that is not there, naming a near miss (`procfile`, `Procfile.txt`) if one is. */
function missingProcfile(file: string): UsageError {
  const dir = path.dirname(file);
  const wanted = path.basename(file).toLowerCase();
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    // no directory to look in: the plain message says enough
  }
  // Editors on Windows add .txt; case matters on Linux but not on macOS or Windows, where the file was written.
  const near = names.find((name) => name !== path.basename(file) && [wanted, `${wanted}.txt`].includes(name.toLowerCase()));
  if (near === undefined) return new UsageError(`no Procfile at ${file}`, { hint: 'pass one with -f <path>' });
  return new UsageError(`no Procfile at ${file}, but ${path.join(dir, near)} exists`, {
    hint: `rename it to ${path.basename(file)}, or pass it with -f`,
  });
}

function checkDirectory(dir: string): void {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new UsageError(`root directory ${dir} does not exist`);
  }
  if (!isDir) throw new UsageError(`root ${dir} is not a directory`);
}

function portFromEnv(value: string | undefined, source: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const port = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new UsageError(`PORT=${JSON.stringify(value)} from ${source} is not a port number (1-65535)`);
  }
  return port;
}

/** Procfile, root and env files as written (references not expanded), without planning a formation. */
export function loadBase(options: ProjectOptions = {}): Pick<Project, 'procfile' | 'root' | 'entries' | 'envFiles' | 'fileEnv' | 'env'> {
  const cwd = options.cwd ?? process.cwd();
  const procfile = path.resolve(cwd, options.procfile ?? 'Procfile');
  const entries = options.procfileOptional && !existsSync(procfile) ? [] : readProcfile(procfile);
  const root = options.root === undefined ? path.dirname(procfile) : path.resolve(cwd, options.root);
  checkDirectory(root);
  const envFiles = readEnvFiles(envFilesFor(options.env, root, cwd));
  const fileEnv = parseEnvFiles(envFiles);
  const env = { ...mergeEnv(options.environ ?? process.env, fileEnv), ...options.extraEnv };
  return { procfile, root, entries, envFiles, fileEnv, env };
}

export function loadProject(options: ProjectOptions = {}): Project {
  const base = loadBase(options);
  checkDiscoveryNames(base.entries, base.procfile);
  const environ = options.environ ?? process.env;
  const basePort =
    options.port ?? portFromEnv(base.fileEnv.PORT, 'the env files') ?? portFromEnv(environ.PORT, 'the environment') ?? DEFAULT_PORT;
  const portStep = options.portStep ?? DEFAULT_PORT_STEP;
  const spec = combineFormations(
    options.formation === undefined ? undefined : parseFormation([options.formation]),
    options.select && options.select.length > 0 ? parseFormation(options.select) : undefined,
  );
  const types = base.entries.map((e) => e.name);
  const counts = resolveFormation(types, spec, portStep);
  const discovery = discoveryEnv(base.entries, counts, basePort, portStep);
  const inherited = mergeEnv(environ, {});
  const fileEnv = expandEnvFiles(base.envFiles, { ...inherited, ...discovery });
  const env = { ...inherited, ...fileEnv, ...discovery, ...options.extraEnv };
  const instances = planInstances({ entries: base.entries, counts, basePort, portStep, env });
  return { ...base, fileEnv, env, discovery, basePort, portStep, counts, instances };
}
