// The log path: throughput while the producers run (and every line checked afterwards), and ps-run's
// own CPU per line and memory at a steady rate.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import {
  cpuMs,
  killLeftovers,
  marker,
  msBetween,
  nowNs,
  ownProcesses,
  ROOT,
  rssMiB,
  sleep,
  startNode,
  socketIn,
  startPsRun,
  waitUntil,
  WORK,
} from './system.js';

const LINE = 80; // bytes per workload line, newline included
const PAYLOAD = LINE - 1;
const LETTERS = Buffer.from('abcdefghijklmnopqrstuvwxyz'.repeat(4));
const SPEW = path.join(WORK, 'spew');
const BARE_RELAY = path.join(ROOT, 'bench/workloads/bare-relay.js');

/** A fresh app directory; with `gated`, the producers wait (polling every 10 ms) until a file `go` appears. */
function freshDir(name, { gated = false } = {}) {
  const dir = path.join(WORK, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'times'), { recursive: true });
  const wait = gated ? `until [ -e ${path.join(dir, 'go')} ]; do sleep 0.01; done; ` : '';
  writeFileSync(path.join(dir, 'Procfile'), `spew: ${wait}exec ${SPEW}\n`);
  return dir;
}

/**
 * A `logs -f` follower of every instance: `reading`, the CLI (`ps-run logs -f`) printing to a file as
 * fast as it can; `stalled`, a client that sends the request and never reads a byte.
 */
async function startFollower(kind, { dir, socket }) {
  if (kind === 'reading') {
    const out = openSync(path.join(dir, 'follower.out'), 'w');
    const run = startPsRun(['logs', '-f', '-n', '0', '-s', socket], { cwd: dir, stdout: out, stderr: 'pipe' });
    let stderr = '';
    run.child.stderr.on('data', (chunk) => (stderr += chunk));
    closeSync(out);
    return {
      // Lines it printed and lines it was told it lost, once ps-run has ended its stream.
      finish: async () => {
        await run.exited;
        let lines = 0;
        forEachFileLine(path.join(dir, 'follower.out'), () => lines++);
        const dropped = [...stderr.matchAll(/ps-run: (\d+) lines dropped/g)].reduce((n, m) => n + Number(m[1]), 0);
        return { followerLines: lines, followerDropped: dropped };
      },
    };
  }
  const client = connect(socket);
  await new Promise((resolve, reject) => client.once('connect', resolve).once('error', reject));
  client.pause();
  client.write(`${JSON.stringify({ v: 1, cmd: 'logs', targets: [], lines: 0, follow: true })}\n`);
  return {
    finish: async () => {
      client.destroy();
      return {};
    },
  };
}

/** Per producer: { start, end } (ns, CLOCK_MONOTONIC) and how many lines it wrote. */
function readProducerTimes(dir, count) {
  const producers = [];
  for (let id = 1; id <= count; id++) {
    const [start, end, lines] = readFileSync(path.join(dir, 'times', String(id)), 'utf8')
      .trim()
      .split(' ');
    producers.push({ id, start: BigInt(start), end: BigInt(end), lines: Number(lines) });
  }
  return producers;
}

/** Calls `each(line: Buffer, endOffset)` for every complete line of a file, reading it in large pieces. */
function forEachFileLine(file, each) {
  const fd = openSync(file, 'r');
  const piece = Buffer.allocUnsafe(8 << 20);
  let carry = Buffer.alloc(0);
  let offset = 0;
  try {
    for (;;) {
      const n = readSync(fd, piece, 0, piece.length, null);
      if (n === 0) break;
      const data = carry.length ? Buffer.concat([carry, piece.subarray(0, n)]) : piece.subarray(0, n);
      const base = offset - carry.length;
      let start = 0;
      for (let end = data.indexOf(10); end !== -1; end = data.indexOf(10, start)) {
        each(data.subarray(start, end), base + end + 1);
        start = end + 1;
      }
      carry = Buffer.from(data.subarray(start));
      offset += n;
    }
  } finally {
    closeSync(fd);
  }
}

const BAR = Buffer.from('| ');
const PREFIX = /^(?:\d\d:\d\d:\d\d )?(system|spew\.(\d+)) *\| $/;

/**
 * Checks every line of ps-run's output: each workload line must arrive whole, under its own process's
 * name, in order, none missing. Returns the damaged and lost counts and how many data lines had been
 * delivered by byte offset `countUntil`.
 */
