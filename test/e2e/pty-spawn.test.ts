// The pseudo-terminal spawn on its own (no CLI): a real debugger-like program under a real pty.
import { spawn as spawnProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { signalGroup } from '../../src/supervisor/child.js';
import { DEFAULT_TERM, loadPtySpawn, terminalSize, type PtyChild } from '../../src/supervisor/pty.js';
import { UsageError } from '../../src/errors.js';
import { ROOT, fixture, isAlive, waitUntil } from './helpers.js';

/** Collects a pty child's output and waits for patterns in it, with a deadline. */
function reader(child: PtyChild): { text: () => string; waitFor: (pattern: RegExp, from?: number) => Promise<number> } {
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return {
    text: () => text,
    async waitFor(pattern, from = 0) {
      let index = -1;
      await waitUntil(
        () => {
          const match = pattern.exec(text.slice(from));
          index = match ? from + match.index + match[0].length : -1;
          return index !== -1;
        },
        10_000,
        `${String(pattern)} in pty output ${JSON.stringify(text)}`,
      );
      return index;
    },
  };
}

/** "pid (comm) state ppid pgrp session ...": the process group and session of a pid. */
function groupAndSession(pid: number): { pgrp: number; session: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { pgrp: Number(fields[2]), session: Number(fields[3]) };
}

const started: PtyChild[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
});

describe('spawn under a pseudo-terminal', () => {
  it('runs the debugger fixture with a TTY, answers commands, and leaves no process group behind', async () => {
    const spawn = await loadPtySpawn();
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir() };
    const child = spawn({ command: fixture('debugger.js', '--exit-on-eof'), cwd: tmpdir(), env });
    started.push(child);
    const exited = new Promise<[number | null, string | null]>((resolve) => child.on('exit', (code, signal) => resolve([code, signal])));
    const closed = new Promise<void>((resolve) => child.once('close', resolve));
    const out = reader(child);

    expect(child.stderr).toBeNull();
    const pid = child.pid as number;
    expect(pid).toBeGreaterThan(0);
    // A pty child is a session leader, so it leads its own process group: ps-run signals it as a group.
    expect(groupAndSession(pid)).toEqual({ pgrp: pid, session: pid });

    let at = await out.waitFor(/\(dbg\) /);
    child.stdin.write('tty\n');
    at = await out.waitFor(/isatty stdin=true stdout=true/, at);
    child.stdin.write('p 1+1\n');
    // The terminal echoes what is typed ("p 1+1"), then the answer comes on a line of its own.
    at = await out.waitFor(/\r\n2\r\n\(dbg\) /, at);
    child.stdin.write('echo-env\n');
    at = await out.waitFor(/unknown command: echo-env/, at);

    // Ending stdin sends Ctrl-D, which the child reads as end of file.
    child.stdin.end();
    await out.waitFor(/stdin closed; exiting/, at);
    expect(await exited).toEqual([0, null]);
    await closed;
    expect(isAlive(pid)).toBe(false);
    expect(signalGroup(pid, 0)).toBe(false);
  });

  it('gives the child TERM, the size it was asked for, and its own cwd and env', async () => {
    const spawn = await loadPtySpawn(undefined, () => ({ cols: 123, rows: 45 }));
    const script =
      'console.log(JSON.stringify([process.env.TERM, process.stdout.columns, process.stdout.rows, process.cwd(), process.env.MARK]))';
    const cwd = tmpdir();
    const child = spawn({ command: `node -e '${script}'`, cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', MARK: 'pty-env' } });
    started.push(child);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const out = reader(child);
    await out.waitFor(/\]\r\n/);
    expect(JSON.parse(out.text().trim())).toEqual([DEFAULT_TERM, 123, 45, cwd, 'pty-env']);
    expect(await exited).toBe(0);
  });

  it('reports a child killed by a signal as the signal, not as a code', async () => {
    const spawn = await loadPtySpawn();
    const child = spawn({ command: fixture('debugger.js'), cwd: tmpdir(), env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    started.push(child);
    const exited = new Promise<[number | null, string | null]>((resolve) => child.on('exit', (code, signal) => resolve([code, signal])));
    const out = reader(child);
    await out.waitFor(/\(dbg\) /);
    signalGroup(child.pid as number, 'SIGTERM');
    const [code, signal] = await exited;
    // sh -c with one command execs it, so the signal reaches node itself.
    expect([code, signal]).toEqual([null, 'SIGTERM']);
  });

  it('ends the child when its parent dies by SIGKILL: the terminal hangs up', async () => {
    // A parent that can be SIGKILLed: node running the built module, printing the child's pid.
    const script = `import('${path.join(ROOT, 'dist/supervisor/pty.js')}').then(async ({ loadPtySpawn }) => {
      const child = (await loadPtySpawn())({ command: ${JSON.stringify(fixture('debugger.js'))}, cwd: '/', env: { PATH: process.env.PATH } });
      child.stdout.on('data', (d) => /\\(dbg\\) /.test(d.toString()) && console.log('child ' + child.pid));
    })`;
    const parent = spawnProcess(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    parent.stdout.on('data', (d: Buffer) => (output += d.toString()));
    try {
      await waitUntil(() => /child \d+/.test(output), 10_000, 'the parent to report its pty child');
      const pid = Number(/child (\d+)/.exec(output)?.[1]);
      expect(isAlive(pid)).toBe(true);
      parent.kill('SIGKILL');
      await waitUntil(() => !isAlive(pid) && !signalGroup(pid, 0), 10_000, `pty child ${pid} to end after its parent`);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('without the package, fails with one line that names the package and the reason', async () => {
    const missing = async (): Promise<never> => {
      throw new Error("Cannot find module '@lydell/node-pty'\nRequire stack:\n- /x/dist/ps-run.cjs");
    };
    const error = await loadPtySpawn(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe(
      "--tty needs the optional package @lydell/node-pty, which could not be loaded: Cannot find module '@lydell/node-pty'",
    );
  });

  it('takes the terminal size from a TTY stdout, else 80x24', () => {
    expect(terminalSize({ isTTY: true, columns: 200, rows: 50 })).toEqual({ cols: 200, rows: 50 });
    expect(terminalSize({ isTTY: false, columns: 200, rows: 50 })).toEqual({ cols: 80, rows: 24 });
    expect(terminalSize({})).toEqual({ cols: 80, rows: 24 });
  });
});
