// `npm run bench`: builds ps-run and the C workloads, measures each figure as a median over several
// runs beside its limit measured in the same run, prints a Markdown table and writes bench/RESULTS.md.
// Options: --runs N (default 5), --seconds S (throughput run length, default 3), --only a,b (sections:
// throughput, overhead, memory, ready, stop, restart, control, follow, watch, router), --idle-seconds S
// (how long the watch section measures CPU at rest, default 10). Spreads are the lowest and highest of
// the runs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { restartCommandTime, statusTime, withoutExtraCaCerts } from './lib/control.js';
import { readyTime, restartTime, startCrowd, stopTime } from './lib/lifecycle.js';
import { overhead, throughputDirect, throughputViaPsRun, throughputViaRelay } from './lib/logs.js';
import { atLeast, atMost, formatTable, median, spread } from './lib/report.js';
import { LOW_RATE, prepareRouterBench, routerLatency, routerResilience, routerThroughput } from './lib/router.js';
import { idleCost, makeTree } from './lib/watch.js';
import { BIN, DEFAULT_BIN, installFromNpm, ROOT, WORK } from './lib/system.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '3' },
    only: { type: 'string' },
    'idle-seconds': { type: 'string', default: '10' },
  },
});
const runs = Number(values.runs);
const seconds = Number(values.seconds);
const only = values.only ? new Set(values.only.split(',')) : undefined;
const wanted = (section) => !only || only.has(section);

// Ports 14000-14999 only (below the ephemeral range, 32768-60999, so no client socket takes one), 127.0.0.1 only; each section has its own block.
const PORTS = {
  throughput: 14000,
  overhead: 14100,
  memory: 14200,
  ready: 14300,
  stop: 14500,
  restart: 14700,
  control: 14800,
  follow: 14900,
};
// The router section has a range of its own, 13000-13999: proxies 13010-13016, nf's instances 13100-13102, ps-run's 13020-13022.
const ROUTER_PORTS = { throughput: 13000, latency: 13200, roll3: 13300, roll1: 13400, kill: 13500 };

function prepare() {
  mkdirSync(WORK, { recursive: true });
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  for (const name of ['spew', 'server', 'rate-load']) {
    execFileSync('cc', ['-O2', '-Wall', '-o', path.join(WORK, name), path.join(ROOT, 'bench/workloads', `${name}.c`)], {
      stdio: 'inherit',
    });
  }
}

/**
 * Runs `measure` `runs` times, logging progress, and returns every result. A run that fails to set up
 * (the bench's ports lie in the ephemeral range, so another program's client socket can hold one for a
 * moment and a server cannot bind) is logged and tried again, up to twice.
 */
async function repeat(label, measure) {
  const results = [];
  for (let i = 0; i < runs; i++) {
    for (let attempt = 1; ; attempt++) {
      try {
        results.push(await measure(i));
        break;
      } catch (error) {
        process.stderr.write(`  ${label}: run ${i + 1} failed (${error.message})${attempt < 3 ? ', trying again' : ''}\n`);
        if (attempt === 3) throw error;
      }
    }
    process.stderr.write(`  ${label}: run ${i + 1}/${runs} ${JSON.stringify(results.at(-1))}\n`);
  }
  return results;
}

const m = (results, key) => median(results.map((r) => r[key]));
/** The median of `key` over the runs, formatted, with the runs' range: "96 ms (90-120)". */
const msRange = (results, key) =>
  `${ms(m(results, key))} (${spread(
    results.map((r) => r[key]),
    (x) => x.toFixed(0),
  )})`;
const ratio = (x) => `${x.toFixed(2)}×`;
const sum = (results, key) => results.reduce((total, r) => total + r[key], 0);
const mega = (n) => `${(n / 1e6).toFixed(2)}M lines/s`;
const ms = (n) => `${n.toFixed(0)} ms`;

const kilo = (n) => `${(n / 1000).toFixed(1)}k req/s`;

