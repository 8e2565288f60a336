// Input at scale and in odd shapes: 10,000 process types (and 10,000 env references) are checked in
// linear time, a FIFO is refused instead of blocking at open, and types whose discovery variables
// collide are refused at check and at start. Ports 27200-27299 (start refuses before binding any).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { exitWithin, makeApp, runTracker } from './helpers.js';

const tracker = runTracker();
afterEach(() => tracker.cleanup());

const procfileOf = (count: number): string => Array.from({ length: count }, (_, i) => `p${i}: sleep 1000\n`).join('');

describe('check at scale', () => {
  it('10,000 process types: the port error comes at once (was 15.8 s and 541 MB)', async () => {
    const app = makeApp({ Procfile: procfileOf(10_000) });
    const started = performance.now();
    const run = tracker.start(['check'], { cwd: app });
    expect(await exitWithin(run, 15_000)).toBe(1);
    console.log(`check, 10,000 types, to the port error: ${(performance.now() - started).toFixed(0)} ms`);
    expect(run.stderr).toBe('ps-run: port 65600 for p606.1 is above 65535 (lower --port or --port-step)\n');
  }, 30_000);

  it('10,000 types and 10,000 env variables with references: the whole plan is checked (was over 120 s)', async () => {
    const env = ['V0=x', ...Array.from({ length: 9_999 }, (_, i) => `V${i + 1}="\${V0}-${i + 1}"`)].join('\n') + '\n';
    const app = makeApp({ Procfile: procfileOf(10_000), '.env': env });
    const started = performance.now();
    const run = tracker.start(['check', '-p', '1', '--port-step', '1'], { cwd: app });
    expect(await exitWithin(run, 15_000), run.stderr).toBe(0);
    console.log(`check, 10,000 types and 10,000 references: ${(performance.now() - started).toFixed(0)} ms`);
    expect(run.stdout).toContain('p9999  port 10000  sleep 1000');
  }, 30_000);
});

describe('a FIFO as Procfile or env file', () => {
  it.each([
    ['-f', 'Procfile'],
    ['-e', 'env file'],
  ])('%s <fifo> with no writer: one ps-run line, exit 1, no wait at open', async (flag, what) => {
    const app = makeApp({ Procfile: 'web: sleep 1000\n' });
    const fifo = path.join(app, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const run = tracker.start(['check', flag, fifo], { cwd: app });
    expect(await exitWithin(run, 10_000)).toBe(1);
    expect(run.stderr).toBe(`ps-run: ${what} ${fifo} is a FIFO (named pipe): ps-run reads only regular files (write it to a file first)\n`);
  });
});

describe('process types whose discovery variables collide', () => {
  it.each([
    [
      'web-api: sleep 1000\nworker: sleep 1000\nweb_api: sleep 1000\n',
      'Procfile:3: process types "web-api" (line 1) and "web_api" (line 3)',
      'WEB_API',
    ],
    ['Web: sleep 1000\nweb: sleep 1000\n', 'Procfile:2: process types "Web" (line 1) and "web" (line 2)', 'WEB'],
  ])('%j is refused by check and by start, naming both lines', async (procfile, where, name) => {
    const app = makeApp({ Procfile: procfile });
    const message = `would both be PS_RUN_${name}_PORT and PS_RUN_${name}_URL (rename one of them)\n`;
    for (const args of [['check'], ['start', '-p', '27200', '-s', path.join(app, 'ctl.sock')]]) {
      const run = tracker.start(args, { cwd: app });
      expect(await exitWithin(run, 15_000)).toBe(1);
      expect(run.stderr).toBe(`ps-run: ${path.join(app, where)} ${message}`);
    }
  });
});
