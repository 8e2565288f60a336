// What the bench needs from the operating system: a monotonic clock shared with the C workloads,
// /proc readings (CPU, memory, process trees), TCP probes on 127.0.0.1, and cleanup of what it started.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The CLI under test; PS_RUN_BIN points the bench at another build (for before/after comparisons). */
export const DEFAULT_BIN = path.join(ROOT, 'bin/ps-run.js');
export const BIN = process.env.PS_RUN_BIN ?? DEFAULT_BIN;
export const WORK = path.join(ROOT, 'bench/.work');

/** CLOCK_MONOTONIC in ns, the clock the C workloads stamp their times with. */
export const nowNs = () => process.hrtime.bigint();
export const msBetween = (fromNs, toNs) => Number(toNs - fromNs) / 1e6;

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every `everyMs` until it holds; throws after `timeoutMs`. */
export async function waitUntil(condition, { timeoutMs = 10_000, everyMs = 1, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/**
 * Whether 127.0.0.1:port accepts a connection (closed at once). The bench's ports lie in Linux's
 * ephemeral range, so a probe of a port nobody listens on can connect to itself (TCP simultaneous
 * open, local port = remote port); that is not a listener, and it would hold the port against the
 * server, so it counts as "not accepting".
 */
export function portAccepts(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      const self = socket.localPort === port;
      socket.destroy();
      resolve(!self);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Sends `text` to 127.0.0.1:port and resolves once the server closed the connection. */
export function sendAndWaitClose(port, text) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.end(text));
    socket.on('data', () => {});
    socket.once('close', () => resolve());
    socket.once('error', reject);
  });
}

/** Every port of `ports` accepting, checked in order (a port that is up answers at once), polling each 1 ms. */
export async function allPortsAccept(ports, timeoutMs = 10_000) {
  for (const port of ports) await waitUntil(() => portAccepts(port), { timeoutMs, what: `port ${port}` });
  return nowNs();
}

function readProc(pid, file) {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'latin1');
  } catch {
    return undefined;
  }
}

export function isAlive(pid) {
  const stat = readProc(pid, 'stat');
  // A zombie has exited; only its parent's wait() is missing.
  return stat !== undefined && stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

function statFields(pid) {
  const stat = readProc(pid, 'stat');
  return stat === undefined ? undefined : stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

function allPids() {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** `root` and every process below it. */
export function processTree(root) {
  const children = new Map();
  for (const pid of allPids()) {
    const ppid = Number(statFields(pid)?.[1]);
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(pid);
  }
  const tree = [];
  const visit = (pid) => {
    tree.push(pid);
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(root);
  return tree;
}

/**
 * ps-run's own processes: the tree under its pid minus the workloads (the bench's programs in
 * bench/.work, which the Procfile lines exec). That keeps ps-run's node process and any helper of its
 * own, such as its watchdog shell.
 */
export function ownProcesses(root) {
  return processTree(root).filter((pid) => {
    try {
      return !realpathSync(`/proc/${pid}/exe`).startsWith(WORK + path.sep);
    } catch {
      return false;
    }
  });
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** utime + stime of `pids`, in ms (10 ms resolution). */
export function cpuMs(pids) {
  let ticks = 0;
  for (const pid of pids) {
    const fields = statFields(pid);
    if (fields) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks * TICK_MS;
}

/** Resident memory of `pids`, in MiB. */
export function rssMiB(pids) {
  let kb = 0;
  for (const pid of pids) {
    const match = /VmRSS:\s+(\d+) kB/.exec(readProc(pid, 'status') ?? '');
    if (match) kb += Number(match[1]);
  }
  return kb / 1024;
}

/** Live processes whose environment holds NAME=value (how the bench finds every process of one run). */
export function pidsWithEnv(name, value) {
  const needle = `\0${name}=${value}\0`;
  return allPids().filter((pid) => pid !== process.pid && isAlive(pid) && `\0${readProc(pid, 'environ') ?? ''}`.includes(needle));
}

/**
 * Installs a peer from npm into bench/.work/<dir> unless it is there (the same place and versions as the
 * router bench, so one install serves both).
 */
export function installFromNpm(dir, spec) {
  const prefix = path.join(WORK, dir);
  if (existsSync(path.join(prefix, 'node_modules', spec.slice(0, spec.lastIndexOf('@'))))) return;
  mkdirSync(prefix, { recursive: true });
  writeFileSync(path.join(prefix, 'package.json'), '{"private":true}\n');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', '--prefix', prefix, spec], { stdio: 'inherit' });
}

/** A control socket of its own per run (ps-run refuses a directory that others could enter). */
export function socketIn(dir) {
  mkdirSync(path.join(dir, 'ctl'), { mode: 0o700 });
  chmodSync(path.join(dir, 'ctl'), 0o700);
  return path.join(dir, 'ctl', 'ps-run.sock');
}

let markerCount = 0;
export const marker = () => `${process.pid}-${++markerCount}`;

/**
 * Starts `bin/ps-run.js args` in `cwd` as a user's shell would, the file run as a command (its first
 * line: through /bin/sh, which sets NODE_EXTRA_CA_CERTS aside for ps-run's own Node; see the file); stdout
 * to `stdout` (a file descriptor or 'ignore'), stderr to `stderr`.
 */
export function startPsRun(args, { cwd, env, stdout = 'ignore', stderr = 'inherit' }) {
  const child = spawn(BIN, args, {
    cwd,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', stdout, stderr],
  });
  return withExit(child);
}

export function startNode(script, args, { cwd, env, stdout = 'ignore' }) {
  return withExit(
    spawn(process.execPath, [script, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', stdout, 'inherit'] }),
  );
}

function withExit(child) {
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, atNs: nowNs() })));
  return { child, pid: child.pid, exited };
}

/** SIGKILL every process still carrying this run's marker; returns how many were left. */
export function killLeftovers(markerName, value) {
  const left = pidsWithEnv(markerName, value);
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return left.length;
}

export function readTimeNs(file) {
  try {
    return BigInt(readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
}