function checkOutput(file, producers, countUntil) {
  const next = new Map(producers.map((p) => [p.id, 0]));
  const prefixes = new Map();
  let damaged = 0;
  let outOfOrder = 0;
  let counted = 0;
  forEachFileLine(file, (line, endOffset) => {
    const bar = line.indexOf(BAR);
    const prefix = bar === -1 ? '' : line.toString('latin1', 0, bar + 2);
    let name = prefixes.get(prefix);
    if (name === undefined) {
      const match = PREFIX.exec(prefix);
      name = match ? (match[2] === undefined ? 0 : Number(match[2])) : -1;
      prefixes.set(prefix, name);
    }
    if (name === 0) return; // one of ps-run's own lines
    const s = bar + 2;
    if (name === -1 || line.length - s !== PAYLOAD) return void damaged++;
    const id = (line[s + 1] - 48) * 10 + (line[s + 2] - 48);
    const seq = Number(line.toString('latin1', s + 4, s + 16));
    const whole =
      name === id &&
      line[s] === 80 &&
      line[s + 3] === 32 &&
      line[s + 16] === 32 &&
      LETTERS.compare(line, s + 17, s + 79, seq % 26, (seq % 26) + 62) === 0;
    if (!whole) return void damaged++;
    if (seq !== next.get(id)) outOfOrder++;
    next.set(id, seq + 1);
    if (endOffset <= countUntil) counted++;
  });
  const lost = producers.reduce((sum, p) => sum + Math.max(0, p.lines - (next.get(p.id) ?? 0)), 0);
  return { damaged: damaged + outOfOrder, lost, counted };
}

/** Every 5 ms until the relay exits: the output file's size; and the relay's own CPU (ms) as last sampled. */
async function sampleUntilExit(run, fd) {
  const samples = [];
  let done = false;
  void run.exited.then(() => (done = true));
  let own = [run.pid];
  let cpu = 0;
  while (!done) {
    if (samples.length % 20 === 0) own = ownProcesses(run.pid);
    cpu = Math.max(cpu, cpuMs(own));
    samples.push({ at: nowNs(), size: fstatSync(fd).size });
    await sleep(5);
  }
  return { samples, cpu };
}

/**
 * One throughput run through ps-run: complete lines per second delivered while the producers ran. With
 * `follower` ('none', 'reading' or 'stalled'), the producers wait until that `logs -f` client is
 * attached (with 'none', until the control socket is up, so the three start alike).
 */
export async function throughputViaPsRun({ seconds, producers = 4, port, follower }) {
  const dir = freshDir(follower ? `throughput-${follower}` : 'throughput', { gated: follower !== undefined });
  const file = path.join(dir, 'out.log');
  const fd = openSync(file, 'w');
  const mark = marker();
  const socket = socketIn(dir);
  const run = startPsRun(['start', `spew=${producers}`, '-p', String(port), '-s', socket], {
    cwd: dir,
    env: { SECONDS_TO_RUN: String(seconds), TIMES_DIR: path.join(dir, 'times'), BENCH_RUN: mark },
    stdout: fd,
  });
  let attached;
  if (follower !== undefined) {
    await waitUntil(() => existsSync(socket), { what: 'the control socket' });
    if (follower !== 'none') attached = await startFollower(follower, { dir, socket });
    // Let the server take the follower's request before the producers start.
    await sleep(50);
    writeFileSync(path.join(dir, 'go'), '');
  }
  const { samples, cpu } = await sampleUntilExit(run, fd);
  closeSync(fd);
  const seen = (await attached?.finish()) ?? {};
  const left = killLeftovers('BENCH_RUN', mark);
  const times = readProducerTimes(dir, producers);
  const start = times.reduce((min, p) => (p.start < min ? p.start : min), times[0].start);
  const end = times.reduce((max, p) => (p.end > max ? p.end : max), times[0].end);
  const last = samples.filter((s) => s.at <= end).at(-1) ?? { at: start, size: 0 };
  const check = checkOutput(file, times, last.size);
  rmSync(dir, { recursive: true, force: true });
  const total = times.reduce((sum, p) => sum + p.lines, 0);
  return {
    linesPerSec: check.counted / (msBetween(start, last.at) / 1000),
    // CPU as last sampled before ps-run exited (up to 5 ms short), over every line it carried.
    cpuUsPerLine: (cpu * 1000) / total,
    damaged: check.damaged,
    lost: check.lost,
    left,
    ...seen,
  };
}

/**
 * The same run through the bare Node relay (no prefixes, so lines are counted by size: every line is
 * 80 bytes): the floor for a relay written in Node.
 */
