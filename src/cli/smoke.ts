// `ps-run smoke [formation] [-- command...]`: bring the formation up with crashes fatal, wait until
// every instance is ready, optionally run a command against it, and exit with a truthful status.
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { describeEvent } from '../output/messages.js';
import { failureReport, summaryTable } from '../output/report.js';
import { TailKeeper } from '../output/tail.js';
import type { InstancePlan } from '../plan.js';
import { describeCheck } from '../readiness/spec.js';
import { Supervisor } from '../supervisor/supervisor.js';
import { addReadinessOptions, launch, type LaunchFlags } from './launch.js';
import { addFormationOption, addOutputOptions, addProjectOptions, seconds } from './options.js';
import type { CommandResult } from './result.js';
import { onShutdownSignals } from './signals.js';

export interface SmokeFlags extends LaunchFlags {
  timeout: number;
  killTimeout: number;
}

interface Failure {
  name: string;
  reason: string;
  status: number;
}

/** Words after `--` as one `sh -c` string that runs exactly that argv (a single word is shell text). */
export function commandLine(words: readonly string[]): string {
  if (words.length === 1) return words[0] as string;
  return words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
}

export function commandName(words: readonly string[]): string {
  const first = (words[0] ?? 'command').trim().split(/\s+/)[0] ?? 'command';
  return path.basename(first) || 'command';
}

export async function runSmoke(select: string[], words: string[], flags: SmokeFlags): Promise<number> {
  const name = words.length > 0 ? commandName(words) : undefined;
  const tail = new TailKeeper(20);
  const { project, supervisor, tracker, log, watchdog } = await launch(select, flags, {
    restart: 'never',
    timeoutMs: flags.killTimeout * 1000,
    extraNames: name ? [name] : [],
    alsoOutput: [tail],
  });
  if (project.instances.length === 0) throw new UsageError('the formation selects no process to smoke-test');
  let command: Supervisor | undefined;
  let failure: Failure | undefined;
  let summary: string | undefined;

  // The readiness deadline; the callbacks it calls are defined below and run long after.
  const timer = setTimeout(() => {
    const waiting = [...tracker.states.values()].filter((s) => s.status === 'waiting');
    const first = waiting[0];
    if (!first) return;
    const others =
      waiting.length > 1
        ? ` (also waiting: ${waiting
            .slice(1)
            .map((s) => s.plan.name)
            .join(', ')})`
        : '';
    fail({
      name: first.plan.name,
      reason: `was not ready after ${flags.timeout} s (check ${describeCheck(first.check)})${others}`,
      status: 1,
    });
  }, flags.timeout * 1000);

  const fail = (f: Failure): void => {
    if (failure) return;
    failure = f;
    clearTimeout(timer);
    command?.stop(`${f.name} failed`);
    supervisor.stop(`smoke failed: ${f.name}`, f.status);
  };
  const finish = (reason: string, status: number): void => {
    clearTimeout(timer);
    supervisor.stop(reason, status);
  };
  const startCommand = (): void => {
    const plan: InstancePlan = { name: name!, type: name!, index: 1, command: commandLine(words), port: 0, env: project.env };
    command = new Supervisor({
      instances: [plan],
      cwd: project.root,
      restart: 'never',
      timeoutMs: flags.killTimeout * 1000,
      guard: watchdog,
    });
    command.pipeOutput(log.writer);
    command.on((event) => {
      if (event.kind === 'spawn') log.writer.system(`running ${name} (pid ${event.pid}): everything is ready`);
      else if (event.kind === 'exit' || event.kind === 'spawn-error') log.writer.system(describeEvent(event));
    });
    void command.start().done.then((status) => finish(`${name} exited with status ${status}`, status));
  };

  tracker.on((event) => {
    if (event.kind === 'not-ready') {
      const state = tracker.states.get(event.name)!;
      const status = state.exitSignal ? 1 : state.exitCode || 1;
      fail({ name: event.name, reason: event.reason, status });
    } else if (tracker.allReady() && !failure && !command) {
      clearTimeout(timer);
      if (name) startCommand();
      else {
        summary = summaryTable(tracker.states.values());
        finish('smoke passed', 0);
      }
    }
  });
  supervisor.on((event) => {
    // After readiness, a crash is still fatal: the app is not healthy.
    if (event.kind === 'exit' && event.crashed && tracker.states.get(event.name)?.status === 'ready') {
      const status = event.signal ? 1 : (event.code ?? 1);
      fail({ name: event.name, reason: event.signal ? `was killed by ${event.signal}` : `crashed with code ${event.code}`, status });
    }
  });
  let signalled: number | undefined;
  const dispose = onShutdownSignals({
    stop: (signal, status) => {
      signalled = status;
      clearTimeout(timer);
      command?.stop(`received ${signal}`);
      supervisor.stop(`received ${signal}`, status);
    },
    kill: () => {
      command?.kill();
      supervisor.kill();
    },
  });

  try {
    supervisor.start();
    const status = await supervisor.done;
    const commandStatus = command ? await command.done : undefined;
    if (failure) {
      process.stderr.write(failureReport(failure.name, failure.reason, tail.lines(failure.name)));
      return failure.status;
    }
    if (signalled !== undefined) return signalled;
    if (summary !== undefined && status === 0) {
      // JSON logs stay JSON Lines to the end: the table's rows become system entries.
      if (flags.logFormat === 'json') for (const row of summary.trimEnd().split('\n')) log.writer.system(row);
      else process.stdout.write(summary);
    }
    return commandStatus ?? status;
  } finally {
    clearTimeout(timer);
    tracker.dispose();
    watchdog.close();
    dispose();
  }
}

export function registerSmoke(program: Command, result: CommandResult): void {
  const command = program
    .command('smoke')
    .description('start the formation with crashes fatal, wait until every process is ready, optionally run a command, stop everything')
    .argument('[formation...]', 'process types to run, with counts (as for start)')
    .usage('[formation...] [options] [-- command args...]');
  addProjectOptions(command);
  addFormationOption(command);
  addReadinessOptions(command);
  command
    .option('--timeout <seconds>', 'how long every process has to become ready', seconds(86_400), 60)
    .option('--kill-timeout <seconds>', 'grace period between SIGTERM and SIGKILL when stopping', seconds(3600), 5);
  addOutputOptions(command);
  command
    .addHelpText(
      'after',
      `
Examples:
  $ ps-run smoke                                  every process ready, then a summary table
  $ ps-run smoke -- npm test                      run the tests once everything is ready
  $ ps-run smoke web=2 --ready web=http:/health -- 'curl -fsS "$PS_RUN_WEB_URL/health"'
  $ ps-run smoke --ready migrate=exit --timeout 120
`,
    )
    .action(async (items: string[], flags: SmokeFlags) => {
      // Commander hands over the words after `--` as more operands; the raw argv tells them apart.
      const raw = result.argv;
      const words = raw.includes('--') ? raw.slice(raw.indexOf('--') + 1) : [];
      const select = items.slice(0, items.length - words.length);
      result.exitCode = await runSmoke(select, words, flags);
    });
}
