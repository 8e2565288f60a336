// The development loop's options on start (and smoke): --after (start order), --log-dir (a file per
// instance) and, on start, --watch (restart a type when its files change). Each is a client of the
// runtime: the watcher asks for the same restart `ps-run restart <type>` does.
import path from 'node:path';
import type { Command } from 'commander';
import { LogFiles } from '../output/log-files.js';
import type { LineSubscriber } from '../output/hub.js';
import type { Project } from '../project.js';
import type { Runtime } from '../runtime/runtime.js';
import { checkStartOrder, parseAfter, type StartOrder } from '../start-order.js';
import { ChangeWatcher, checkWatchTypes, describeChange, parseWatchSpecs, type WatchSpec } from '../watch/index.js';

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export interface DevLoopFlags {
  after?: string[];
  logDir?: string;
  watch?: string[];
}

export function addStartOrderOptions(command: Command): Command {
  return command
    .option(
      '--after <type=types>',
      'start a type only once every instance of the named types is ready, e.g. web=release,db (repeatable)',
      collect,
    )
    .option('--log-dir <dir>', "also append each instance's lines to <dir>/<name>.log (timestamped, no colors, mode 0600)");
}

export function addWatchOption(command: Command): Command {
  return command.option(
    '--watch <type[=paths]>',
    'restart the type when files under the paths change (default: the root; repeatable), e.g. web=src,views',
    collect,
  );
}

/** The start order from --after, checked against the formation before anything starts. */
export function startOrderFrom(flags: DevLoopFlags, project: Project): StartOrder {
  const after = parseAfter(flags.after ?? []);
  checkStartOrder(after, [...new Set(project.instances.map((i) => i.type))]);
  return after;
}

/** --log-dir: the subscriber that writes the files, and the function that flushes and closes them. */
export function logFilesFrom(
  flags: DevLoopFlags,
  report: (text: string) => void,
): { subscriber: LineSubscriber; close(): Promise<void> } | undefined {
  if (flags.logDir === undefined) return undefined;
  const files = new LogFiles(path.resolve(flags.logDir), { onError: (message) => report(message) });
  return {
    subscriber: { lines: (name, stream, block, time) => stream !== 'system' && files.write(name, block, time) },
    close: () => files.close(),
  };
}

/** --watch: the specs, checked against the formation (paths are checked when watching starts). */
export function watchSpecsFrom(flags: DevLoopFlags, project: Project): WatchSpec[] {
  const specs = parseWatchSpecs(flags.watch ?? [], project.root);
  checkWatchTypes(specs, [...new Set(project.instances.map((i) => i.type))]);
  return specs;
}

/** Starts watching; each burst of changes restarts its type. Returns the function that stops watching. */
export async function watchAndRestart(runtime: Runtime, specs: WatchSpec[]): Promise<() => Promise<void>> {
  const watcher = new ChangeWatcher({
    root: runtime.project.root,
    specs,
    onChange: (type, files) => {
      runtime
        .restart([type], { by: `--watch: ${describeChange(files)}` })
        .catch((error: Error) => runtime.writer.system(`--watch: ${error.message}`));
    },
    onWarning: (message) => runtime.writer.system(message),
  });
  await watcher.start();
  return () => watcher.close();
}
