// Nothing left behind: ps-run killed with SIGKILL (the watchdog), and a normal shutdown that finds
// processes which left their group and waits until everything is really gone. Ports 16000-16199.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { MARK, exitWithin, fixture, isAlive, makeApp, pidsWithEnv, runTracker, waitUntil, type Run } from './helpers.js';

const tracker = runTracker();
afterEach(() => tracker.cleanup());

interface Family {
  session: string;
  members: number[];
  daemons: number[];
}

const pidList = (text: string | undefined): number[] => (text ? text.split(',').map(Number) : []);

/** Waits for `name`'s `family ready` line (test/fixtures/family.js) and returns what it reported. */
async function familyOf(run: Run, name: string): Promise<Family> {
  const match = await run.waitFor(
    new RegExp(`${name.replace('.', '\\.')}\\s+\\| family ready session=(\\w+) members=([\\d,]*) daemons=([\\d,]*)`),
  );
  return { session: match[1] as string, members: pidList(match[2]), daemons: pidList(match[3]) };
}

/** Pid of the group leader ps-run started for `name`. */
async function leaderOf(run: Run, name: string): Promise<number> {
  const match = await run.waitFor(new RegExp(`system\\s+\\| ${name.replace('.', '\\.')} started with pid (\\d+)`));
  return Number(match[1]);
}

/** The process group of `pid` (field 5 of /proc/<pid>/stat). */
function groupOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

describe('ps-run killed with SIGKILL', () => {
  it('every process it started, what they forked, and a process that left its group are gone within 1 second', async () => {
    const app = makeApp({ Procfile: `fam: ${fixture('family.js')}\nother: ${fixture('family.js')}\n` });
    const run = tracker.start(['start', '-p', '16000', '--no-timestamp'], { cwd: app, env: { MEMBERS: '2', DAEMONS: '1' } });
    const fam = await familyOf(run, 'fam.1');
    const other = await familyOf(run, 'other.1');
    const leaders = [await leaderOf(run, 'fam.1'), await leaderOf(run, 'other.1')];
    // The daemons really left their group, and the marker finds every process of the run.
    for (const daemon of [...fam.daemons, ...other.daemons]) expect(leaders).not.toContain(groupOf(daemon));
    const started = pidsWithEnv(MARK, run.mark).filter((pid) => pid !== run.child.pid);
    for (const pid of [...leaders, ...fam.members, ...fam.daemons, ...other.members, ...other.daemons]) expect(started).toContain(pid);
    const watchdogs = pidsWithEnv('PS_RUN_WATCHDOG_SESSION', fam.session);
    expect(watchdogs).toHaveLength(1);

    const exited = new Promise<number>((resolve) => run.child.once('exit', () => resolve(performance.now())));
    const killedAt = performance.now();
    run.signal('SIGKILL');
    const diedAt = await exited;
    // Polled as fast as a /proc scan allows; the deadline is generous, the assertion is the 1 s.
    let goneAt = 0;
    await waitUntil(
      () => {
        goneAt = performance.now();
        return started.every((pid) => !isAlive(pid));
      },
      10_000,
      'every process of the killed run to be gone',
    );
    console.log(
      `SIGKILL cleanup: ${Math.round(goneAt - diedAt)} ms after ps-run's exit (${Math.round(goneAt - killedAt)} ms after the kill)`,
    );
    // Measured from the kill (the strictest start: it includes the kernel's part of ps-run's death).
    expect(goneAt - killedAt).toBeLessThan(1000);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
    // The watchdog itself leaves too.
    await waitUntil(() => pidsWithEnv('PS_RUN_WATCHDOG_SESSION', fam.session).length === 0, 5000, 'the watchdog to exit');
  });

  it('also kills a process that left its group while ps-run was killed during a restart loop', async () => {
    // A process that daemonizes and exits at once, again and again: its daemons are only reachable by the marker.
    const app = makeApp({ Procfile: `fam: ${fixture('family.js')}\n` });
    const run = tracker.start(['start', '-p', '16010', '--backoff', '1', '--backoff-max', '1'], {
      cwd: app,
      env: { MEMBERS: '0', DAEMONS: '1', EXIT_WHEN_READY: '1' },
    });
    await run.waitFor(/restart 3 in a row/);
    const daemons = [...run.stdout.matchAll(/family ready session=\w+ members= daemons=(\d+)/g)].map((m) => Number(m[1]));
    expect(daemons.length).toBeGreaterThanOrEqual(3);
    for (const pid of daemons) expect(isAlive(pid)).toBe(true);
    const killedAt = performance.now();
    run.signal('SIGKILL');
    let goneAt = 0;
    await waitUntil(
      () => {
        goneAt = performance.now();
        return pidsWithEnv(MARK, run.mark).length === 0;
      },
      10_000,
      'every daemon of the killed run to be gone',
    );
    expect(goneAt - killedAt).toBeLessThan(1000);
  });
});