/** Section 6: ps-run's router beside nginx, node-foreman's proxy, other Node proxies and the server reached directly. */
async function routerRows() {
  prepareRouterBench();
  const rows = [];
  const tp = await repeat('router throughput', () => routerThroughput({ port: ROUTER_PORTS.throughput, seconds }));
  const rps = (key) => m(tp, key);
  const router = rps('router');
  rows.push([
    '6. Router (ps-run start --router): requests/s, 3 C servers behind it, wrk 1 thread 50 keep-alive connections, after 1 s of the same load',
    kilo(router),
    `nginx (1 worker) ${kilo(rps('nginx'))}; direct to one server ${kilo(rps('direct'))}`,
    atLeast(router / rps('nginx'), 0.5, '≥ 50% of nginx') + ` (${((100 * router) / rps('nginx')).toFixed(0)}%)`,
  ]);
  rows.push([
    '   beside node-foreman (nf start -x, http-proxy)',
    kilo(router),
    `nf ${kilo(rps('foreman'))}`,
    atLeast(router / rps('foreman'), 2, '≥ 2× nf') + ` (${(router / rps('foreman')).toFixed(1)}×)`,
  ]);
  rows.push([
    '   Node proxies compared (same servers, same load)',
    `ps-run start --router ${kilo(router)}; the Router class alone in a host process ${kilo(rps('routerHost'))} (least connections), ${kilo(rps('routerRoundRobin'))} (round robin)`,
    `node:http + stream.pipeline, no bookkeeping ${kilo(rps('bareNode'))}; http-proxy-3 ${kilo(rps('httpProxy3'))}; node:http + an undici Pool per instance, no bookkeeping ${kilo(rps('undici'))}; a raw TCP pipe in Node (no HTTP parsed: the floor) ${kilo(rps('tcpPipe'))}`,
    '(no target)',
  ]);
  const rate = Math.round(router / 2);
  const nginxRate = Math.round(rps('nginx') / 2);
  const pipeRate = Math.round(rps('tcpPipe') / 2);
  const lat = await repeat('router latency', () => routerLatency({ port: ROUTER_PORTS.latency, rate, nginxRate, pipeRate, seconds }));
  const added = m(lat, 'addedP99');
  rows.push([
    `   Added p99 latency at ${rate} req/s (half the router's top rate), after 2 s at that rate`,
    `${added.toFixed(2)} ms`,
    `p99 ${m(lat, 'routerP99').toFixed(2)} ms through the router, ${m(lat, 'directP99').toFixed(2)} ms direct; at the same rate nginx in front of the same instances adds ${m(lat, 'nginxAddedP99').toFixed(2)} ms (p99 ${m(lat, 'nginxP99').toFixed(2)} ms), a raw TCP pipe in Node ${m(lat, 'pipeAddedP99').toFixed(2)} ms`,
    atMost(added, 2, '≤ 2 ms'),
  ]);
  rows.push([
    `   The same asked of nginx: added p99 at ${nginxRate} req/s (half nginx's top rate), after 2 s at that rate`,
    `${m(lat, 'nginxOwnAddedP99').toFixed(2)} ms (nginx)`,
    `p99 ${m(lat, 'nginxOwnP99').toFixed(2)} ms through nginx; the router's target applied to nginx on this machine`,
    `(no target; nginx ${m(lat, 'nginxOwnAddedP99') <= 2 ? 'within' : 'over'} the router's 2 ms)`,
  ]);
  rows.push([
    `   The same asked of a raw TCP pipe in Node (no HTTP parsed: the floor for any Node proxy): added p99 at ${pipeRate} req/s (half its top rate), after 2 s at that rate`,
    `${m(lat, 'pipeOwnAddedP99').toFixed(2)} ms (the pipe)`,
    `p99 ${m(lat, 'pipeOwnP99').toFixed(2)} ms through the pipe; the router's target applied to the least a Node proxy can do, on this machine`,
    `(no target; the pipe ${m(lat, 'pipeOwnAddedP99') <= 2 ? 'within' : 'over'} the router's 2 ms)`,
  ]);
  rows.push([
    `   The first 2 s of a fresh ps-run at ${rate} req/s (cold start: JIT, no pooled connection yet)`,
    `p99 ${m(lat, 'coldRouterP99').toFixed(2)} ms, worst ${m(lat, 'coldRouterMax').toFixed(0)} ms`,
    `p99 ${m(lat, 'coldDirectP99').toFixed(2)} ms direct, same 2 s`,
    '(no target)',
  ]);
  rows.push([
    `   Added p99 latency at ${LOW_RATE} req/s`,
    `${m(lat, 'addedP99Low').toFixed(2)} ms`,
    `p50 at ${rate} req/s: ${m(lat, 'routerP50').toFixed(2)} ms through the router, ${m(lat, 'directP50').toFixed(2)} ms direct`,
    '(no target)',
  ]);
  for (const [label, scenario, count, port] of [
    ['rolling restart of web=3', 'roll', 3, ROUTER_PORTS.roll3],
    ['rolling restart of web=1 (surge)', 'roll', 1, ROUTER_PORTS.roll1],
    ['web=3, one SIGKILLed every second for 10 s', 'kill', 3, ROUTER_PORTS.kill],
  ]) {
    const results = await repeat(`router ${scenario} web=${count}`, () => routerResilience({ port, scenario, count }));
    const failed = sum(results, 'failed');
    const sent = sum(results, 'sent');
    rows.push([
      `   Failed requests, ${label}, 300 GET/s (all ${runs} runs)`,
      String(failed),
      `${sent} sent${scenario === 'roll' ? `; ps-run restart web took ${ms(m(results, 'rollMs'))}` : ''}`,
      atMost(failed, 0, '0'),
    ]);
  }
  return rows;
}

