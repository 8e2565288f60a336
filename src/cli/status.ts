// `ps-run status [--json]`: the running ps-run's instances, from its control socket.
import type { Command } from 'commander';
import { statusTable } from '../output/status-table.js';
import type { CommandResult } from './result.js';
import { addClientOptions, clientFor, type SocketFlags } from './socket.js';

export function registerStatus(program: Command, result: CommandResult): void {
  const command = program.command('status').description('show the instances of the running ps-run: state, pid, port, readiness, restarts');
  addClientOptions(command)
    .option('--json', 'a JSON array with one object per instance')
    .action(async (flags: SocketFlags & { json?: boolean }) => {
      const reply = await clientFor(flags).request({ cmd: 'status' });
      if (!('instances' in reply)) throw new Error('status answered without instances');
      process.stdout.write(flags.json ? `${JSON.stringify(reply.instances, null, 2)}\n` : statusTable(reply.info, reply.instances));
      result.exitCode = 0;
    });
}
