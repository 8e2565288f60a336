// Service discovery between process types (twelve-factor backing services by URL), and `${NAME}`
// references in env files that use it. Pure.
import { parseDotenv, scanEnvText, type Env, type LoadedEnvFile } from './env.js';
import { UsageError, at, quote } from './errors.js';
import type { ProcfileEntry } from './procfile.js';
import { portFor } from './plan.js';

/** `web-api` -> `WEB_API`: upper case, every character outside [A-Z0-9] turned into `_`. */
export function envNameOf(type: string): string {
  return type.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/**
 * Two types whose discovery variables would be the same (`web-api` and `web_api`, `Web` and `web`):
 * the later would silently win, so the Procfile is refused, naming both lines. One pass over a map.
 */
export function checkDiscoveryNames(entries: readonly ProcfileEntry[], file: string): void {
  const first = new Map<string, ProcfileEntry>();
  for (const entry of entries) {
    const name = envNameOf(entry.name);
    const earlier = first.get(name);
    if (earlier === undefined) {
      first.set(name, entry);
      continue;
    }
    throw new UsageError(
      `${at(file, entry.line)}process types "${earlier.name}" (line ${earlier.line}) and "${entry.name}" (line ${entry.line}) would both be PS_RUN_${name}_PORT and PS_RUN_${name}_URL`,
      { file, line: entry.line, hint: 'rename one of them' },
    );
  }
}

/** PS_RUN_<TYPE>_PORT and PS_RUN_<TYPE>_URL for every type the formation runs (its first instance). */
export function discoveryEnv(
  entries: readonly ProcfileEntry[],
  counts: ReadonlyMap<string, number>,
  basePort: number,
  portStep: number,
): Env {
  const env: Env = {};
  entries.forEach((entry, position) => {
    if ((counts.get(entry.name) ?? 0) === 0) return;
    const port = portFor(basePort, portStep, position, 1);
    const name = envNameOf(entry.name);
    env[`PS_RUN_${name}_PORT`] = String(port);
    env[`PS_RUN_${name}_URL`] = `http://127.0.0.1:${port}`;
  });
  return env;
}

const REFERENCE = /\$\$\{|\$\{([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Where each key is last defined in an env file's text (as dotenv reads it): its line, and the quote
 * its value opens with. One scan of the file, made only when a value holds a reference.
 */
function locator(text: string): (key: string) => { line: number; quote: string } {
  let last: Map<string, { line: number; raw: string }> | undefined;
  return (key) => {
    last ??= new Map(scanEnvText(text).map((a) => [a.key, a] as const));
    const assignment = last.get(key);
    return { line: assignment?.line ?? 1, quote: assignment?.raw.trimStart()[0] ?? '' };
  };
}

/**
 * Variables of the env files with `${NAME}` replaced, later files overriding earlier ones. A reference
 * may name a variable defined earlier in the env files, or one of `scope` (discovery variables and the
 * inherited environment). A bare `$` stays literal; `$${` is a literal `${`; single-quoted values are
 * taken as they are.
 */
export function expandEnvFiles(files: readonly LoadedEnvFile[], scope: Readonly<Env>): Env {
  const vars: Env = {};
  for (const file of files) {
    const locate = locator(file.text);
    for (const [key, value] of Object.entries(parseDotenv(file.text))) {
      if (!value.includes('${')) {
        vars[key] = value;
        continue;
      }
      const place = locate(key);
      if (place.quote === "'") {
        vars[key] = value;
        continue;
      }
      vars[key] = value.replace(REFERENCE, (whole, name: string | undefined) => {
        if (name === undefined) return '${';
        if (!NAME.test(name)) {
          throw new UsageError(`${at(file.path, place.line)}${key} has a malformed reference ${quote(whole)}`, {
            file: file.path,
            line: place.line,
          });
        }
        const found = Object.hasOwn(vars, name) ? vars[name] : scope[name];
        if (found === undefined) {
          throw new UsageError(`${at(file.path, place.line)}${key} refers to \${${name}}, which is not defined`, {
            file: file.path,
            line: place.line,
            hint: 'define it earlier in an env file or in the environment; write $${ for a literal ${',
          });
        }
        return found;
      });
    }
  }
  return vars;
}
