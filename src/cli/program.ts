// The commander program: every command registered in one visible place.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { oneLine } from '../errors.js';
import { registerQuit, registerRestart, registerScale, registerStatus, registerStop } from './actions.js';
import { registerAttach } from './attach.js';
import { registerCheck } from './check.js';
import { registerLogs } from './logs.js';
import { registerExport } from './export.js';
import type { CommandResult } from './result.js';
import { registerRun } from './run.js';
import { registerSmoke } from './smoke.js';
import { registerStart } from './start.js';

/** The version in package.json, found from dist/cli/ (modules) or dist/ (the bundled CLI). */
export function packageVersion(): string {
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'ps-run') return pkg.version;
    } catch {
      // not at this level
    }
  }
  return 'unknown';
}

const COMMANDS: Record<string, (program: Command, result: CommandResult) => void> = {
  start: registerStart,
  smoke: registerSmoke,
  check: registerCheck,
  run: registerRun,
  export: registerExport,
  status: registerStatus,
  restart: registerRestart,
  stop: registerStop,
  scale: registerScale,
  logs: registerLogs,
  attach: registerAttach,
  quit: registerQuit,
};

/**
 * The program with every command, or with only `only` when argv names a command: the others' options
 * would be built for nothing (a couple of milliseconds of start-up). Help, errors and suggestions for
 * anything else see them all.
 */
export function buildProgram(result: CommandResult, writeErr: (text: string) => void, only?: string): Command {
  const program = new Command('ps-run')
    .description('Run the processes of a Procfile: a port per process type, one merged log, restarts with back-off, clean shutdown.')
    .version(packageVersion(), '-V, --version')
    .enablePositionalOptions()
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeErr,
      // Commander's own messages become one `ps-run:` line like every other user error.
      // Commander quotes what was typed (line breaks too) and puts "(Did you mean ...?)" on a line of its own.
      outputError: (message, write) =>
        write(
          `ps-run: ${oneLine(
            message
              .replace(/^error: /, '')
              .trimEnd()
              .replace(/\n(?=\(Did you mean)/, ' '),
          )}\n`,
        ),
    })
    .addHelpText(
      'after',
      `
Examples:
  $ ps-run start                   run every process type of ./Procfile
  $ ps-run start web=2 -p 8000     two web instances on ports 8000 and 8001
  $ ps-run check                   validate the Procfile and show the ports
  $ ps-run run -p 9000 'echo $PORT'
  $ ps-run help start
`,
    );
  const single = only !== undefined && Object.hasOwn(COMMANDS, only) ? only : undefined;
  for (const [name, register] of Object.entries(COMMANDS)) if (single === undefined || name === single) register(program, result);
  return program;
}