async function main() {
  // Which ps-run is measured, noted before the runs (others may commit meanwhile).
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  const dirty = execFileSync('git', ['status', '--porcelain', 'src'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
  prepare();
  const rows = [];
  if (wanted('throughput')) {
    const runsOf = await repeat('throughput', async () => ({
      psRun: await throughputViaPsRun({ seconds, port: PORTS.throughput }),
      relay: await throughputViaRelay({ seconds }),
      direct: await throughputDirect({ seconds }),
    }));
    const via = runsOf.map((p) => p.psRun);
    const rate = m(via, 'linesPerSec');
    const relay = m(
      runsOf.map((p) => p.relay),
      'linesPerSec',
    );
    rows.push([
      '1. Log throughput, 4 processes flat out (complete lines/s while they run)',
      `${mega(rate)} (${ratio(rate / relay)} the relay)`,
      `${mega(relay)} bare Node relay; ${mega(
        m(
          runsOf.map((p) => p.direct),
          'linesPerSec',
        ),
      )} straight to a file`,
      atLeast(rate, 3e6, '≥ 3M'),
    ]);
    const bad = sum(via, 'damaged') + sum(via, 'lost');
    rows.push([`   Damaged or lost lines (all ${runs} runs)`, String(bad), '0', atMost(bad, 0, '0')]);
  }
  if (wanted('overhead')) {
    const pair = await repeat('overhead', async () => ({
      psRun: await overhead({ via: 'ps-run', producers: 4, rate: 25_000, port: PORTS.overhead }),
      bare: await overhead({ via: 'bare', producers: 4, rate: 25_000, port: PORTS.overhead }),
    }));
    const mine = pair.map((p) => p.psRun);
    const bare = pair.map((p) => p.bare);
    const cpu = m(mine, 'cpuUsPerLine');
    const perRun = pair.map((p) => p.psRun.cpuUsPerLine / p.bare.cpuUsPerLine);
    rows.push([
      `2. ps-run CPU per line at ${(m(mine, 'linesPerSec') / 1000).toFixed(0)}k lines/s (4 × 25k)`,
      `${cpu.toFixed(2)} µs (${ratio(cpu / m(bare, 'cpuUsPerLine'))} the relay; per run ${spread(perRun, (x) => x.toFixed(2))})`,
      `${m(bare, 'cpuUsPerLine').toFixed(2)} µs bare Node relay`,
      atMost(cpu, 1, '≤ 1 µs'),
    ]);
    rows.push([
      '   ps-run RSS at that rate',
      `${m(mine, 'rssMiB').toFixed(1)} MiB`,
      `${m(bare, 'rssMiB').toFixed(1)} MiB bare Node relay`,
      '(no target)',
    ]);
  }
  if (wanted('memory')) {
    const pair = await repeat('memory', async () => ({
      psRun: await overhead({ via: 'ps-run', producers: 50, rate: 100, warmS: 1, windowS: 2, port: PORTS.memory }),
      bare: await overhead({ via: 'bare', producers: 50, rate: 100, warmS: 1, windowS: 2, port: PORTS.memory }),
    }));
    const rss = m(
      pair.map((p) => p.psRun),
      'rssMiB',
    );
    rows.push([
      '   ps-run RSS with 50 processes (100 lines/s each), its own processes',
      `${rss.toFixed(1)} MiB`,
      `${m(
        pair.map((p) => p.bare),
        'rssMiB',
      ).toFixed(1)} MiB bare Node relay`,
      atMost(rss, 60, '≤ 60 MiB'),
    ]);
  }
  if (wanted('ready')) {
    installFromNpm('foreman', 'foreman@3.0.1');
    const one = await repeat('ready web=1', async () => ({
      psRun: (await readyTime({ via: 'ps-run', count: 1, port: PORTS.ready })).ms,
      bare: (await readyTime({ via: 'bare', count: 1, port: PORTS.ready })).ms,
    }));
    rows.push([
      '3. Ready time web=1, launch until the port accepts',
      `${msRange(one, 'psRun')} (${ratio(m(one, 'psRun') / m(one, 'bare'))} bare)`,
      `${ms(m(one, 'bare'))} bare Node spawner`,
      '(no target)',
    ]);
    // The three take turns, in a different order each run, so a busy spell of the machine hits each alike.
    // Where NODE_EXTRA_CA_CERTS is set, ps-run's launcher skips that CA bundle and the two Node peers
    // read it: the three are also measured with it unset for all, which compares the code alone.
    const order = ['ps-run', 'nf', 'bare'];
    const noCa = withoutExtraCaCerts();
    const envs = noCa
      ? [
          ['', undefined],
          ['NoCa', noCa],
        ]
      : [['', undefined]];
    const turns = envs.flatMap(([suffix, extraEnv]) => order.map((via) => ({ via, suffix, extraEnv })));
    const twenty = await repeat('ready web=20', async (i) => {
      const result = {};
      for (let k = 0; k < turns.length; k++) {
        const { via, suffix, extraEnv } = turns[(i + k) % turns.length];
        result[(via === 'ps-run' ? 'psRun' : via) + suffix] = (await readyTime({ via, count: 20, port: PORTS.ready, extraEnv })).ms;
      }
      return result;
    });
    for (const [suffix] of envs) {
      const mine = m(twenty, `psRun${suffix}`);
      const nf = m(twenty, `nf${suffix}`);
      const bare = m(twenty, `bare${suffix}`);
      rows.push([
        suffix === ''
          ? '3. Ready time web=20, launch until every port accepts'
          : '   the same, the three run without NODE_EXTRA_CA_CERTS (which this machine sets; the code alone compared)',
        `${msRange(twenty, `psRun${suffix}`)} (${ratio(mine / bare)} bare, ${ratio(mine / nf)} nf)`,
        `${ms(bare)} bare Node spawner; ${ms(nf)} node-foreman \`nf start\``,
        `${atMost(mine / bare, 1.2, '≤ 1.2× bare', ratio)}; ${atMost(mine / nf, 1, '≤ nf', ratio)}`,
      ]);
    }
  }
  if (wanted('stop')) {
    const pair = await repeat('stop web=20', async () => ({
      psRun: await stopTime({ count: 20, stubborn: false, timeoutS: 5, port: PORTS.stop }),
      bare: await stopTime({ via: 'bare', count: 20, stubborn: false, timeoutS: 5, port: PORTS.stop }),
    }));
    const plain = pair.map((p) => p.psRun);
    const total = m(plain, 'totalMs');
    rows.push([
      '4. Stop web=20 (exit at once on SIGTERM): SIGINT until ps-run has exited',
      `${msRange(plain, 'totalMs')} (${ratio(
        total /
          m(
            pair.map((p) => p.bare),
            'totalMs',
          ),
      )} bare)`,
      `${ms(
        m(
          pair.map((p) => p.bare),
          'totalMs',
        ),
      )} bare Node spawner (SIGTERM to each, exit after the last); ps-run gone ${ms(m(plain, 'afterLastMs'))} after the last server`,
      atMost(total, 100, '≤ 100 ms'),
    ]);
    const stubborn = await repeat('stop stubborn', () => stopTime({ count: 4, stubborn: true, timeoutS: 1, port: PORTS.stop }));
    const late = m(stubborn, 'afterTimeoutMs');
    rows.push([
      '   Stop with one process ignoring SIGTERM, -t 1: ps-run gone after the timeout',
      ms(late),
      `${ms(m(stubborn, 'totalMs'))} from SIGINT in all`,
      atMost(late, 100, '≤ 100 ms'),
    ]);
    // The same stop with 3,000 other processes on the host: the stray sweep must not read them all then.
    const crowd = await startCrowd(3000);
    let crowded;
    try {
      crowded = await repeat('stop web=20, 3,000 other processes', async () => ({
        psRun: await stopTime({ count: 20, stubborn: false, timeoutS: 5, port: PORTS.stop }),
        bare: await stopTime({ via: 'bare', count: 20, stubborn: false, timeoutS: 5, port: PORTS.stop }),
      }));
    } finally {
      crowd.stop();
    }
    const busy = crowded.map((p) => p.psRun);
    const busyTotal = m(busy, 'totalMs');
    rows.push([
      '   Stop web=20 as above, with 3,000 other processes on the host',
      `${msRange(busy, 'totalMs')}`,
      `${ms(
        m(
          crowded.map((p) => p.bare),
          'totalMs',
        ),
      )} bare Node spawner, same host`,
      atMost(busyTotal, 100, '≤ 100 ms'),
    ]);
    const left = sum(plain, 'left') + sum(stubborn, 'left') + sum(busy, 'left');
    rows.push([`   Processes left running after ps-run exited (all runs)`, String(left), '0', atMost(left, 0, '0')]);
  }
  if (wanted('restart')) {
    const results = await repeat('restart', () => restartTime({ port: PORTS.restart }));
    const back = m(results, 'ms');
    rows.push([
      '5. Restart: crash (exit 1) until the new instance accepts',
      ms(back),
      '100 ms first back-off delay',
      atMost(back, 250, '≤ 250 ms'),
    ]);
  }
  if (wanted('control')) {
    const status = await repeat('status', () => statusTime({ port: PORTS.control }));
    const perRun = status.map((r) => r.statusMs / r.versionMs);
    rows.push([
      '7. `ps-run status` against a running web=2, launch until exit (median of 10 per run)',
      `${msRange(status, 'statusMs')} (${ratio(median(perRun))} --version; per run ${spread(perRun, (x) => x.toFixed(2))})`,
      `${ms(m(status, 'versionMs'))} \`ps-run --version\` (the whole CLI); \`node -e 0\` ${ms(m(status, 'nodeMs'))}`,
      atMost(median(perRun), 1.3, '≤ 1.3× --version', ratio),
    ]);
    const restart = await repeat('restart web.1', () => restartCommandTime({ port: PORTS.control + 10 }));
    rows.push([
      '   `ps-run restart web.1` (C server, binds at once): launch until the new web.1 accepts',
      msRange(restart, 'backMs'),
      `old web.1 gone at ${ms(m(restart, 'oldGoneMs'))}; the command exits at ${ms(m(restart, 'commandMs'))}; \`node -e 0\` above takes ${ms(m(status, 'nodeMs'))}`,
      atMost(m(restart, 'backMs'), 150, '≤ 150 ms'),
    ]);
    const clientEnv = withoutExtraCaCerts();
    if (clientEnv) {
      const bare = await repeat('restart web.1 without NODE_EXTRA_CA_CERTS', () =>
        restartCommandTime({ port: PORTS.control + 20, clientEnv }),
      );
      rows.push([
        '   the same, the command run without NODE_EXTRA_CA_CERTS (which this machine sets: every Node start reads that CA bundle)',
        msRange(bare, 'backMs'),
        `\`node -e 0\` without it ${ms(m(bare, 'nodeMs'))}`,
        atMost(m(bare, 'backMs'), 150, '≤ 150 ms'),
      ]);
    }
  }
  if (wanted('follow')) {
    // The three take turns, in a different order each run.
    const kinds = ['none', 'reading', 'stalled'];
    const results = await repeat('follow', async (i) => {
      const result = {};
      for (let k = 0; k < kinds.length; k++) {
        const follower = kinds[(i + k) % kinds.length];
        result[follower] = await throughputViaPsRun({ seconds, port: PORTS.follow, follower });
      }
      return result;
    });
    const rate = (kind) =>
      m(
        results.map((r) => r[kind]),
        'linesPerSec',
      );
    const alone = rate('none');
    for (const [kind, label] of [
      ['reading', 'a `logs -f` follower (the CLI, printing to a file) reading as fast as it can'],
      ['stalled', 'a `logs -f` client that never reads'],
    ]) {
      const perRun = results.map((r) => r[kind].linesPerSec / r.none.linesPerSec);
      const seen =
        kind === 'reading'
          ? `; the follower printed ${(
              m(
                results.map((r) => r.reading),
                'followerLines',
              ) / 1000
            ).toFixed(0)}k lines and was told of ${(
              m(
                results.map((r) => r.reading),
                'followerDropped',
              ) / 1000
            ).toFixed(0)}k dropped`
          : '';
      rows.push([
        `8. Log throughput (as in 1) with ${label}`,
        `${mega(rate(kind))} (${ratio(rate(kind) / alone)} without; per run ${spread(perRun, (x) => x.toFixed(2))})`,
        `${mega(alone)} without a follower, same run${seen}`,
        atLeast(rate(kind) / alone, 0.9, '≥ 0.90× without'),
      ]);
    }
    // What a follower costs ps-run itself, at a rate it keeps up with: CPU per line, with and without.
    const pairs = await repeat('follow-cpu', async (i) => {
      const run = (follower) => overhead({ via: 'ps-run', producers: 4, rate: 25_000, port: PORTS.follow, follower });
      if (i % 2 === 0) {
        const alone = await run(false);
        return { alone, followed: await run(true) };
      }
      const followed = await run(true);
      return { alone: await run(false), followed };
    });
    const median = (side, key) =>
      m(
        pairs.map((p) => p[side]),
        key,
      );
    const withF = median('followed', 'cpuUsPerLine');
    const withoutF = median('alone', 'cpuUsPerLine');
    const perRun = pairs.map((p) => p.followed.cpuUsPerLine / p.alone.cpuUsPerLine);
    rows.push([
      `   ps-run CPU per line at ${(median('followed', 'linesPerSec') / 1000).toFixed(0)}k lines/s (4 × 25k) with a \`logs -f\` follower reading everything`,
      `${withF.toFixed(2)} µs (${ratio(withF / withoutF)} without; per run ${spread(perRun, (x) => x.toFixed(2))}); the follower printed ${(median('followed', 'followerLines') / 1000).toFixed(0)}k lines, ${(median('followed', 'followerDropped') / 1000).toFixed(0)}k dropped`,
      `${withoutF.toFixed(2)} µs without a follower, same run`,
      '(no target)',
    ]);
  }
  if (wanted('watch')) {
    const tree = makeTree(path.join(WORK, 'watch-tree'));
    const idleSeconds = Number(values['idle-seconds']);
    const pair = await repeat('watch', async () => ({
      watching: await idleCost({ mode: 'ps-run', dir: path.join(WORK, 'watch-tree'), seconds: idleSeconds }),
      idle: await idleCost({ mode: 'ps-run-idle', dir: path.join(WORK, 'watch-tree'), seconds: idleSeconds }),
    }));
    const watching = pair.map((p) => p.watching);
    const idle = pair.map((p) => p.idle);
    const size = `${tree.files.toLocaleString('en')} files in ${tree.dirs.toLocaleString('en')} directories`;
    const cpu = m(watching, 'idleCpuPercent');
    rows.push([
      `6. Watching ${size}: CPU at rest over ${idleSeconds} s (10 ms ticks)`,
      `${cpu.toFixed(2)}% of a core`,
      `${m(idle, 'idleCpuPercent').toFixed(2)}% not watching`,
      atMost(cpu, 1, '≤ 1%'),
    ]);
    rows.push([
      '   RSS of the watching process',
      `${m(watching, 'rssMiB').toFixed(1)} MiB`,
      `${m(idle, 'rssMiB').toFixed(1)} MiB not watching`,
      '(no target)',
    ]);
    rows.push(['   Time to walk the tree and watch it', ms(m(watching, 'startupMs')), '8 directory listings at a time', '(no target)']);
    rows.push([
      '   inotify watches used',
      String(m(watching, 'inotifyWatches')),
      `${tree.dirs + 1} directories with the root (node_modules and .git skipped)`,
      '(no target)',
    ]);
  }
  if (wanted('router')) rows.push(...(await routerRows()));
  const header = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}, ps-run at ${commit}${dirty ? ' with uncommitted changes in src/' : ''}${BIN === DEFAULT_BIN ? '' : ` (built copy ${path.relative(ROOT, BIN)})`}.`,
    `Medians of ${runs} runs; throughput runs last ${seconds} s. Reproduce with \`npm run bench\`.`,
  ];
  const table = formatTable(['Measure', 'ps-run', 'Limit, same run', 'Target'], rows);
  const text = `# ps-run benchmark results\n\n${header.join('\n')}\n\n${table}\n`;
  process.stdout.write(`\n${table}\n`);
  if (!only) writeFileSync(path.join(ROOT, 'bench/RESULTS.md'), text);
}

await main();
