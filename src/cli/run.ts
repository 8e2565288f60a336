// `ps-run run <command...>`: one command with the app's environment, stdio attached, signals forwarded.
import { spawn } from 'node:child_process';
import { Option } from 'commander';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { jsonFormat } from '../output/formats.js';
import { OutputHub } from '../output/hub.js';
import { Sink } from '../output/sink.js';
import { systemClock } from '../supervisor/clock.js';
import { LogWriter } from '../output/writer.js';
import { loadProject } from '../project.js';
import { signalGroup } from '../supervisor/child.js';
import { exitStatus } from '../supervisor/policy.js';
import { SESSION_VARIABLE, Watchdog, newSessionId } from '../supervisor/watchdog.js';
import { commandName } from './smoke.js';
import { addProjectOptions, type ProjectFlags } from './options.js';
import { SHUTDOWN_SIGNALS, onShutdownSignals } from './signals.js';
import type { CommandResult } from './result.js';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const;

export interface RunRequest {
  file: string;
  args: string[];
}

/** One word that names a Procfile entry runs that entry; one string runs via `sh -c`; several run as argv. */
export function runRequest(words: readonly string[], entries: readonly { name: string; command: string }[]): RunRequest {
  if (words.length === 1) {
    const word = words[0] as string;
    const entry = entries.find((e) => e.name === word);
    return { file: '/bin/sh', args: ['-c', entry ? entry.command : word] };
  }
  return { file: words[0] as string, args: words.slice(1) };
}

export interface RunFlags extends ProjectFlags {
  logFormat: 'text' | 'json';
  procfileIsDefault?: boolean;
}

/** Signals passed on to the command besides the shutdown ones (which go through onShutdownSignals). */
const PASSED_ON = FORWARDED.filter((signal) => !(SHUTDOWN_SIGNALS as readonly string[]).includes(signal));

export async function runOnce(words: string[], flags: RunFlags): Promise<number> {
  // Without -f, a missing ./Procfile only means there are no process types to run by name.
  const project = loadProject({ ...flags, procfileOptional: flags.procfileIsDefault });
  const session = newSessionId();
  const env = { ...project.env, ...(flags.port === undefined ? {} : { PORT: String(flags.port) }), [SESSION_VARIABLE]: session };
  const request = runRequest(words, project.entries);
  const json = flags.logFormat === 'json';
  // With a terminal on stdin, the command stays in ps-run's process group, the terminal's foreground
  // group: it gets the terminal's Ctrl-C itself and may read the terminal (a group of its own would
  // be stopped by SIGTTIN on its first read). Otherwise it leads a group of its own, and every
  // signal goes to that whole group, so `sh -c 'a; b'` and what it forks get it too.
  const interactive = process.stdin.isTTY === true;
  const watchdog = new Watchdog(session);
  let child: ReturnType<typeof spawn> | undefined;
  const pass = (signal: NodeJS.Signals): void => {
    if (child?.pid === undefined) return;
    if (interactive) child.kill(signal);
    else signalGroup(child.pid, signal);
  };
  // Handlers go in before the spawn: without one, a signal that arrives while the child starts would
  // take ps-run's default action (death) and orphan the child; with one, it is handled once spawn has
  // returned and passed on.
  const removeShutdown = onShutdownSignals({
    // In a terminal, Ctrl-C already reached the command (same group): passing it on would double it.
    stop: (signal) => (signal === 'SIGINT' && interactive ? undefined : pass(signal)),
    kill: () => pass('SIGKILL'),
  });
  const passers = PASSED_ON.map((signal) => {
    const listener = (): void => pass(signal);
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  try {
    child = spawn(request.file, request.args, {
      cwd: project.root,
      env,
      detached: !interactive,
      stdio: ['inherit', json ? 'pipe' : 'inherit', json ? 'pipe' : 'inherit'],
    });
    if (child.pid !== undefined && !interactive) watchdog.watch(child.pid);
    if (json) {
      // With JSON logs the command's output is framed like any process's, under the command's name.
      const name = words.length === 1 && project.entries.some((e) => e.name === words[0]) ? (words[0] as string) : commandName(words);
      const hub = new OutputHub(systemClock);
      hub.subscribe(new LogWriter(new Sink(process.stdout), jsonFormat), { display: true });
      for (const stream of ['stdout', 'stderr'] as const) {
        const pipe = hub.open(name, stream);
        child[stream]?.on('data', (chunk: Buffer) => pipe.data(chunk));
        child[stream]?.on('end', () => pipe.end());
      }
      child.once('close', () => hub.dispose());
    }
    const started = child;
    return await new Promise<number>((resolve, reject) => {
      started.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') reject(new UsageError(`command not found: ${request.file}`));
        else if (error.code === 'EACCES') reject(new UsageError(`permission denied: ${request.file}`));
        else reject(error);
      });
      started.once('exit', (code, signal) => resolve(exitStatus({ code, signal })));
    });
  } finally {
    removeShutdown();
    for (const [signal, listener] of passers) process.off(signal, listener);
    watchdog.close();
  }
}

export function registerRun(program: Command, result: CommandResult): void {
  const command = program
    .command('run')
    .description("run one command with the app's environment (env files; PORT only with -p), and exit with its status")
    .argument('<command...>', 'a Procfile process type, a shell string, or a program and its arguments');
  addProjectOptions(command, 'sets PORT for the command (default: ps-run sets none)');
  command
    .addOption(
      new Option('--log-format <format>', "text (the command's own output, untouched) or json (one JSON object per line)")
        .choices(['text', 'json'])
        .default('text'),
    )
    .passThroughOptions()
    .addHelpText(
      'after',
      `
Examples:
  $ ps-run run 'echo $DATABASE_URL'       one string: run by sh -c
  $ ps-run run node scripts/migrate.js    several words: run as they are, no shell
  $ ps-run run worker                     a Procfile type: its command
  $ ps-run run -- ls -la                  use -- before a command whose words start with -
`,
    )
    .action(async (words: string[], flags: RunFlags, cmd: Command) => {
      result.exitCode = await runOnce(words, { ...flags, procfileIsDefault: cmd.getOptionValueSource('procfile') === 'default' });
    });
}
