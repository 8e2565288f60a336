// `--ready web=http:/health,worker=log:started` -> a readiness check per process type. Pure.
import { UsageError, quote } from '../errors.js';

export type ReadyCheck =
  { kind: 'port' } | { kind: 'http'; path: string } | { kind: 'log'; pattern: RegExp } | { kind: 'exit' } | { kind: 'alive' };

/** Splits at commas that start a new `type=` item, so a `log:` regex may hold commas not followed by `name=`. */
const ITEM_START = /,(?=[A-Za-z0-9_-]+=)/;

export function parseReadyCheck(text: string, context: string): ReadyCheck {
  if (text === 'port' || text === 'exit' || text === 'alive') return { kind: text };
  if (text === 'http') return { kind: 'http', path: '/' };
  if (text.startsWith('http:')) {
    const path = text.slice('http:'.length);
    if (!path.startsWith('/')) throw new UsageError(`readiness check ${quote(context)}: an http path must start with "/"`);
    return { kind: 'http', path };
  }
  if (text.startsWith('log:')) {
    const source = text.slice('log:'.length);
    if (source === '') throw new UsageError(`readiness check ${quote(context)}: log: needs a regular expression`);
    try {
      return { kind: 'log', pattern: new RegExp(source) };
    } catch (error) {
      throw new UsageError(`readiness check ${quote(context)}: invalid regular expression: ${(error as Error).message}`);
    }
  }
  throw new UsageError(`unknown readiness check ${quote(context)}: expected port, http[:/path], log:<regex>, exit or alive`);
}

/** Parses every `--ready` value; later items override earlier ones for the same type. */
export function parseReadySpecs(values: readonly string[]): Map<string, ReadyCheck> {
  const checks = new Map<string, ReadyCheck>();
  for (const value of values) {
    for (const item of value.split(ITEM_START)) {
      const eq = item.indexOf('=');
      const type = eq === -1 ? '' : item.slice(0, eq);
      if (!/^[A-Za-z0-9_-]+$/.test(type)) {
        throw new UsageError(`malformed readiness check ${quote(item)}: expected <type>=<check>, e.g. web=http:/health`);
      }
      checks.set(type, parseReadyCheck(item.slice(eq + 1), item));
    }
  }
  return checks;
}

/**
 * The check for a type: as given, else `port` for `web`, `exit` for `release` (Heroku's release
 * phase, a one-shot such as migrations: done when it exits 0) and `alive` for the rest.
 */
export function checkFor(type: string, checks: ReadonlyMap<string, ReadyCheck>): ReadyCheck {
  return checks.get(type) ?? DEFAULT_CHECKS.get(type) ?? { kind: 'alive' };
}

// A Map, not an object literal: a process type may be called `constructor`.
const DEFAULT_CHECKS: ReadonlyMap<string, ReadyCheck> = new Map([
  ['web', { kind: 'port' }],
  ['release', { kind: 'exit' }],
]);

export function describeCheck(check: ReadyCheck): string {
  switch (check.kind) {
    case 'http':
      return `http:${check.path}`;
    case 'log':
      return `log:${check.pattern.source}`;
    default:
      return check.kind;
  }
}

/** Types named in --ready must exist. */
export function checkReadyTypes(checks: ReadonlyMap<string, ReadyCheck>, types: readonly string[]): void {
  for (const type of checks.keys()) {
    if (!types.includes(type)) throw new UsageError(`--ready names unknown process type "${type}"; known types: ${types.join(', ')}`);
  }
}
