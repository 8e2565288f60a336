// findBySession reads every process's environment through one reused buffer: a marker past the end of
// that buffer (a very large environment) must still be found, and a process without it must not be.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { StraySearch, findBySession, procTable } from '../../src/supervisor/strays.js';
import { SESSION_VARIABLE } from '../../src/supervisor/watchdog.js';
import { waitUntil } from './helpers.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

function sleeper(env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn('sleep', ['30'], { env, stdio: 'ignore' });
  children.push(child);
  return child;
}

describe.skipIf(process.platform !== 'linux')('findBySession', () => {
  it('finds a process whose marker sits past 128 KiB of environment, and not one without the marker', async () => {
    const session = `strays-environ-${process.pid}-${Date.now()}`;
    // Variables are laid out in insertion order: big ones first push the marker far into the block (one
    // variable may hold at most 128 KiB, so three of 64 KiB).
    const filler = Object.fromEntries(['BIG1', 'BIG2', 'BIG3'].map((name) => [name, 'x'.repeat(64 * 1024)]));
    const big = sleeper({ PATH: process.env.PATH, ...filler, [SESSION_VARIABLE]: session });
    const small = sleeper({ PATH: process.env.PATH, [SESSION_VARIABLE]: session });
    const other = sleeper({ PATH: process.env.PATH, [SESSION_VARIABLE]: `${session}-other` });
    let found: number[] = [];
    await waitUntil(
      () => {
        found = findBySession(session);
        return found.includes(big.pid!) && found.includes(small.pid!);
      },
      5000,
      'both marked sleepers found',
    );
    expect(found).not.toContain(other.pid);
    expect(findBySession(`${session}-other`)).toEqual([other.pid]);
  });

  it('after learning /proc, a search reads only processes that are new (and finds one of the run among them)', () => {
    const session = `strays-learn-${process.pid}-${Date.now()}`;
    let reads = 0;
    let listed: number[] = [];
    // Processes whose environment read empty or failed while learning (kernel threads, zombies, a
    // process in the middle of an exec): those are not remembered, so a search reads them again.
    const notRemembered = new Set<number>();
    let learning = true;
    const search = new StraySearch(session, new Set([process.pid]), {
      ...procTable,
      pids: () => (listed = procTable.pids()),
      environ: (pid) => {
        reads++;
        const environ = procTable.environ(pid);
        if (learning && !environ?.length) notRemembered.add(pid);
        return environ;
      },
    });
    const before = new Set(procTable.pids());
    while (!search.learn(256));
    learning = false;
    const marked = sleeper({ PATH: process.env.PATH, [SESSION_VARIABLE]: session });
    reads = 0;
    const found = search.find();
    // The processes the search listed that were not there before it learnt, or that it could not remember.
    const fresh = listed.filter((pid) => !before.has(pid));
    const again = listed.filter((pid) => before.has(pid) && notRemembered.has(pid));
    expect(found).toEqual([marked.pid]);
    // Everything else seen while learning is skipped.
    expect(reads).toBeGreaterThan(0);
    expect(reads).toBeLessThanOrEqual(fresh.length + again.length);
    expect(before.size).toBeGreaterThan(fresh.length + again.length);
  });
});
