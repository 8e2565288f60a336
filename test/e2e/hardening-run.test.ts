// `ps-run run` with stdin not a terminal: the command leads its own process group, and SIGTERM or
// SIGINT reaches everything in it, not only `sh`. Nothing is left. (No port is used.)
import { afterEach, describe, expect, it } from 'vitest';
import { MARK, exitWithin, makeApp, pidsWithEnv, runTracker, waitUntil } from './helpers.js';

const tracker = runTracker();
afterEach(() => tracker.cleanup());

describe('run: signals reach the whole command', () => {
  // SIGINT goes to commands in the foreground only: a non-interactive sh starts `&` commands with
  // SIGINT ignored, as in a terminal.
  it.each<[NodeJS.Signals, number, string]>([
    ['SIGTERM', 143, '/bin/sleep 1000 & echo started; /bin/sleep 1000'],
    ['SIGINT', 130, 'echo started; /bin/sleep 1000; /bin/sleep 1000'],
  ])('%s stops sh and the processes it started; exit %i', async (signal, status, command) => {
    const app = makeApp({ Procfile: 'web: true\n' });
    const run = tracker.start(['run', command], { cwd: app });
    await run.waitFor('started');
    await waitUntil(() => pidsWithEnv(MARK, run.mark).length >= 3, 10_000, 'ps-run, sh and a sleep');
    run.signal(signal);
    expect(await exitWithin(run, 20_000)).toBe(status);
    await waitUntil(() => pidsWithEnv(MARK, run.mark).length === 0, 5000, 'nothing of the command left');
  });

  it('gives the command the session marker', async () => {
    const app = makeApp({ Procfile: 'web: true\n' });
    const run = tracker.start(['run', 'echo "session=$PS_RUN_SESSION"'], { cwd: app });
    expect(await exitWithin(run)).toBe(0);
    expect(run.stdout).toMatch(/^session=\w+\n$/);
  });
});
