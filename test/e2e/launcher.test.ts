// The launcher, bin/ps-run.js, run as a command (as a shell or npm's bin link runs it): its shell line
// sets NODE_EXTRA_CA_CERTS aside for ps-run's own Node and every process ps-run starts gets it unchanged.
// Linux (/proc); ports 20500-20599.
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, exitWithin, makeApp, runTracker } from './helpers.js';

const tracker = runTracker();
afterEach(() => tracker.cleanup());

// What the process sees, and what ps-run's own Node was started with ($PPID: the shell's parent is ps-run).
const SHOW = [
  'show: echo "child=[$NODE_EXTRA_CA_CERTS] moved=[$PS_RUN_EXTRA_CA_CERTS]"',
  `tr '\\0' '\\n' < /proc/$PPID/environ | grep -E '^(NODE|PS_RUN)_EXTRA_CA_CERTS=' | sed 's/^/ps-run has /'`,
  'echo done',
].join('; ');

/** A path that does not exist: Node warns at start-up when NODE_EXTRA_CA_CERTS names it, so the warning shows which Node read it. */
const CA_FILE = '/nonexistent/ps-run-test-ca.pem';

async function show(port: number, options: { asCommand: boolean; env: NodeJS.ProcessEnv }) {
  const app = makeApp({ Procfile: `${SHOW}\n` });
  const run = tracker.start(['start', '-p', String(port), '-s', path.join(app, 'ctl.sock'), '--no-timestamp'], { cwd: app, ...options });
  await run.waitFor(/show\.1 \| done/);
  run.signal('SIGINT');
  await exitWithin(run);
  const lines = run.stdout.split('\n').filter((l) => l.startsWith('show.1 |'));
  return { lines: lines.map((l) => l.slice('show.1 | '.length)), stderr: run.stderr };
}

describe('launcher', () => {
  it('run as a command, ps-run starts without NODE_EXTRA_CA_CERTS and its processes get it unchanged', async () => {
    const { lines, stderr } = await show(20500, { asCommand: true, env: { NODE_EXTRA_CA_CERTS: CA_FILE } });
    expect(lines).toContain(`child=[${CA_FILE}] moved=[]`);
    expect(lines).toContain(`ps-run has PS_RUN_EXTRA_CA_CERTS=${CA_FILE}`);
    expect(lines.filter((l) => l.startsWith('ps-run has NODE_EXTRA_CA_CERTS'))).toEqual([]);
    // ps-run's Node never read the file: no start-up warning about it.
    expect(stderr).not.toContain('Ignoring extra certs');
  });

  it('run by node directly, there is no shell step: the same environment throughout', async () => {
    const { lines, stderr } = await show(20510, { asCommand: false, env: { NODE_EXTRA_CA_CERTS: CA_FILE } });
    expect(lines).toContain(`child=[${CA_FILE}] moved=[]`);
    expect(lines).toContain(`ps-run has NODE_EXTRA_CA_CERTS=${CA_FILE}`);
    expect(stderr).toContain(`Ignoring extra certs from \`${CA_FILE}\``);
  });

  it('without NODE_EXTRA_CA_CERTS, nothing is added to any environment', async () => {
    const { lines } = await show(20520, { asCommand: true, env: { NODE_EXTRA_CA_CERTS: undefined, PS_RUN_EXTRA_CA_CERTS: undefined } });
    expect(lines).toContain('child=[] moved=[]');
    expect(lines.filter((l) => l.startsWith('ps-run has'))).toEqual([]);
  });

  it('with --router, and only then, ps-run runs node with a 16 MiB young generation', async () => {
    // ps-run's own command line, as its Node was started ($PPID: the shell's parent is ps-run).
    const procfile = `show: tr '\\0' ' ' < /proc/$PPID/cmdline; echo; echo done\n`;
    const argvOf = async (port: number, extra: string[]) => {
      const app = makeApp({ Procfile: procfile });
      const args = ['start', '-p', String(port), '-s', path.join(app, 'ctl.sock'), '--no-timestamp', ...extra];
      const run = tracker.start(args, { cwd: app, asCommand: true });
      await run.waitFor(/show\.1 \| done/);
      run.signal('SIGINT');
      await exitWithin(run);
      return run.stdout.split('\n').find((l) => l.includes('ps-run.js start')) ?? '';
    };
    expect(await argvOf(20530, ['--router', `show=${20535}`])).toMatch(/node --min-semi-space-size=16 \S*ps-run\.js start/);
    expect(await argvOf(20540, [`--router=show=${20545}`])).toContain('--min-semi-space-size=16');
    const plain = await argvOf(20550, []);
    expect(plain).toMatch(/node \S*ps-run\.js start/);
    expect(plain).not.toContain('semi-space');
  });

  it('runs through a symbolic link, as npm links it into node_modules/.bin', async () => {
    const dir = makeApp({});
    const link = path.join(dir, 'ps-run');
    symlinkSync(BIN, link);
    const run = tracker.start(['--version'], { cwd: dir, bin: link, asCommand: true });
    expect(await exitWithin(run)).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
