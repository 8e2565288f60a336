// What `start` and `smoke` share: the runtime built from the command-line flags, with its control
// socket listening, and the shutdown signals wired to it.
import type { Command } from 'commander';
import { ControlServer } from '../control/server.js';
import { UsageError } from '../errors.js';
import { loadProject } from '../project.js';
import { checkReadyTypes, parseReadySpecs } from '../readiness/spec.js';
import { Runtime } from '../runtime/runtime.js';
import { checkRouterSpecs, parseRouterHost, parseRouterSpecs, routerEnv } from '../runtime/routing.js';
import type { Backoff, RestartPolicy } from '../supervisor/policy.js';
import { loadPtySpawn } from '../supervisor/pty.js';
import { SESSION_VARIABLE, newSessionId } from '../supervisor/watchdog.js';
import { logFilesFrom, startOrderFrom, type DevLoopFlags } from './devloop.js';
import { colorEnv, logColorLevel, logFormat } from './log.js';
import { seconds, type OutputFlags, type ProjectFlags } from './options.js';
import { socketFor, type SocketFlags } from './socket.js';
import { onShutdownSignals } from './signals.js';

export interface LaunchFlags extends ProjectFlags, OutputFlags, SocketFlags, DevLoopFlags {
  formation?: string;
  ready?: string[];
  settle: number;
  stdin: boolean;
  tty?: string[];
  router?: string[];
  routerHost?: string;
  routerLog?: boolean;
}

export interface LaunchOptions {
  restart: RestartPolicy;
  maxRestarts?: number;
  backoff?: Backoff;
  timeoutMs: number;
  /** Names besides the instances that will print (the smoke command), for the prefix width. */
  extraNames?: string[];
}

export interface Launched {
  runtime: Runtime;
  /** Stops listening, removes the signal handlers. */
  close(): Promise<void>;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function addReadinessOptions(command: Command): Command {
  return command
    .option(
      '--ready <type=check>',
      'readiness check per type: port, http[:/path], log:<regex>, exit, alive (repeatable; default web=port, release=exit, others alive)',
      collect,
    )
    .option('--settle <seconds>', 'how long an "alive" process must stay up to count as ready', seconds(3600), 1)
    .option('--no-stdin', 'give processes an empty stdin instead of a pipe held open (watchers that exit on end of input then exit)')
    .option(
      '--tty <type>',
      'run that type under a pseudo-terminal (debuggers, REPLs; stdout and stderr become one stream; repeatable)',
      collect,
    );
}

export function addRouterOptions(command: Command): Command {
  return command
    .option(
      '--router <[type=]port>',
      'a router on 127.0.0.1:<port> in front of the ready instances of web (or <type>); repeatable',
      collect,
    )
    .option('--router-host <addr>', 'listen address of the routers (default 127.0.0.1; 0.0.0.0 opens them to the network)')
    .option('--router-log', "an access log line per routed request (method, path, status, instance, ms) under the name 'router'");
}

export async function launch(select: string[], flags: LaunchFlags, options: LaunchOptions): Promise<Launched> {
  const level = logColorLevel(flags, process.env);
  // Router addresses are known from the flags alone, so every child gets them in its environment.
  const routerSpecs = parseRouterSpecs(flags.router ?? []);
  const routerHost = parseRouterHost(flags.routerHost);
  const project = loadProject({
    ...flags,
    select,
    extraEnv: { ...colorEnv(level, process.env), ...routerEnv(routerSpecs, routerHost), [SESSION_VARIABLE]: newSessionId() },
  });
  checkRouterSpecs(routerSpecs, project);
  const checks = parseReadySpecs(flags.ready ?? []);
  checkReadyTypes(
    checks,
    project.entries.map((e) => e.name),
  );
  const ttyTypes = new Set(flags.tty ?? []);
  for (const type of ttyTypes) {
    if (!project.entries.some((e) => e.name === type)) {
      throw new UsageError(`--tty names unknown process type "${type}"; known types: ${project.entries.map((e) => e.name).join(', ')}`);
    }
  }
  const tty = ttyTypes.size > 0 ? { types: ttyTypes, spawn: await loadPtySpawn() } : undefined;
  const after = startOrderFrom(flags, project);
  let report = (text: string): void => void process.stderr.write(`ps-run: ${text}\n`);
  const logFiles = logFilesFrom(flags, (text) => report(text));
  const { path: socketPath, label } = socketFor(flags);
  await ControlServer.claim(socketPath, label);
  // Written without blocking: a reader that stops reading must never freeze ps-run (it pauses the
  // children instead, and is dropped once stopping).
  (process.stdout as unknown as { _handle?: { setBlocking?: (b: boolean) => void } })._handle?.setBlocking?.(false);
  const runtime = await Runtime.create({
    project,
    checks,
    settleMs: flags.settle * 1000,
    restart: options.restart,
    maxRestarts: options.maxRestarts,
    backoff: options.backoff,
    timeoutMs: options.timeoutMs,
    stdin: flags.stdin === false ? 'ignore' : 'pipe',
    tty,
    output: {
      stream: process.stdout,
      format: logFormat(flags, {
        names: [...project.instances.map((i) => i.name), ...(options.extraNames ?? []), ...(flags.routerLog ? ['router'] : [])],
        types: project.entries.map((e) => e.name),
        level,
      }),
    },
    warn: (text) => process.stderr.write(`${text}\n`),
    routing: routerSpecs.length > 0 ? { specs: routerSpecs, host: routerHost, log: flags.routerLog === true } : undefined,
    after,
    subscribers: logFiles ? [logFiles.subscriber] : [],
  });
  report = (text) => runtime.writer.system(text);
  const server = new ControlServer(runtime, socketPath);
  try {
    await server.listen();
  } catch (error) {
    runtime.shutdown('could not open the control socket', 1);
    await runtime.done;
    throw error;
  }
  runtime.socketPath = socketPath;
  const dispose = onShutdownSignals({
    stop: (signal, status) => runtime.shutdown(`received ${signal}`, status),
    kill: () => runtime.kill(),
  });
  return {
    runtime,
    close: async () => {
      dispose();
      await Promise.all([server.close(), logFiles?.close()]);
    },
  };
}
