// Driving a running ps-run from another process: how long `ps-run status` takes beside `ps-run
// --version` (the cost of starting the CLI at all), and how fast `ps-run restart web.1` has a server
// that binds at once back on its port.
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { appDir, range } from './lifecycle.js';
import { median } from './report.js';
import {
  allPortsAccept,
  killLeftovers,
  marker,
  msBetween,
  nowNs,
  portAccepts,
  readTimeNs,
  socketIn,
  startNode,
  startPsRun,
  waitUntil,
} from './system.js';

/** Runs `bin/ps-run.js args` to its end; its exit time (ns) and code. */
export function runCli(args, { cwd, env } = {}) {
  const run = startPsRun(args, { cwd: cwd ?? process.cwd(), env });
  return run.exited.then(({ code, atNs }) => ({ code, atNs }));
}

/** From `start()` (which spawns and returns { exited }) until the process exits; it must exit 0. */
async function timed(what, start) {
  const started = nowNs();
  const { code, atNs } = await start().exited;
  if (code !== 0) throw new Error(`${what} exited with ${code}`);
  return msBetween(started, atNs);
}

const timedCli = (args, cwd) => timed(`ps-run ${args.join(' ')}`, () => startPsRun(args, { cwd }));

/** A ps-run with `web=count` servers up, with its own socket; `use` runs against it, then it is stopped. */
async function withRunningPsRun({ name, count, port }, use) {
  const dir = appDir(name);
  const mark = marker();
  const socket = socketIn(dir);
  const run = startPsRun(['start', `web=${count}`, '-p', String(port), '-s', socket], {
    cwd: dir,
    env: { TIMES_DIR: path.join(dir, 'times'), BENCH_RUN: mark },
  });
  try {
    await allPortsAccept(range(port, count));
    await waitUntil(() => existsSync(socket), { what: 'the control socket' });
    return await use({ dir, socket });
  } finally {
    run.child.kill('SIGINT');
    await run.exited;
    killLeftovers('BENCH_RUN', mark);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `node -e 0` from launch to exit: Node's own start-up, the floor under every command. */
const nodeStartMs = (env) => timed('node -e 0', () => startNode('-e', ['0'], { cwd: process.cwd(), env }));

/**
 * The environment without NODE_EXTRA_CA_CERTS (an empty value turns it off), or undefined when it is
 * not set. Where it is set, every Node process reads and parses that CA bundle before any of its code
 * runs (about 50 ms on the machine of 2026-11-30, whose environment sets it), ps-run's commands too.
 */
export const withoutExtraCaCerts = () => (process.env.NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: '' } : undefined);

/**
 * `ps-run status`, `ps-run --version` (the whole CLI loaded) and `node -e 0` from launch to exit,
 * `pairs` times each, taken in turns against a running ps-run with web=2; the median of each.
 */
export function statusTime({ port, pairs = 10 }) {
  return withRunningPsRun({ name: 'status', count: 2, port }, async ({ dir, socket }) => {
    const status = [];
    const version = [];
    const node = [];
    for (let i = 0; i < pairs; i++) {
      node.push(await nodeStartMs());
      version.push(await timedCli(['--version'], dir));
      status.push(await timedCli(['status', '-s', socket], dir));
    }
    return { statusMs: median(status), versionMs: median(version), nodeMs: median(node) };
  });
}

/**
 * `ps-run restart web.1` against web=2 C servers (they bind at once): from launching the command until
 * the new web.1 accepts on its port (its own record of listen(), then checked with a connection), until
 * the old one had exited, and until the command exited. `clientEnv` is added to the command's environment.
 */
export function restartCommandTime({ port, clientEnv }) {
  return withRunningPsRun({ name: 'restart-cmd', count: 2, port }, async ({ dir, socket }) => {
    const listenFile = path.join(dir, 'times', 'web.1.listen');
    // With clientEnv, Node's own start-up under that environment is measured first, for the same row.
    const nodeMs = clientEnv ? await nodeStartMs(clientEnv) : undefined;
    const started = nowNs();
    const { code, atNs: exited } = await runCli(['restart', 'web.1', '-s', socket], { cwd: dir, env: clientEnv });
    if (code !== 0) throw new Error(`ps-run restart exited with ${code}`);
    const listened = await waitUntil(
      () => {
        const t = readTimeNs(listenFile);
        return t !== undefined && t > started && t;
      },
      { timeoutMs: 5000, what: 'the new web.1' },
    );
    if (!(await portAccepts(port))) throw new Error('the new web.1 does not accept');
    const oldExit = readTimeNs(path.join(dir, 'times', 'web.1.exit'));
    if (oldExit === undefined || oldExit < started) throw new Error('the old web.1 did not record its exit');
    return {
      backMs: msBetween(started, listened),
      commandMs: msBetween(started, exited),
      oldGoneMs: msBetween(started, oldExit),
      nodeMs,
    };
  });
}
