// Entry point of the full CLI: parse argv with commander, run the command, map the outcome to an exit
// status (user errors are printed by exit.ts, shared with the quick client path).
import { CommanderError } from 'commander';
import { recordOutputFailures, reportFailure } from './exit.js';
import { buildProgram } from './program.js';
import type { CommandResult } from './result.js';

// The launcher's exit, for bin/ps-run.js when the full CLI ran.
export { exitWhenFlushed } from './exit.js';

export async function main(argv: readonly string[], stderr: NodeJS.WritableStream = process.stderr): Promise<number> {
  const result: CommandResult = { exitCode: 0, argv };
  recordOutputFailures();
  const program = buildProgram(result, (text) => stderr.write(text), argv[2]);
  try {
    await program.parseAsync([...argv]);
    return result.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with exit code 0; usage mistakes with 1.
      return error.exitCode === 0 ? 0 : 1;
    }
    return reportFailure(error, stderr);
  }
}
