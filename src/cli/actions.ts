// `ps-run restart|stop|scale|quit`: one request to the running ps-run, one line of answer.
import type { Command } from 'commander';
import { parseScale } from '../runtime/targets.js';
import { dial } from '../control/client.js';
import type { Request } from '../control/protocol.js';
import type { CommandResult } from './result.js';
import { addClientOptions, clientFor, type SocketFlags } from './socket.js';

async function act(flags: SocketFlags, request: Request): Promise<string[]> {
  const reply = await clientFor(flags).request(request);
  return 'names' in reply ? reply.names : [];
}

export function registerRestart(program: Command, result: CommandResult): void {
  const command = program
    .command('restart')
    .description('restart instances of the running ps-run (no back-off); waits until they are up again')
    .argument('[target...]', 'instance (web.2), type (web) or glob (w*); none: everything');
  addClientOptions(command).action(async (targets: string[], flags: SocketFlags) => {
    const names = await act(flags, { cmd: 'restart', targets, by: 'ps-run restart' });
    process.stdout.write(`restarted ${names.join(', ')}\n`);
    result.exitCode = 0;
  });
}

export function registerStop(program: Command, result: CommandResult): void {
  const command = program
    .command('stop')
    .description('stop instances of the running ps-run; they stay stopped until `ps-run restart <target>`')
    .argument('<target...>', 'instance (web.2), type (web) or glob (w*)');
  addClientOptions(command).action(async (targets: string[], flags: SocketFlags) => {
    const names = await act(flags, { cmd: 'stop', targets, by: 'ps-run stop' });
    process.stdout.write(`stopped ${names.join(', ')}\n`);
    result.exitCode = 0;
  });
}

export function registerScale(program: Command, result: CommandResult): void {
  const command = program
    .command('scale')
    .description('change how many instances of a type run; new ones take the next ports, the highest-numbered go first')
    .argument('<type=count...>', 'e.g. web=3 worker=0');
  addClientOptions(command).action(async (items: string[], flags: SocketFlags) => {
    const counts = Object.fromEntries(parseScale(items));
    const reply = await clientFor(flags).request({ cmd: 'scale', counts, by: 'ps-run scale' });
    const added = 'names' in reply ? reply.names : [];
    const removed = 'removed' in reply ? (reply.removed ?? []) : [];
    const parts = [...(added.length ? [`started ${added.join(', ')}`] : []), ...(removed.length ? [`stopped ${removed.join(', ')}`] : [])];
    process.stdout.write(`${parts.length ? parts.join('; ') : 'nothing to change'}\n`);
    result.exitCode = 0;
  });
}

export function registerQuit(program: Command, result: CommandResult): void {
  const command = program.command('quit').description('stop the running ps-run and everything it runs, as Ctrl-C would (it exits 0)');
  addClientOptions(command).action(async (flags: SocketFlags) => {
    const client = clientFor(flags);
    await client.request({ cmd: 'quit', by: 'ps-run quit' });
    // Done when the ps-run is gone: its socket no longer answers.
    while (await dial(client.path)) await new Promise((resolve) => setTimeout(resolve, 50));
    result.exitCode = 0;
  });
}
