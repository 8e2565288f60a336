// The stray sweep's log line: a count, and only the first few pids.
import { describe, expect, it } from 'vitest';
import { describeEvent } from '../../src/output/messages.js';

describe('strays message', () => {
  it('lists every pid when there are few', () => {
    expect(describeEvent({ kind: 'strays', pids: [11], signal: 'SIGTERM' })).toBe(
      'sending SIGTERM to 1 process that left their process group (pid 11)',
    );
    expect(describeEvent({ kind: 'strays', pids: [1, 2, 3, 4, 5], signal: 'SIGKILL' })).toBe(
      'sending SIGKILL to 5 processes that left their process group (pid 1, 2, 3, 4, 5)',
    );
  });

  it('summarizes a thousand pids as the first five and how many more', () => {
    const pids = Array.from({ length: 1000 }, (_, i) => 20_000 + i);
    const text = describeEvent({ kind: 'strays', pids, signal: 'SIGTERM' });
    expect(text).toBe(
      'sending SIGTERM to 1000 processes that left their process group (pid 20000, 20001, 20002, 20003, 20004 and 995 more)',
    );
  });
});

describe('left-behind message', () => {
  it('names the instance, how its command ended, and what to write instead', () => {
    expect(describeEvent({ kind: 'left-behind', name: 'web.1', code: 0, signal: null })).toBe(
      `web.1's command exited with code 0 but left processes running in its group; stopping them (a Procfile command must stay in the foreground: "exec server", not "server &")`,
    );
    expect(describeEvent({ kind: 'left-behind', name: 'web.2', code: null, signal: 'SIGSEGV' })).toMatch(
      /^web\.2's command was killed by SIGSEGV but left processes running in its group/,
    );
  });
});
