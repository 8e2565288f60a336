// `ps-run start [formation...]`: run the formation until it ends or is told to stop; drivable meanwhile
// through its control socket.
import type { Command } from 'commander';
import type { RestartPolicy } from '../supervisor/policy.js';
import { applyForemanDefaults } from './foreman.js';
import { addStartOrderOptions, addWatchOption, watchAndRestart, watchSpecsFrom } from './devloop.js';
import { forwardInput } from './input.js';
import { addReadinessOptions, addRouterOptions, launch, type LaunchFlags } from './launch.js';
import { addFormationOption, addOutputOptions, addProjectOptions, restartPolicy, seconds, wholeNumber } from './options.js';
import type { CommandResult } from './result.js';
import { addSocketOption } from './socket.js';

export interface StartFlags extends LaunchFlags {
  timeout: number;
  restart: RestartPolicy;
  maxRestarts?: number;
  backoff: number;
  backoffMax: number;
  input?: string;
}

export async function runStart(select: string[], flags: StartFlags): Promise<number> {
  const { runtime, close } = await launch(select, flags, {
    restart: flags.restart,
    maxRestarts: flags.maxRestarts,
    backoff: { initialMs: flags.backoff, maxMs: Math.max(flags.backoff, flags.backoffMax) },
    timeoutMs: flags.timeout * 1000,
  });
  let stopInput: (() => void) | undefined;
  let stopWatching: (() => Promise<void>) | undefined;
  try {
    const specs = watchSpecsFrom(flags, runtime.project);
    stopInput = flags.input === undefined ? undefined : forwardInput(runtime, flags.input, process.stdin);
    if (specs.length > 0) stopWatching = await watchAndRestart(runtime, specs);
  } catch (error) {
    stopInput?.();
    runtime.shutdown('bad --input', 1);
    await runtime.done;
    await close();
    throw error;
  }
  try {
    runtime.start();
    return await runtime.done;
  } finally {
    stopInput?.();
    await stopWatching?.();
    await close();
  }
}

export function registerStart(program: Command, result: CommandResult): void {
  const command = program
    .command('start')
    .description('run the processes of the Procfile, each on its own port, with one merged log')
    .argument('[formation...]', 'process types to run, with counts: web=2 worker (default: every type once)');
  addProjectOptions(command);
  addFormationOption(command);
  command
    .option('-t, --timeout <seconds>', 'grace period between SIGTERM and SIGKILL at shutdown', seconds(3600), 5)
    .option('--restart <policy>', 'on-failure, always (clean exits too), or never (a crash stops everything)', restartPolicy, 'on-failure')
    .option('--max-restarts <n>', 'give a process up after n restarts in a row (default: no limit)', wholeNumber(0, 1_000_000))
    .option('--backoff <ms>', 'first restart delay; it doubles with each crash in a row', wholeNumber(1, 3_600_000), 100)
    .option('--backoff-max <ms>', 'longest restart delay', wholeNumber(1, 3_600_000), 10_000)
    .option('--input <name>', "send what you type (ps-run's stdin) to this instance's stdin, e.g. web.1 (Ctrl-C still stops ps-run)");
  addReadinessOptions(command);
  addRouterOptions(command);
  addStartOrderOptions(command);
  addWatchOption(command);
  addOutputOptions(command);
  addSocketOption(command);
  command
    .addHelpText(
      'after',
      `
Examples:
  $ ps-run start                     every process type once
  $ ps-run start web=2 worker        only web (x2, ports 5000 and 5001) and worker
  $ ps-run start -m all=2,clock=0    two of everything but clock
  $ ps-run start --restart never     a crash stops everything (for CI)
  $ ps-run start --ready web=http:/health --ready worker=log:connected
  $ ps-run start --input web.1       type into web.1 (a debugger in the server)
  $ ps-run start web=3 --router 8080 one address (127.0.0.1:8080) in front of web.1-3
  $ ps-run start --after web=release --watch web=app,config --log-dir log/ps-run
`,
    )
    .action(async (select: string[], _flags: StartFlags, self: Command) => {
      const { flags } = applyForemanDefaults<StartFlags>(self);
      result.exitCode = await runStart(select, flags);
    });
}
