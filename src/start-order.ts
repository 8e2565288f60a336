// `--after web=release,db`: which types wait for which, checked before anything starts. Pure.
//
// A type waits until every instance of each type it names is ready, by the readiness checks the
// runtime already has (a port for web, `--ready` for the others). A one-shot such as `release` with
// `--ready release=exit` is ready when it exits 0, so `--after web=release` runs migrations first.
import { UsageError, quote } from './errors.js';

/** For each type, the types it waits for, in the order given. */
export type StartOrder = ReadonlyMap<string, readonly string[]>;

const TYPE = /^[A-Za-z0-9_-]+$/;

/** Parses every `--after <type>=<type>[,<type>...]`; a type given twice waits for the types of both. */
export function parseAfter(values: readonly string[]): Map<string, string[]> {
  const after = new Map<string, string[]>();
  for (const value of values) {
    const eq = value.indexOf('=');
    const type = value.slice(0, Math.max(eq, 0));
    const waitsFor = eq === -1 ? [] : value.slice(eq + 1).split(',');
    if (!TYPE.test(type) || waitsFor.length === 0 || waitsFor.some((name) => !TYPE.test(name))) {
      throw new UsageError(`malformed --after ${quote(value)}: expected <type>=<type>[,<type>...], e.g. web=release,db`);
    }
    const list = after.get(type) ?? [];
    for (const name of waitsFor) if (!list.includes(name)) list.push(name);
    after.set(type, list);
  }
  return after;
}

/** Every type named must be in the formation, and no type may wait on itself through others. */
export function checkStartOrder(after: StartOrder, types: readonly string[]): void {
  const known = `types in the formation: ${types.join(', ')}`;
  for (const [type, waitsFor] of after) {
    if (!types.includes(type)) throw new UsageError(`--after names process type "${type}", which is not in the formation; ${known}`);
    for (const name of waitsFor) {
      if (!types.includes(name)) {
        throw new UsageError(
          `--after ${type}=${waitsFor.join(',')}: "${name}" is not in the formation, so ${type} would wait for ever; ${known}`,
        );
      }
    }
  }
  const cycle = findCycle(after, types);
  if (cycle) throw new UsageError(`--after makes a cycle, so none of its types could start: ${cycle.join(' -> ')}`);
}

/** The first cycle found, as a path that ends where it starts (`web -> worker -> web`); undefined if none. */
export function findCycle(after: StartOrder, types: readonly string[]): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (type: string): string[] | undefined => {
    const at = path.indexOf(type);
    if (at !== -1) return [...path.slice(at), type];
    if (done.has(type)) return undefined;
    path.push(type);
    for (const next of after.get(type) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(type);
    return undefined;
  };
  for (const type of [...types, ...after.keys()]) {
    const cycle = visit(type);
    if (cycle) return cycle;
  }
  return undefined;
}

/** The types `type` still waits for: those it names that are not ready yet, in the order given. */
export function waitingFor(type: string, after: StartOrder, readyTypes: ReadonlySet<string>): string[] {
  return (after.get(type) ?? []).filter((name) => !readyTypes.has(name));
}

/** The types of `types` not started yet that wait for nothing now: the ones to start. */
export function typesToStart(
  after: StartOrder,
  types: readonly string[],
  started: ReadonlySet<string>,
  readyTypes: ReadonlySet<string>,
): string[] {
  return types.filter((type) => !started.has(type) && waitingFor(type, after, readyTypes).length === 0);
}

/**
 * The types in the order they can come up: each wave waits only for types of earlier waves (for
 * `ps-run check` and the log). Call after checkStartOrder: a cycle has no waves.
 */
export function startWaves(after: StartOrder, types: readonly string[]): string[][] {
  const waves: string[][] = [];
  const placed = new Set<string>();
  while (placed.size < types.length) {
    const wave = typesToStart(after, types, placed, placed);
    if (wave.length === 0) throw new Error(`startWaves: a cycle among ${types.filter((t) => !placed.has(t)).join(', ')}`);
    wave.forEach((type) => placed.add(type));
    waves.push(wave);
  }
  return waves;
}