export async function throughputViaRelay({ seconds, producers = 4 }) {
  const dir = freshDir('throughput-relay');
  const file = path.join(dir, 'out.log');
  const fd = openSync(file, 'w');
  const mark = marker();
  const env = { SECONDS_TO_RUN: String(seconds), TIMES_DIR: path.join(dir, 'times'), BENCH_RUN: mark };
  const run = startNode(BARE_RELAY, [`exec ${SPEW}`, String(producers)], { cwd: dir, env, stdout: fd });
  const { samples, cpu } = await sampleUntilExit(run, fd);
  closeSync(fd);
  const left = killLeftovers('BENCH_RUN', mark);
  const times = readProducerTimes(dir, producers);
  rmSync(dir, { recursive: true, force: true });
  const start = times.reduce((min, p) => (p.start < min ? p.start : min), times[0].start);
  const end = times.reduce((max, p) => (p.end > max ? p.end : max), times[0].end);
  const last = samples.filter((s) => s.at <= end).at(-1) ?? { at: start, size: 0 };
  const total = times.reduce((sum, p) => sum + p.lines, 0);
  return { linesPerSec: Math.floor(last.size / LINE) / (msBetween(start, last.at) / 1000), cpuUsPerLine: (cpu * 1000) / total, left };
}

/** The same producers writing straight to one file (appending, as `>>` would): the physical limit. */
export async function throughputDirect({ seconds, producers = 4 }) {
  const dir = freshDir('direct');
  const file = path.join(dir, 'out.log');
  const fd = openSync(file, 'a');
  const exits = [];
  for (let id = 1; id <= producers; id++) {
    const child = spawn(SPEW, [], {
      env: { PS_ID: String(id), SECONDS_TO_RUN: String(seconds), TIMES_DIR: path.join(dir, 'times') },
      stdio: ['ignore', fd, 'inherit'],
    });
    exits.push(new Promise((resolve) => child.once('exit', resolve)));
  }
  await Promise.all(exits);
  closeSync(fd);
  const times = readProducerTimes(dir, producers);
  const start = times.reduce((min, p) => (p.start < min ? p.start : min), times[0].start);
  const end = times.reduce((max, p) => (p.end > max ? p.end : max), times[0].end);
  const lines = times.reduce((sum, p) => sum + p.lines, 0);
  rmSync(dir, { recursive: true, force: true });
  return { linesPerSec: lines / (msBetween(start, end) / 1000) };
}

/**
 * The relay's own CPU per line and memory (ps-run, or the bare Node relay as the floor) while `producers` processes print `rate` lines/s each, measured
 * over `windowS` seconds after `warmS` seconds of warm-up. With `follower`, a `logs -f` CLI reads everything from the start.
 */
export async function overhead({ via, producers, rate, warmS = 1, windowS = 3, port, follower = false }) {
  const dir = freshDir(`overhead-${via}-${producers}${follower ? '-followed' : ''}`);
  const file = path.join(dir, 'out.log');
  const fd = openSync(file, 'w');
  const mark = marker();
  const socket = socketIn(dir);
  const env = { SECONDS_TO_RUN: String(warmS + windowS + 0.5), RATE: String(rate), TIMES_DIR: path.join(dir, 'times'), BENCH_RUN: mark };
  const run =
    via === 'ps-run'
      ? startPsRun(['start', `spew=${producers}`, '-p', String(port), '-s', socket], { cwd: dir, env, stdout: fd })
      : startNode(BARE_RELAY, [`exec ${SPEW}`, String(producers)], { cwd: dir, env, stdout: fd });
  let attached;
  if (follower) {
    await waitUntil(() => existsSync(socket), { what: 'the control socket' });
    attached = await startFollower('reading', { dir, socket });
  }
  await sleep(warmS * 1000);
  const own = ownProcesses(run.pid);
  const before = { at: nowNs(), cpu: cpuMs(own), size: fstatSync(fd).size };
  let rss = 0;
  const until = Date.now() + windowS * 1000;
  while (Date.now() < until) {
    rss = Math.max(rss, rssMiB(ownProcesses(run.pid)));
    await sleep(100);
  }
  const after = { at: nowNs(), cpu: cpuMs(own), size: fstatSync(fd).size };
  await run.exited;
  closeSync(fd);
  const seen = (await attached?.finish()) ?? {};
  const left = killLeftovers('BENCH_RUN', mark);
  let lines = 0;
  forEachFileLine(file, (line, endOffset) => {
    if (endOffset > before.size && endOffset <= after.size) lines++;
  });
  rmSync(dir, { recursive: true, force: true });
  return {
    linesPerSec: lines / (msBetween(before.at, after.at) / 1000),
    cpuUsPerLine: ((after.cpu - before.cpu) * 1000) / lines,
    rssMiB: rss,
    processes: own.length,
    left,
    ...seen,
  };
}
