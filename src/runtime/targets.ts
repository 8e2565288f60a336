// What a control command names -> the instances it means: an instance (`web.2`), a type (`web`) or a
// glob over either (`w*`, `web.?`). Pure.
import { UsageError } from '../errors.js';

export interface Named {
  name: string;
  type: string;
}

function globToRegExp(glob: string): RegExp {
  const source = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`);
}

/** Instance names matched by `targets`, in formation order; none given means all. */
export function resolveTargets(targets: readonly string[], instances: readonly Named[]): string[] {
  if (targets.length === 0) return instances.map((i) => i.name);
  const chosen = new Set<string>();
  for (const target of targets) {
    const pattern = /[*?]/.test(target) ? globToRegExp(target) : undefined;
    const matches = instances.filter((i) =>
      pattern ? pattern.test(i.name) || pattern.test(i.type) : i.name === target || i.type === target,
    );
    if (matches.length === 0) {
      const known = instances.map((i) => i.name).join(', ') || 'none';
      throw new UsageError(`no process matches "${target}"; known: ${known}`);
    }
    for (const match of matches) chosen.add(match.name);
  }
  return instances.filter((i) => chosen.has(i.name)).map((i) => i.name);
}

export interface ScaleStep {
  add: { type: string; index: number }[];
  remove: string[];
}

/**
 * `web=3 worker=0` against what runs now: new instances take the next numbers; scaling down removes
 * the highest-numbered first. `max` is the port step (instances of a type share its port block).
 */
export function planScale(
  wanted: ReadonlyMap<string, number>,
  current: readonly { name: string; type: string; index: number }[],
  types: readonly string[],
  max: number,
): ScaleStep {
  const step: ScaleStep = { add: [], remove: [] };
  for (const [type, count] of wanted) {
    if (!types.includes(type)) throw new UsageError(`unknown process type "${type}"; known types: ${types.join(', ')}`);
    if (count > max) throw new UsageError(`cannot scale ${type} to ${count}: the port step allows ${max} instances per type`);
    const mine = current.filter((i) => i.type === type).sort((a, b) => a.index - b.index);
    for (let index = mine.length + 1; index <= count; index++) step.add.push({ type, index });
    for (const instance of mine.slice(count).reverse()) step.remove.push(instance.name);
  }
  return step;
}

/** `web=3 worker=0` -> counts; malformed items are one clear error. */
export function parseScale(items: readonly string[]): Map<string, number> {
  if (items.length === 0) throw new UsageError('scale needs at least one <type>=<count>, e.g. web=3');
  const counts = new Map<string, number>();
  for (const item of items) {
    const match = /^([A-Za-z0-9_-]+)=(\d+)$/.exec(item);
    if (!match) throw new UsageError(`malformed scale item "${item}": expected <type>=<count>, e.g. web=3`);
    counts.set(match[1]!, Number(match[2]));
  }
  return counts;
}
