// What `start` and `smoke` share: load the project, check the ports, start the watchdog, and wire the
// supervisor, the readiness tracker and the log together.
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { describeEvent } from '../output/messages.js';
import { teeOutput } from '../output/tee.js';
import type { OutputListener } from '../supervisor/instance.js';
import { findPortHolder, listeningSockets } from '../port-holder.js';
import { loadProject, type Project } from '../project.js';
import { portAccepts } from '../readiness/probes.js';
import { checkReadyTypes, parseReadySpecs } from '../readiness/spec.js';
import { ReadinessTracker } from '../readiness/tracker.js';
import { findBySession } from '../supervisor/strays.js';
import { systemClock } from '../supervisor/clock.js';
import { Supervisor } from '../supervisor/supervisor.js';
import type { Backoff, RestartPolicy } from '../supervisor/policy.js';
import { SESSION_VARIABLE, Watchdog, newSessionId } from '../supervisor/watchdog.js';
import { createLog, colorEnv, logColorLevel, type Log } from './log.js';
import { seconds, type OutputFlags, type ProjectFlags } from './options.js';

export interface LaunchFlags extends ProjectFlags, OutputFlags {
  formation?: string;
  ready?: string[];
  settle: number;
}

export interface Launched {
  project: Project;
  supervisor: Supervisor;
  tracker: ReadinessTracker;
  log: Log;
  watchdog: Watchdog;
  session: string;
}

export interface LaunchOptions {
  restart: RestartPolicy;
  maxRestarts?: number;
  backoff?: Backoff;
  timeoutMs: number;
  /** Names besides the instances that will print (the smoke command), for the prefix width. */
  extraNames?: string[];
  /** More listeners of the children's output (a tail for failures). */
  alsoOutput?: OutputListener[];
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function addReadinessOptions(command: Command): Command {
  return command
    .option(
      '--ready <type=check>',
      'readiness check per type: port, http[:/path], log:<regex>, exit, alive (repeatable; default web=port, others alive)',
      collect,
    )
    .option('--settle <seconds>', 'how long an "alive" process must stay up to count as ready', seconds(3600), 1);
}

/** A port that a port- or http-checked process will bind must be free before anything starts. */
async function checkPortsFree(project: Project, tracker: ReadinessTracker): Promise<void> {
  const bound = [...tracker.states.values()].filter((s) => s.check.kind === 'port' || s.check.kind === 'http');
  // One read of /proc/net/tcp{,6} answers for every port at once; elsewhere, probe each port.
  const listening = listeningSockets();
  const taken = listening ? bound.map((s) => listening.has(s.plan.port)) : await Promise.all(bound.map((s) => portAccepts(s.plan.port)));
  const index = taken.indexOf(true);
  const state = bound[index];
  if (!state) return;
  const { port, name } = state.plan;
  const holder = findPortHolder(port);
  const by = holder ? ` by pid ${holder.pid}${holder.command ? ` (${holder.command.slice(0, 60)})` : ''}` : '';
  throw new UsageError(`port ${port} for ${name} is already in use${by}`, {
    hint: `stop it, or choose another base port with -p (now ${project.basePort})`,
  });
}

export async function launch(select: string[], flags: LaunchFlags, options: LaunchOptions): Promise<Launched> {
  const level = logColorLevel(flags, process.env);
  const session = newSessionId();
  const project = loadProject({ ...flags, select, extraEnv: { ...colorEnv(level, process.env), [SESSION_VARIABLE]: session } });
  const checks = parseReadySpecs(flags.ready ?? []);
  checkReadyTypes(
    checks,
    project.entries.map((e) => e.name),
  );
  const tracker = new ReadinessTracker(project.instances, checks, { clock: systemClock, settleMs: flags.settle * 1000 });
  // The watchdog shell boots while the port check reads /proc (synchronously: an async read of these
  // tables takes several thread-pool round trips, slower in all); nothing is spawned before it passed.
  const watchdog = new Watchdog(session);
  try {
    await checkPortsFree(project, tracker);
  } catch (error) {
    watchdog.close();
    throw error;
  }
  const supervisor = new Supervisor({
    instances: project.instances,
    cwd: project.root,
    restart: options.restart,
    maxRestarts: options.maxRestarts,
    backoff: options.backoff,
    timeoutMs: options.timeoutMs,
    guard: watchdog,
    findStrays: () => findBySession(session, new Set([process.pid, watchdog.pid ?? -1])),
  });
  const log = createLog(flags, {
    names: [...project.instances.map((i) => i.name), ...(options.extraNames ?? [])],
    types: project.entries.map((e) => e.name),
    level,
    stream: process.stdout,
    events: {
      pressure: (paused) => (paused ? supervisor.pause() : supervisor.resume()),
      closed: () => supervisor.stop('output closed', 0),
    },
  });
  const logChecks = [...tracker.states.values()].some((s) => s.check.kind === 'log');
  supervisor.pipeOutput(teeOutput(log.writer, ...(logChecks ? [tracker] : []), ...(options.alsoOutput ?? [])));
  supervisor.on((event) => {
    log.writer.system(describeEvent(event));
    // Once stopping, nobody waits for readiness any more: no late "ready" lines.
    if (event.kind === 'stopping') tracker.dispose();
    else tracker.handle(event);
  });
  tracker.on((event) => log.writer.system(describeEvent(event)));
  return { project, supervisor, tracker, log, watchdog, session };
}
