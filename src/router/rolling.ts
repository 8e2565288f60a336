// Rolling restart: one instance at a time out of the rotation, restarted, and back; with a surge
// instance first when the type has a single one. The plan is pure; the orchestrator runs it against
// the runtime's side of the interface.

export interface RollingDeps {
  /** Take it out of the rotation and wait for its requests in flight (router.drain with -t). */
  drain(name: string): Promise<void>;
  /** Restart the instance; resolves once it is ready again, rejects if it failed. */
  restart(name: string): Promise<void>;
  /** Back into the rotation. */
  admit(name: string): void;
  /** Start one extra instance of the type; resolves with its name once it is ready (and in the rotation). */
  addSurge(type: string): Promise<string>;
  /** Drain the surge instance, then stop it. */
  removeSurge(name: string): Promise<void>;
}

export type RollingStep =
  | { kind: 'add-surge'; type: string }
  | { kind: 'drain'; name: string }
  | { kind: 'restart'; name: string }
  | { kind: 'admit'; name: string }
  | { kind: 'remove-surge' };

/** `web.2` -> `web`. */
export const typeOf = (name: string): string => (name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : name);

/** The steps, in order. With `surge`, one extra instance takes traffic before the first one leaves. */
export function rollingPlan(names: readonly string[], surge: boolean): RollingStep[] {
  if (names.length === 0) return [];
  const steps: RollingStep[] = [];
  if (surge) steps.push({ kind: 'add-surge', type: typeOf(names[0]!) });
  for (const name of names) steps.push({ kind: 'drain', name }, { kind: 'restart', name }, { kind: 'admit', name });
  if (surge) steps.push({ kind: 'remove-surge' });
  return steps;
}

export class RollingRestartError extends Error {
  constructor(
    readonly instance: string,
    readonly surgeLeft: string | undefined,
    cause: unknown,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    const surgeNote = surgeLeft === undefined ? '' : `; the surge instance ${surgeLeft} keeps serving`;
    super(`rolling restart stopped: ${instance} did not come back (${why})${surgeNote}`, { cause });
    this.name = 'RollingRestartError';
  }
}

/**
 * Runs the plan, one step at a time. If a restart fails the roll stops there: the instances not yet
 * reached keep running untouched, and a surge instance stays in the rotation (removing it could leave
 * the type with no instance at all); the error names both.
 */
export async function rollingRestart(names: string[], deps: RollingDeps, surge: boolean): Promise<void> {
  let surgeName: string | undefined;
  for (const step of rollingPlan(names, surge)) {
    switch (step.kind) {
      case 'add-surge':
        surgeName = await deps.addSurge(step.type);
        break;
      case 'drain':
        await deps.drain(step.name);
        break;
      case 'restart':
        try {
          await deps.restart(step.name);
        } catch (error) {
          throw new RollingRestartError(step.name, surgeName, error);
        }
        break;
      case 'admit':
        deps.admit(step.name);
        break;
      case 'remove-surge':
        if (surgeName !== undefined) await deps.removeSurge(surgeName);
        break;
    }
  }
}
