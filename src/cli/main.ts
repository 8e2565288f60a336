// Entry point of the CLI: parse argv, run the command, map the outcome to an exit status. The only
// place that prints user errors.
import { CommanderError } from 'commander';
import { UsageError } from '../errors.js';
import { buildProgram } from './program.js';
import type { CommandResult } from './result.js';

export function formatUsageError(error: UsageError): string {
  return `ps-run: ${error.message}${error.hint ? ` (${error.hint})` : ''}\n`;
}

/**
 * A reader that went away (`ps-run help | head`) is not an error worth a stack trace; commands that
 * stream (start, smoke) also notice it through their Sink and stop their processes.
 */
function ignoreEpipe(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EPIPE') throw error;
}

export async function main(argv: readonly string[], stderr: NodeJS.WritableStream = process.stderr): Promise<number> {
  const result: CommandResult = { exitCode: 0, argv };
  // Once per process (main may run many times in one, as in tests), and for good: the EPIPE of a
  // write can arrive after main has returned.
  if (!process.stdout.listeners('error').includes(ignoreEpipe)) process.stdout.on('error', ignoreEpipe);
  const program = buildProgram(result, (text) => stderr.write(text), argv[2]);
  try {
    await program.parseAsync([...argv]);
    return result.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with exit code 0; usage mistakes with 1.
      return error.exitCode === 0 ? 0 : 1;
    }
    if (error instanceof UsageError) {
      stderr.write(formatUsageError(error));
      return 1;
    }
    stderr.write(`ps-run: internal error (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 70;
  }
}
