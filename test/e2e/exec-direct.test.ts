// A command that is only `exec program args` runs without the shell in between, and nothing a process
// sees changes: its name as typed, PWD, its status; what the kernel would not run as it is (a script
// without #!, a program not found) still goes through sh, with the shell's behaviour. Ports 27900-27949
// (only PORT values; nothing binds one).
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exitWithin, logLines, makeApp, runTracker } from './helpers.js';

const tracker = runTracker();
afterEach(() => tracker.cleanup());

const PROBE = `console.log('argv0=' + process.argv0 + ' pwd=' + process.env.PWD + ' cwd=' + process.cwd() + ' port=' + process.env.PORT);
process.exitCode = 3;
`;

describe('exec commands', () => {
  it('run as the shell would run them: named as typed, PWD and PORT set, their own exit status', async () => {
    const app = makeApp({ Procfile: 'probe: exec node probe.js --flag=1\n', 'probe.js': PROBE });
    const run = tracker.start(['start', '-p', '27900', '--restart', 'never', '--no-timestamp', '-s', path.join(app, 'ctl.sock')], {
      cwd: app,
    });
    expect(await exitWithin(run)).toBe(3);
    expect(logLines(run.stdout)).toContain(`probe.1 | argv0=node pwd=${app} cwd=${app} port=27900`);
    expect(run.stdout).toContain('probe.1 exited with code 3');
  });

  it('leave to the shell a script without #! (run as a shell script) and a program that is not there (127)', async () => {
    const app = makeApp({ Procfile: 'plain: exec ./plain arg\nmissing: exec no-such-program-27910\n' });
    writeFileSync(path.join(app, 'plain'), 'echo "plain ran with $1"\n');
    chmodSync(path.join(app, 'plain'), 0o755);
    const run = tracker.start(['start', '-p', '27910', '--restart', 'never', '--no-timestamp', '-s', path.join(app, 'ctl.sock')], {
      cwd: app,
    });
    await exitWithin(run);
    expect(logLines(run.stdout)).toContain('plain.1   | plain ran with arg');
    expect(run.stdout).toMatch(/missing\.1 +\| .*no-such-program-27910: not found/);
    expect(run.stdout).toContain('missing.1 exited with code 127');
  });
});
