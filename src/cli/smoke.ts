// `ps-run smoke [formation] [-- command...]`: bring the formation up with crashes fatal, wait until
// every instance is ready, optionally run a command against it, and exit with a truthful status.
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { describeEvent } from '../output/messages.js';
import { failureReport, summaryTable } from '../output/report.js';
import { describeCheck } from '../readiness/spec.js';
import { describeRouters } from '../runtime/routing.js';
import { Supervisor } from '../supervisor/supervisor.js';
import { signalStatus } from '../exit-status.js';
import { addStartOrderOptions } from './devloop.js';
import { applyForemanDefaults } from './foreman.js';
import { addReadinessOptions, addRouterOptions, launch, type LaunchFlags } from './launch.js';
import { addFormationOption, addOutputOptions, addProjectOptions, seconds } from './options.js';
import type { CommandResult } from './result.js';
import { addSocketOption } from './socket.js';

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

/** The command's name in the log: never one of the instances' names or types (two sources, one name). */
export function commandLogName(words: readonly string[], taken: readonly string[]): string {
  const name = commandName(words);
  return taken.includes(name) || name === 'system' ? `${name}-cmd` : name;
}

export async function runSmoke(select: string[], words: string[], flags: SmokeFlags): Promise<number> {
  const { runtime, close } = await launch(select, flags, {
    restart: 'never',
    timeoutMs: flags.killTimeout * 1000,
    extraNames: words.length > 0 ? [commandName(words)] : [],
  });
  const { project, tracker, writer } = runtime;
  const taken = project.instances.flatMap((i) => [i.name, i.type]);
  const name = words.length > 0 ? commandLogName(words, taken) : undefined;
  let command: Supervisor | undefined;
  let failure: Failure | undefined;
  let summary: string | undefined;
  let passed = false;

  const fail = (f: Failure): void => {
    if (failure) return;
    failure = f;
    clearTimeout(timer);
    command?.stop(`${f.name} failed`);
    runtime.shutdown(`smoke failed: ${f.name}`, f.status);
  };
  const finish = (reason: string, status: number): void => {
    clearTimeout(timer);
    runtime.shutdown(reason, status);
  };
  // The readiness deadline.
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

  const startCommand = (): void => {
    command = runtime.command(name!, commandLine(words));
    command.on((event) => {
      if (event.kind === 'spawn') writer.system(`running ${name} (pid ${event.pid}): everything is ready`);
      else if (event.kind === 'exit' || event.kind === 'spawn-error') writer.system(describeEvent(event));
    });
    void command.start().done.then((status) => {
      passed = true;
      finish(`${name} exited with status ${status}`, status);
    });
  };

  runtime.subscribe((event) => {
    if (event.kind === 'not-ready') {
      const state = tracker.states.get(event.name)!;
      fail({ name: event.name, reason: event.reason, status: state.exitSignal ? 1 : state.exitCode || 1 });
    } else if (event.kind === 'spawn-error') {
      fail({ name: event.name, reason: `could not start: ${event.message}`, status: 127 });
    } else if (event.kind === 'exit' && event.crashed && tracker.states.get(event.name)?.status === 'ready') {
      // After readiness, a crash is still fatal: the app is not healthy.
      fail({
        name: event.name,
        reason: event.signal ? `was killed by ${event.signal}` : `crashed with code ${event.code}`,
        status: event.signal ? 1 : (event.code ?? 1),
      });
    } else if (event.kind === 'ready' && tracker.allReady() && !failure && !command) {
      clearTimeout(timer);
      if (name) startCommand();
      else {
        summary = summaryTable(tracker.states.values()) + describeRouters(runtime.info().routers, runtime.status());
        passed = true;
        finish('smoke passed', 0);
      }
    }
  });
  let signalled: number | undefined;
  runtime.supervisor.on((event) => {
    if (event.kind === 'stopping' && event.reason.startsWith('received ')) {
      signalled = signalStatus(event.reason.slice('received '.length) as NodeJS.Signals);
      clearTimeout(timer);
      command?.stop(event.reason);
    }
  });

  try {
    if (project.instances.length === 0) throw new UsageError('the formation selects no process to smoke-test');
    runtime.start();
    const status = await runtime.done;
    const commandStatus = command ? await command.done : undefined;
    if (failure) {
      process.stderr.write(failureReport(failure.name, failure.reason, runtime.lastLines(failure.name, 20)));
      return failure.status;
    }
    if (signalled !== undefined) return signalled;
    if (!passed) {
      // The run ended before everything was ready (the log's reader went away, say): never a pass.
      process.stderr.write('ps-run: smoke failed: the run ended before every process was ready\n');
      return status === 0 ? 1 : status;
    }
    if (summary !== undefined && status === 0) {
      // JSON logs stay JSON Lines to the end: the table's rows become system entries.
      if (flags.logFormat === 'json') for (const row of summary.trimEnd().split('\n')) writer.system(row);
      else process.stdout.write(summary);
    }
    return commandStatus ?? status;
  } finally {
    clearTimeout(timer);
    if (!passed && failure === undefined && signalled === undefined) {
      runtime.shutdown('smoke over', 1);
      await runtime.done;
    }
    await close();
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
  addRouterOptions(command);
  addStartOrderOptions(command);
  command
    .option('--timeout <seconds>', 'how long every process has to become ready', seconds(86_400), 60)
    .option('--kill-timeout <seconds>', 'grace period between SIGTERM and SIGKILL when stopping', seconds(3600), 5);
  addOutputOptions(command);
  addSocketOption(command);
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
    .action(async (items: string[], _flags: SmokeFlags, self: Command) => {
      const { flags } = applyForemanDefaults<SmokeFlags>(self, undefined, undefined, { timeout: 'killTimeout' });
      // Commander hands over the words after `--` as more operands; the raw argv tells them apart.
      const raw = result.argv;
      const words = raw.includes('--') ? raw.slice(raw.indexOf('--') + 1) : [];
      const select = items.slice(0, items.length - words.length);
      result.exitCode = await runSmoke(select, words, flags);
    });
}
