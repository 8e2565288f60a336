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
  const { entries, counts, basePort, portStep, env } = input;
  const instances: InstancePlan[] = [];
  entries.forEach((entry, position) => {
    const count = counts.get(entry.name) ?? 0;
    for (let index = 1; index <= count; index++) {
      const port = portFor(basePort, portStep, position, index);
      if (port > MAX_PORT) {
        throw new UsageError(`port ${port} for ${entry.name}.${index} is above ${MAX_PORT}`, {
          hint: 'lower --port or --port-step',
        });
      }
      const name = `${entry.name}.${index}`;
      instances.push({
        name,
        type: entry.name,
        index,
        command: entry.command,
        port,
        env: { ...env, PORT: String(port), PS: name },
      });
    }
  });
  return instances;
}
