// `ps-run run <command...>`: one command with the app's environment, stdio attached, signals forwarded.
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { loadBase } from '../project.js';
import { exitStatus } from '../supervisor/policy.js';
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

export async function runOnce(words: string[], flags: ProjectFlags): Promise<number> {
  const base = loadBase(flags);
  const env = flags.port === undefined ? base.env : { ...base.env, PORT: String(flags.port) };
  const request = runRequest(words, base.entries);
  const child = spawn(request.file, request.args, { cwd: base.root, env, stdio: 'inherit' });
  // In a terminal, Ctrl-C already reaches the child (same process group): forwarding it would double it.
  const interactive = process.stdin.isTTY === true;
  const listeners = FORWARDED.map((signal) => {
    const listener = (): void => {
      if (!(signal === 'SIGINT' && interactive)) child.kill(signal);
    };
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') reject(new UsageError(`command not found: ${request.file}`));
        else if (error.code === 'EACCES') reject(new UsageError(`permission denied: ${request.file}`));
        else reject(error);
      });
      child.once('exit', (code, signal) => resolve(exitStatus({ code, signal })));
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
    .action(async (words: string[], flags: ProjectFlags) => {
      result.exitCode = await runOnce(words, flags);
    });
}
