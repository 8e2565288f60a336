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
import { exitStatus } from '../supervisor/policy.js';
import { commandName } from './smoke.js';
import { addProjectOptions, type ProjectFlags } from './options.js';
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

export async function runOnce(words: string[], flags: RunFlags): Promise<number> {
  // Without -f, a missing ./Procfile only means there are no process types to run by name.
  const project = loadProject({ ...flags, procfileOptional: flags.procfileIsDefault });
  const env = flags.port === undefined ? project.env : { ...project.env, PORT: String(flags.port) };
  const request = runRequest(words, project.entries);
  const json = flags.logFormat === 'json';
  // Handlers go in before the spawn: without one, a signal that arrives while the child starts would
  // take ps-run's default action (death) and orphan the child; with one, it is handled once spawn has
  // returned and forwarded. In a terminal, Ctrl-C already reaches the child (same process group):
  // forwarding it would double it.
  const interactive = process.stdin.isTTY === true;
  let child: ReturnType<typeof spawn> | undefined;
  const listeners = FORWARDED.map((signal) => {
    const listener = (): void => {
      if (signal === 'SIGINT' && interactive) return;
      child?.kill(signal);
    };
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  try {
    child = spawn(request.file, request.args, {
      cwd: project.root,
      env,
      stdio: ['inherit', json ? 'pipe' : 'inherit', json ? 'pipe' : 'inherit'],
    });
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
    for (const [signal, listener] of listeners) process.off(signal, listener);
  }
}

export function registerRun(program: Command, result: CommandResult): void {
  const command = program
    .command('run')
    .description("run one command with the app's environment (env files; PORT only with -p), and exit with its status")
    .argument('<command...>', 'a Procfile process type, a shell string, or a program and its arguments');
  addProjectOptions(command);
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
