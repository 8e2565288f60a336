// Entries + formation + base port -> the instances to run, each with its name, port and env. Pure.
import { UsageError } from './errors.js';
import type { ProcfileEntry } from './procfile.js';

export interface InstancePlan {
  /** `web.1` */
  name: string;
  /** Process type, `web`. */
  type: string;
  /** 1-based instance number. */
  index: number;
  command: string;
  port: number;
  /** Full environment of the child. */
  env: Record<string, string>;
}

export interface PlanInput {
  entries: readonly ProcfileEntry[];
  counts: ReadonlyMap<string, number>;
  basePort: number;
  portStep: number;
  /** Environment shared by every instance (inherited + env files); PORT and PS are added last. */
  env: Readonly<Record<string, string>>;
}

export const MAX_PORT = 65535;

/** Port of instance `index` (1-based) of the type at Procfile position `position` (0-based). */
export function portFor(basePort: number, portStep: number, position: number, index: number): number {
  return basePort + position * portStep + (index - 1);
}

export function planInstances(input: PlanInput): InstancePlan[] {
  const instances: InstancePlan[] = [];
  input.entries.forEach((entry, position) => {
    const count = input.counts.get(entry.name) ?? 0;
    for (let index = 1; index <= count; index++) instances.push(planInstance(entry, position, index, input));
  });
  return instances;
}

/** One instance of the entry at Procfile position `position` (also for scaling up a running formation). */
export function planInstance(
  entry: Pick<ProcfileEntry, 'name' | 'command'>,
  position: number,
  index: number,
  input: Pick<PlanInput, 'basePort' | 'portStep' | 'env'>,
): InstancePlan {
  const port = portFor(input.basePort, input.portStep, position, index);
  if (port > MAX_PORT) {
    throw new UsageError(`port ${port} for ${entry.name}.${index} is above ${MAX_PORT}`, { hint: 'lower --port or --port-step' });
  }
  return withLazyEnv({ name: `${entry.name}.${index}`, type: entry.name, index, command: entry.command, port }, input.env);
}

/**
 * The instance's env, copied from the shared one on first read (an enumerable getter, so spreading the
 * plan copies it too). Copying every variable for every instance made planning quadratic (10,000 types
 * bring 20,000 discovery variables): `check` never reads it, `start` reads it once per spawn.
 */
function withLazyEnv(plan: Omit<InstancePlan, 'env'>, shared: Readonly<Record<string, string>>): InstancePlan {
  let env: Record<string, string> | undefined;
  return Object.defineProperty(plan, 'env', {
    enumerable: true,
    get: () => (env ??= { ...shared, PORT: String(plan.port), PS: plan.name }),
  }) as InstancePlan;
}
