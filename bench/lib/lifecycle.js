// Process lifecycle: ready time beside node-foreman and a bare Node spawner, stop time after SIGINT beside
// the bare spawner (also with a process that ignores SIGTERM), and how fast a crashed process is back on
// its port; and the stop time with thousands of other processes on the host.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  allPortsAccept,
  killLeftovers,
  marker,
  msBetween,
  nowNs,
  pidsWithEnv,
  portAccepts,
  readTimeNs,
  ROOT,
  sendAndWaitClose,
  socketIn,
  startNode,
  startPsRun,
  waitUntil,
  WORK,
} from './system.js';

export const SERVER = path.join(WORK, 'server');
const BARE_SPAWNER = path.join(ROOT, 'bench/workloads/bare-spawner.js');
const NF = path.join(WORK, 'foreman/node_modules/foreman/nf.js');
const PORT_STEP = 100;

export function appDir(name) {
  const dir = path.join(WORK, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'times'), { recursive: true });
  writeFileSync(path.join(dir, 'Procfile'), `web: exec ${SERVER}\nstubborn: exec env IGNORE_TERM=1 ${SERVER}\n`);
  return dir;
}

export const range = (from, count) => Array.from({ length: count }, (_, i) => from + i);

/** Starts `count` servers from ports `port`.. through ps-run, node-foreman's `nf start` or the bare spawner. */
function startServers(via, { count, port, dir, env, socket, timeoutS = 5 }) {
  if (via === 'ps-run') {
    return startPsRun(['start', `web=${count}`, '-p', String(port), '-t', String(timeoutS), '-s', socket], { cwd: dir, env });
  }
  if (via === 'nf') return startNode(NF, ['-p', String(port), 'start', `web=${count}`], { cwd: dir, env });
  return startNode(BARE_SPAWNER, [`exec ${SERVER}`, String(count), String(port)], { cwd: dir, env });
}

/** Launch until every one of `count` servers accepts: through ps-run, nf, or the bare spawner; `extraEnv` added to its environment. */
export async function readyTime({ via, count, port, extraEnv }) {
  const dir = appDir(`ready-${via}`);
  const mark = marker();
  const env = { ...extraEnv, TIMES_DIR: path.join(dir, 'times'), BENCH_RUN: mark };
  const socket = socketIn(dir);
  const started = nowNs();
  const run = startServers(via, { count, port, dir, env, socket });
  try {
    const ready = await allPortsAccept(range(port, count));
    return { ms: msBetween(started, ready) };
  } finally {
    run.child.kill('SIGTERM');
    await run.exited;
    await waitUntil(() => pidsWithEnv('BENCH_RUN', mark).length === 0, { timeoutMs: 5000, everyMs: 10 }).catch(() => {});
    killLeftovers('BENCH_RUN', mark);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * SIGINT to ps-run (or the bare spawner, `via: 'bare'`) running `count` servers (and, through ps-run, one
 * that ignores SIGTERM when `stubborn`, under `-t timeoutS`): how long from SIGINT to its exit, how long
 * after the last server, and whether any process was left.
 */
export async function stopTime({ via = 'ps-run', count, stubborn, timeoutS, port }) {
  const dir = appDir(`stop-${via}`);
  const mark = marker();
  const env = { TIMES_DIR: path.join(dir, 'times'), BENCH_RUN: mark };
  const run =
    via === 'ps-run'
      ? startPsRun(
          ['start', `web=${count}`, `stubborn=${stubborn ? 1 : 0}`, '-p', String(port), '-t', String(timeoutS), '-s', socketIn(dir)],
          { cwd: dir, env },
        )
      : startServers(via, { count, port, dir, env });
  try {
    await allPortsAccept([...range(port, count), ...(stubborn ? [port + PORT_STEP] : [])]);
    const signalled = nowNs();
    run.child.kill('SIGINT');
    const { atNs: exited } = await run.exited;
    const left = pidsWithEnv('BENCH_RUN', mark).length;
    const lastExit = range(1, count)
      .map((i) => readTimeNs(path.join(dir, 'times', `web.${i}.exit`)))
      .reduce((max, t) => (t !== undefined && t > max ? t : max), signalled);
    return {
      totalMs: msBetween(signalled, exited),
      afterLastMs: msBetween(lastExit, exited),
      afterTimeoutMs: msBetween(signalled, exited) - timeoutS * 1000,
      left,
    };
  } finally {
    run.child.kill('SIGKILL');
    killLeftovers('BENCH_RUN', mark);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A server crashes (exit 1); time from its exit to the new instance's port accepting. */
export async function restartTime({ port }) {
  const dir = appDir('restart');
  const mark = marker();
  const run = startPsRun(['start', 'web=1', '-p', String(port), '-s', socketIn(dir)], {
    cwd: dir,
    env: { TIMES_DIR: path.join(dir, 'times'), BENCH_RUN: mark },
  });
  try {
    await allPortsAccept([port]);
    await sendAndWaitClose(port, 'crash');
    const back = await waitUntil(async () => (await portAccepts(port)) && nowNs(), { timeoutMs: 10_000, what: 'the restart' });
    const crashed = readTimeNs(path.join(dir, 'times', 'web.1.crash'));
    if (crashed === undefined) throw new Error('the server did not record its crash');
    return { ms: msBetween(crashed, back) };
  } finally {
    run.child.kill('SIGINT');
    await run.exited;
    killLeftovers('BENCH_RUN', mark);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `count` other processes on the host (`sleep`s in one process group of their own, led by a shell that
 * waits for them), for the stop time on a busy host. Resolves once they all run; `stop()` SIGKILLs the group.
 */
export async function startCrowd(count) {
  const crowd = spawn('/bin/sh', ['-c', `i=0; while [ $i -lt ${count} ]; do /bin/sleep 1000 & i=$((i+1)); done; wait`], {
    detached: true,
    stdio: 'ignore',
  });
  const members = () => {
    let n = 0;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === crowd.pid) n++;
      } catch {
        // gone
      }
    }
    return n;
  };
  await waitUntil(() => members() >= count + 1, { timeoutMs: 120_000, everyMs: 500, what: `${count} other processes` });
  return {
    stop() {
      try {
        process.kill(-crowd.pid, 'SIGKILL');
      } catch {
        // gone
      }
    },
  };
}
