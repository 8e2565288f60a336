// `ps-run status|restart|stop|scale|quit` in the commander program: their arguments and help. What
// they do is client-commands.ts, shared with the quick path.
import type { Command } from 'commander';
import { clientCommands, type ClientCommandName, type ClientFlags } from './client-commands.js';
import type { CommandResult } from './result.js';
import { addClientOptions } from './socket.js';

function run(name: ClientCommandName, result: CommandResult): (args: string[], flags: ClientFlags) => Promise<void> {
  return async (args, flags) => {
    process.stdout.write(await clientCommands[name](args, flags));
    result.exitCode = 0;
  };
}

export function registerStatus(program: Command, result: CommandResult): void {
  const command = program.command('status').description('show the instances of the running ps-run: state, pid, port, readiness, restarts');
  const status = run('status', result);
  addClientOptions(command)
    .option('--json', 'a JSON array with one object per instance')
    .action((flags: ClientFlags) => status([], flags));
}

export function registerRestart(program: Command, result: CommandResult): void {
  const command = program
    .command('restart')
    .description('restart instances of the running ps-run (no back-off); waits until they are up again')
    .argument('[target...]', 'instance (web.2), type (web) or glob (w*); none: everything');
  addClientOptions(command).action(run('restart', result));
}

export function registerStop(program: Command, result: CommandResult): void {
  const command = program
    .command('stop')
    .description('stop instances of the running ps-run; they stay stopped until `ps-run restart <target>`')
    .argument('<target...>', 'instance (web.2), type (web) or glob (w*)');
  addClientOptions(command).action(run('stop', result));
}

export function registerScale(program: Command, result: CommandResult): void {
  const command = program
    .command('scale')
    .description('change how many instances of a type run; new ones take the next ports, the highest-numbered go first')
    .argument('<type=count...>', 'e.g. web=3 worker=0');
  addClientOptions(command).action(run('scale', result));
}

export function registerQuit(program: Command, result: CommandResult): void {
  const command = program.command('quit').description('stop the running ps-run and everything it runs, as Ctrl-C would (it exits 0)');
  const quit = run('quit', result);
  addClientOptions(command).action((flags: ClientFlags) => quit([], flags));
}
