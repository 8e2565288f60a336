// Formation specs (`all=2,worker=0`, `web=2 worker`) -> a count per process type. Pure.
import { UsageError, quote } from './errors.js';

export interface FormationSpec {
  /** Count for types not named; undefined means "not given". */
  all?: number;
  counts: Map<string, number>;
}

const ITEM = /^([A-Za-z0-9_-]+)(?:=(\d+))?$/;

/**
 * Parse formation items. `items` are comma-separated strings (`-m all=2,worker=0`) or
 * separate words (`web=2 worker`); a name without `=n` means 1.
 */
export function parseFormation(items: readonly string[]): FormationSpec {
  const spec: FormationSpec = { counts: new Map() };
  for (const item of items) {
    for (const part of item.split(',')) {
      const trimmed = part.trim();
      const match = ITEM.exec(trimmed);
      if (!match) {
        throw new UsageError(`malformed formation ${quote(item)}: expected "type=count" items such as "web=2,worker=1"`);
      }
      const name = match[1] as string;
      const count = match[2] === undefined ? 1 : Number(match[2]);
      // Two counts for one type: whichever won, the other was silently dropped.
      if (name === 'all' ? spec.all !== undefined : spec.counts.has(name)) {
        throw new UsageError(`malformed formation ${quote(item)}: "${name}" is given twice`);
      }
      if (name === 'all') spec.all = count;
      else spec.counts.set(name, count);
    }
  }
  return spec;
}

/**
 * The formation from `-m` (counts, types not named get `all`) or from positional items (a selection:
 * types not named do not run). Both at once is a mistake: one would silently override the other.
 */
export function combineFormations(option: FormationSpec | undefined, positional: FormationSpec | undefined): FormationSpec {
  if (!positional || (positional.counts.size === 0 && positional.all === undefined)) {
    return option ?? { counts: new Map() };
  }
  if (option) {
    throw new UsageError('give the formation either as arguments (web=2 worker) or with -m (all=2,worker=0), not both');
  }
  return { all: positional.all ?? 0, counts: new Map(positional.counts) };
}

/** Count per process type, in Procfile order; checks names and the upper bound. */
export function resolveFormation(types: readonly string[], spec: FormationSpec, maxCount: number): Map<string, number> {
  for (const name of spec.counts.keys()) {
    if (!types.includes(name)) {
      throw new UsageError(`unknown process type "${name}" in formation; known types: ${types.join(', ')}`);
    }
  }
  const all = spec.all ?? 1;
  const result = new Map<string, number>();
  for (const type of types) {
    const count = spec.counts.get(type) ?? all;
    if (count > maxCount) {
      throw new UsageError(`formation asks for ${count} instances of "${type}", more than the port step allows (${maxCount})`, {
        hint: 'raise --port-step or lower the count',
      });
    }
    result.set(type, count);
  }
  if (spec.all !== undefined && spec.all > maxCount) {
    throw new UsageError(`formation asks for all=${spec.all}, more than the port step allows (${maxCount})`);
  }
  return result;
}
