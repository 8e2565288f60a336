// Rolling restart: the pure plan, and the orchestrator against fakes of the runtime (no sleeps).
import { describe, expect, it } from 'vitest';
import { rollingPlan, rollingRestart, RollingRestartError, type RollingDeps } from '../../src/router/rolling.js';

describe('rollingPlan', () => {
  it.each<[string, string[], boolean, string[]]>([
    ['nothing to do', [], true, []],
    [
      'one at a time',
      ['web.1', 'web.2'],
      false,
      ['drain web.1', 'restart web.1', 'admit web.1', 'drain web.2', 'restart web.2', 'admit web.2'],
    ],
    ['a surge first and last', ['web.1'], true, ['add-surge web', 'drain web.1', 'restart web.1', 'admit web.1', 'remove-surge']],
    [
      'the type of a dotted type name',
      ['api.v2.1'],
      true,
      ['add-surge api.v2', 'drain api.v2.1', 'restart api.v2.1', 'admit api.v2.1', 'remove-surge'],
    ],
  ])('%s', (_label, names, surge, steps) => {
    expect(
      rollingPlan(names, surge).map((s) => (s.kind === 'add-surge' ? `${s.kind} ${s.type}` : 'name' in s ? `${s.kind} ${s.name}` : s.kind)),
    ).toEqual(steps);
  });
});

/** Fake runtime: records calls; each async call stays pending until the test settles it. */
function fakeDeps() {
  const log: string[] = [];
  const pending: { what: string; resolve: (v?: unknown) => void; reject: (e: Error) => void }[] = [];
  const wait = <T>(what: string): Promise<T> => {
    log.push(what);
    return new Promise<T>((resolve, reject) => pending.push({ what, resolve: resolve as (v?: unknown) => void, reject }));
  };
  const deps: RollingDeps = {
    drain: (name) => wait(`drain ${name}`),
    restart: (name) => wait(`restart ${name}`),
    admit: (name) => void log.push(`admit ${name}`),
    addSurge: (type) => wait(`add-surge ${type}`),
    removeSurge: (name) => wait(`remove-surge ${name}`),
  };
  const flush = () => new Promise<void>((r) => setImmediate(r));
  /** Settles the one pending call, which must be `what`. */
  const settle = async (what: string, value?: unknown, error?: Error) => {
    await flush();
    expect(pending.map((p) => p.what)).toEqual([what]);
    const call = pending.shift()!;
    if (error) call.reject(error);
    else call.resolve(value);
    await flush();
  };
  return { deps, log, settle, pending };
}

describe('rollingRestart', () => {
  it('restarts one instance at a time, each drained first and admitted once ready', async () => {
    const { deps, log, settle } = fakeDeps();
    const done = rollingRestart(['web.1', 'web.2', 'web.3'], deps, false);
    for (const name of ['web.1', 'web.2', 'web.3']) {
      await settle(`drain ${name}`);
      await settle(`restart ${name}`);
    }
    await done;
    expect(log).toEqual([
      'drain web.1',
      'restart web.1',
      'admit web.1',
      'drain web.2',
      'restart web.2',
      'admit web.2',
      'drain web.3',
      'restart web.3',
      'admit web.3',
    ]);
  });

  it('with a surge: the extra instance is ready before the only one leaves, and goes after it is back', async () => {
    const { deps, log, settle } = fakeDeps();
    const done = rollingRestart(['web.1'], deps, true);
    await settle('add-surge web', 'web.2');
    await settle('drain web.1');
    await settle('restart web.1');
    await settle('remove-surge web.2');
    await done;
    expect(log).toEqual(['add-surge web', 'drain web.1', 'restart web.1', 'admit web.1', 'remove-surge web.2']);
  });

  it('stops at a failed restart, leaves the rest alone and the surge serving, and says so', async () => {
    const { deps, log, settle, pending } = fakeDeps();
    const done = rollingRestart(['web.1'], deps, true);
    const failure = expect(done).rejects.toThrow(
      'rolling restart stopped: web.1 did not come back (exited with 1); the surge instance web.2 keeps serving',
    );
    await settle('add-surge web', 'web.2');
    await settle('drain web.1');
    await settle('restart web.1', undefined, new Error('exited with 1'));
    await failure;
    await expect(done).rejects.toBeInstanceOf(RollingRestartError);
    expect(log).toEqual(['add-surge web', 'drain web.1', 'restart web.1']);
    expect(pending).toEqual([]);
  });

  it('without a surge, a failure leaves the instances after it untouched', async () => {
    const { deps, log, settle } = fakeDeps();
    const done = rollingRestart(['web.1', 'web.2'], deps, false);
    const failure = expect(done).rejects.toThrow(/^rolling restart stopped: web\.1 did not come back \(boom\)$/);
    await settle('drain web.1');
    await settle('restart web.1', undefined, new Error('boom'));
    await failure;
    expect(log).toEqual(['drain web.1', 'restart web.1']);
  });
});
