// Is any process of a run still on a CPU's run queue? A process that is runnable but not running (a busy
// machine took its core mid-line) will go on writing; one asleep with nothing in its pipe is waiting for
// something, such as input at a prompt. Linux /proc; elsewhere nobody counts as runnable.
import { readFileSync, readdirSync } from 'node:fs';

/** How many processes of one tree are looked at, at most. */
const MAX_PROCESSES = 64;

function stateOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.charAt(stat.lastIndexOf(')') + 2);
  } catch {
    return undefined;
  }
}

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return children;
  }
  for (const task of tasks) {
    try {
      for (const word of readFileSync(`/proc/${pid}/task/${task}/children`, 'latin1').split(' ')) {
        if (word !== '') children.push(Number(word));
      }
    } catch {
      // gone, or no children file on this kernel
    }
  }
  return children;
}

/** True when the process `pid` or one of its descendants is runnable (state R). */
export function treeRunnable(pid: number): boolean {
  const queue = [pid];
  for (let seen = 0; seen < queue.length && seen < MAX_PROCESSES; seen++) {
    const next = queue[seen]!;
    if (stateOf(next) === 'R') return true;
    queue.push(...childrenOf(next));
  }
  return false;
}
