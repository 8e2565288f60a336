// Input size limits: a Procfile or env file that never ends (/dev/zero) is one `ps-run:` line, not a read for ever.
import { describe, expect, it } from 'vitest';
import { exitWithin, makeApp, psRun } from './helpers.js';

describe('input size limits', () => {
  it.each([
    [['-f', '/dev/zero'], 'Procfile /dev/zero is larger than 1 MiB'],
    [['-e', '/dev/zero'], 'env file /dev/zero is larger than 1 MiB'],
  ])('check %j', async (args, message) => {
    const app = makeApp({ Procfile: 'web: true\n' });
    const run = psRun(['check', ...args], { cwd: app });
    expect(await exitWithin(run, 20_000)).toBe(1);
    expect(run.stderr).toBe(`ps-run: ${message}, the most ps-run reads\n`);
  });
});
