// treeRunnable on real processes: a busy loop below a shell is runnable; a process asleep is not.
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { treeRunnable } from '../../src/supervisor/proc-state.js';
import { waitUntil } from './helpers.js';

const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

function shell(command: string): number {
  const child = spawn('/bin/sh', ['-c', command], { detached: true, stdio: 'ignore' });
  started.push(child.pid!);
  return child.pid!;
}

describe('treeRunnable', () => {
  it('sees a busy child of the shell as runnable', async () => {
    const pid = shell(`${process.execPath} -e 'for (;;) {}'`);
    await waitUntil(() => treeRunnable(pid), 10_000, 'the busy loop to be runnable');
  });

  it('a process asleep (waiting for input or time) is not runnable', async () => {
    const pid = shell('sleep 1000');
    // Give sh time to have started sleep: the tree is then two sleeping processes.
    await waitUntil(() => !treeRunnable(pid), 10_000, 'the tree to be asleep');
    expect(treeRunnable(pid)).toBe(false);
  });

  it('a process that is gone is not runnable', () => {
    expect(treeRunnable(2 ** 22 + 12345)).toBe(false);
  });
});
