// What `ps-run status|restart|stop|scale|quit` do, without commander: one request to the running
// ps-run and the text to print. The commander program (actions.ts) and the quick path
// (quick.ts) both run these, so the two cannot drift apart.
import { dial } from '../control/client.js';
import { statusTable } from '../output/status-table.js';
import { parseScale } from '../runtime/targets.js';
import { clientFor, type SocketFlags } from './socket.js';

export interface ClientFlags extends SocketFlags {
  /** status only: a JSON array instead of the table. */
  json?: boolean;
}

/** Runs the command with its positional arguments; resolves with what to print on stdout. */
export type ClientCommand = (args: string[], flags: ClientFlags) => Promise<string>;

async function namesOf(flags: ClientFlags, cmd: 'restart' | 'stop', targets: string[]): Promise<string[]> {
  const reply = await clientFor(flags).request({ cmd, targets, by: `ps-run ${cmd}` });
  return 'names' in reply ? reply.names : [];
}

export const clientCommands = {
  status: async (_args, flags) => {
    const reply = await clientFor(flags).request({ cmd: 'status' });
    if (!('instances' in reply)) throw new Error('status answered without instances');
    return flags.json ? `${JSON.stringify(reply.instances, null, 2)}\n` : statusTable(reply.info, reply.instances);
  },
  restart: async (targets, flags) => `restarted ${(await namesOf(flags, 'restart', targets)).join(', ')}\n`,
  stop: async (targets, flags) => `stopped ${(await namesOf(flags, 'stop', targets)).join(', ')}\n`,
  scale: async (items, flags) => {
    const counts = Object.fromEntries(parseScale(items));
    const reply = await clientFor(flags).request({ cmd: 'scale', counts, by: 'ps-run scale' });
    const added = 'names' in reply ? reply.names : [];
    const removed = 'removed' in reply ? (reply.removed ?? []) : [];
    const parts = [...(added.length ? [`started ${added.join(', ')}`] : []), ...(removed.length ? [`stopped ${removed.join(', ')}`] : [])];
    return `${parts.length ? parts.join('; ') : 'nothing to change'}\n`;
  },
  quit: async (_args, flags) => {
    const client = clientFor(flags);
    await client.request({ cmd: 'quit', by: 'ps-run quit' });
    // Done when the ps-run is gone: its socket no longer answers.
    while (await dial(client.path)) await new Promise((resolve) => setTimeout(resolve, 50));
    return '';
  },
} satisfies Record<string, ClientCommand>;

export type ClientCommandName = keyof typeof clientCommands;
