// The cost of watching a big tree: a host process with and without a watcher on 50,000 files in
// 5,000 directories; its start-up time, its CPU at rest over a window, its RSS and its inotify watches.
// Run as `node bench/lib/watch.js host <mode> <dir> <file>` it is that host; `compare [mode...]`
// measures the modes one after the other.
import { mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WORK, cpuMs, rssMiB, sleep, startNode, waitUntil } from './system.js';

const HERE = fileURLToPath(import.meta.url);
const DIST = path.resolve(path.dirname(HERE), '../../dist/index.js');

/**
 * Writes `top` × `sub` directories of `perDir` small files each under `dir` (kept between runs: a
 * marker file says which shape is there), plus a node_modules and a .git the watcher must skip.
 */
export function makeTree(dir, { top = 50, sub = 100, perDir = 10 } = {}) {
  const shape = `${top}x${sub}x${perDir}`;
  const marker = path.join(dir, '.shape');
  try {
    if (readFileSync(marker, 'utf8') === shape) return treeSize(top, sub, perDir);
  } catch {
    // not made yet
  }
  rmSync(dir, { recursive: true, force: true });
  for (let t = 0; t < top; t++) {
    for (let s = 0; s < sub; s++) {
      const leaf = path.join(dir, `d${t}`, `s${s}`);
      mkdirSync(leaf, { recursive: true });
      for (let f = 0; f < perDir; f++) writeFileSync(path.join(leaf, `f${f}.js`), `// ${t}/${s}/${f}\n`);
    }
  }
  for (const skipped of ['node_modules/pkg', '.git/objects']) {
    mkdirSync(path.join(dir, skipped), { recursive: true });
    writeFileSync(path.join(dir, skipped, 'x'), 'x\n');
  }
  writeFileSync(marker, shape);
  return treeSize(top, sub, perDir);
}

const treeSize = (top, sub, perDir) => ({ files: top * sub * perDir, dirs: top * sub + top });

/** inotify watches held by `pid` (one `inotify wd:` line per watch in fdinfo). */
export function inotifyWatches(pid) {
  let count = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== 'anon_inode:inotify') continue;
      count += readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('inotify wd:')).length;
    } catch {
      // closed meanwhile
    }
  }
  return count;
}

/**
 * Starts a host in `mode` on `dir`: 'ps-run-idle' (the library loaded, nothing watched), 'ps-run'
 * (its ChangeWatcher on the whole tree), 'chokidar' or 'fs.watch' (recursive, for comparison); waits
 * until it is watching, lets it settle `settleMs`, then measures its CPU over `seconds` at rest.
 */
export async function idleCost({ mode, dir, seconds = 10, settleMs = 5000 }) {
  const outFile = path.join(path.dirname(dir), `watch-host-${process.pid}.out`);
  writeFileSync(outFile, '');
  const host = startNode(HERE, ['host', mode, dir, outFile], {});
  try {
    const line = await waitUntil(
      () => {
        const text = readFileSync(outFile, 'utf8');
        return text.includes('\n') ? text : undefined;
      },
      { timeoutMs: 120_000, everyMs: 50, what: `the ${mode} host to start watching` },
    );
    if (!line.startsWith('ready ')) throw new Error(`the ${mode} host failed: ${line.trim()}`);
    const startupMs = Number(line.slice('ready '.length));
    // V8 tidies its heap a few seconds after a burst of allocation (loading, walking): not "at rest".
    await sleep(settleMs);
    const cpuBefore = cpuMs([host.pid]);
    await sleep(seconds * 1000);
    const cpuAfter = cpuMs([host.pid]);
    return {
      mode,
      startupMs,
      idleCpuPercent: ((cpuAfter - cpuBefore) / (seconds * 1000)) * 100,
      rssMiB: rssMiB([host.pid]),
      inotifyWatches: inotifyWatches(host.pid),
    };
  } finally {
    host.child.kill('SIGTERM');
    await host.exited;
    rmSync(outFile, { force: true });
  }
}

async function runHost(mode, dir, outFile) {
  const started = performance.now();
  let close = async () => {};
  // Both ps-run hosts load the library, so that the difference between them is the watching alone.
  const { ChangeWatcher, parseWatchSpecs } = mode.startsWith('ps-run') ? await import(pathToFileURL(DIST).href) : {};
  if (mode === 'ps-run') {
    const watcher = new ChangeWatcher({
      root: dir,
      specs: parseWatchSpecs(['web'], dir),
      onChange: () => {},
      onWarning: (message) => process.stderr.write(`${message}\n`),
    });
    await watcher.start();
    close = () => watcher.close();
  } else if (mode === 'chokidar') {
    // Not a dependency: for the comparison in NOTES, `npm install --no-save chokidar@4.0.3` first.
    const { watch } = await import('chokidar').catch(() => {
      writeFileSync(outFile, 'error chokidar is not installed (npm install --no-save chokidar@4.0.3)\n');
      process.exit(1);
    });
    const watcher = watch(dir, { ignoreInitial: true, ignored: (p) => /(^|\/)(node_modules|\.git)(\/|$)/.test(p) });
    await new Promise((resolve) => watcher.once('ready', resolve));
    close = () => watcher.close();
  } else if (mode === 'fs.watch') {
    const { watch } = await import('node:fs');
    // Node 20 builds its recursive watch on Linux by walking the tree synchronously in this call.
    const watcher = watch(dir, { recursive: true }, () => {});
    close = async () => watcher.close();
  } else if (mode !== 'ps-run-idle') {
    writeFileSync(outFile, `error unknown mode ${mode}\n`);
    process.exit(1);
  }
  writeFileSync(outFile, `ready ${(performance.now() - started).toFixed(0)}\n`);
  const keepAlive = setInterval(() => {}, 1 << 30);
  process.once('SIGTERM', () => {
    clearInterval(keepAlive);
    void close().then(() => process.exit(0));
  });
}

if (process.argv[1] === HERE && process.argv[2] === 'host') {
  const [mode, dir, outFile] = process.argv.slice(3);
  await runHost(mode, dir, outFile);
} else if (process.argv[1] === HERE && process.argv[2] === 'compare') {
  // `node bench/lib/watch.js compare [mode...]`: one line of JSON per mode, for choosing a watcher.
  const dir = path.join(WORK, 'watch-tree');
  console.log(JSON.stringify(makeTree(dir)));
  for (const mode of process.argv.slice(3)) console.log(JSON.stringify(await idleCost({ mode, dir })));
}