describe('normal shutdown (SIGINT)', () => {
  it('finds and stops a process that left its group, says so, and exits only once it is gone', async () => {
    const app = makeApp({ Procfile: `fam: ${fixture('family.js')}\n` });
    const run = tracker.start(['start', '-p', '16020', '--no-timestamp'], { cwd: app, env: { MEMBERS: '1', DAEMONS: '1' } });
    const fam = await familyOf(run, 'fam.1');
    const daemon = fam.daemons[0] as number;
    expect(isAlive(daemon)).toBe(true);
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
    // Checked at the moment ps-run exits, with no waiting: shutdown waits until processes are really gone.
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
    expect(run.stdout).toContain(`system | sending SIGTERM to 1 process that left their process group (pid ${daemon})`);
    expect(run.stdout).not.toMatch(/SIGKILL/);
  });

  it('when every process ends on its own, what they left outside their group is stopped before ps-run exits', async () => {
    const app = makeApp({ Procfile: `fam: ${fixture('family.js')}\n` });
    const run = tracker.start(['start', '-p', '16060', '--no-timestamp'], {
      cwd: app,
      env: { MEMBERS: '1', DAEMONS: '2', EXIT_WHEN_READY: '0' },
    });
    expect(await exitWithin(run)).toBe(0);
    const fam = await familyOf(run, 'fam.1');
    expect(fam.daemons).toHaveLength(2);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
    expect(run.stdout).toMatch(
      /system \| fam\.1 exited with code 0\n[\s\S]*system \| sending SIGTERM to 2 processes that left their process group/,
    );
  });

  it('SIGKILLs a process that left its group and ignores SIGTERM after -t, and reports it', async () => {
    const app = makeApp({ Procfile: `fam: ${fixture('family.js')}\n` });
    const run = tracker.start(['start', '-p', '16030', '-t', '1', '--no-timestamp'], {
      cwd: app,
      env: { MEMBERS: '1', DAEMONS: '2', STUBBORN: 'daemons' },
    });
    const fam = await familyOf(run, 'fam.1');
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
    const pids = [...fam.daemons].sort((a, b) => a - b);
    const reported = (signal: string): number[] => {
      const match = new RegExp(`system \\| sending ${signal} to 2 processes that left their process group \\(pid ([\\d, ]+)\\)`).exec(
        run.stdout,
      );
      return match ? pidList((match[1] as string).replace(/ /g, '')).sort((a, b) => a - b) : [];
    };
    expect(reported('SIGTERM')).toEqual(pids);
    expect(reported('SIGKILL')).toEqual(pids);
    expect(run.stdout.indexOf('sending SIGTERM to 2')).toBeLessThan(run.stdout.indexOf('sending SIGKILL to 2'));
  });

  it('SIGKILLs a process that ignores SIGTERM after -t, reports it, and waits until it is gone', async () => {
    const app = makeApp({ Procfile: `stub: ${fixture('stubborn.js')}\n` });
    const run = tracker.start(['start', '-p', '16040', '-t', '1', '--no-timestamp'], { cwd: app });
    const leader = await leaderOf(run, 'stub.1');
    const stubborn = Number((await run.waitFor(/stubborn pid (\d+)/))[1]);
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
    expect(isAlive(stubborn)).toBe(false);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
    expect(run.stdout).toContain('stub.1 | ignoring SIGTERM');
    expect(run.stdout).toContain(`system | sending SIGKILL to stub.1 (pid ${leader})`);
  });

  it('waits for members of a group that outlive its leader and ignore SIGTERM', async () => {
    const app = makeApp({ Procfile: `fam: ${fixture('family.js')}\n` });
    const run = tracker.start(['start', '-p', '16050', '-t', '1', '--no-timestamp'], {
      cwd: app,
      env: { MEMBERS: '3', DAEMONS: '0', STUBBORN: 'members' },
    });
    const fam = await familyOf(run, 'fam.1');
    const leader = await leaderOf(run, 'fam.1');
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
    for (const pid of fam.members) expect(isAlive(pid)).toBe(false);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
    expect(run.stdout).toContain(`system | sending SIGKILL to fam.1 (pid ${leader})`);
  });

  it('a command that backgrounds its server and exits (`server &`) is told apart: one line says what to write instead', async () => {
    const app = makeApp({ Procfile: 'web: /bin/sleep 1000 & exit 0\nonce: exit 0\nidle: exec /bin/sleep 1000\n' });
    const run = tracker.start(['start', '-p', '16070', '--no-timestamp'], { cwd: app });
    await run.waitFor('web.1 exited with code 0');
    await run.waitFor('once.1 exited with code 0');
    expect(run.stdout).toContain(
      `system | web.1's command exited with code 0 but left processes running in its group; stopping them (a Procfile command must stay in the foreground: "exec server", not "server &")`,
    );
    // once.1's command exited too, leaving nothing: no such line for it.
    expect(run.stdout.match(/left processes running/g)).toHaveLength(1);
    run.signal('SIGINT');
    expect(await exitWithin(run)).toBe(130);
    expect(pidsWithEnv(MARK, run.mark)).toEqual([]);
  });
});
