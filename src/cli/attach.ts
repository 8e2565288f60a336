// `ps-run attach <name>`: one instance's recent lines, then its live output untouched, and what you type
// goes to its stdin. Ctrl-] detaches (the process keeps running); so does the end of a piped input.
import type { Command } from 'commander';
import { wholeNumber } from './options.js';
import type { CommandResult } from './result.js';
import { addClientOptions, clientFor, type SocketFlags } from './socket.js';

/** Ctrl-], as telnet and docker attach taught a generation. */
export const DETACH_KEY = 0x1d;

export async function runAttach(target: string, flags: SocketFlags & { lines: number }): Promise<number> {
  const stdin = process.stdin;
  const raw = stdin.isTTY === true;
  let status = 0;
  let cleanup = (): void => {};
  await clientFor(flags)
    .stream(
      { cmd: 'attach', target, lines: flags.lines },
      (reply, close) => {
        if ('ok' in reply) {
          const name = 'names' in reply ? reply.names[0] : target;
          process.stderr.write(`ps-run: attached to ${name}; ${raw ? 'Ctrl-] detaches' : 'end of input detaches'}\n`);
        } else if (reply.kind === 'lines' || reply.kind === 'raw') process.stdout.write(Buffer.from(reply.data, 'base64'));
        else if (reply.kind === 'end') {
          process.stderr.write(`ps-run: ${reply.reason}\n`);
          status = 1;
          close();
        }
      },
      undefined,
      (write, close) => {
        const detach = (): void => {
          process.stderr.write('\nps-run: detached\n');
          close();
        };
        const onData = (chunk: Buffer): void => {
          const at = raw ? chunk.indexOf(DETACH_KEY) : -1;
          const data = at === -1 ? chunk : chunk.subarray(0, at);
          if (data.length > 0) write({ cmd: 'input', data: data.toString('base64') });
          if (at !== -1) detach();
        };
        if (raw) stdin.setRawMode(true);
        stdin.on('data', onData);
        stdin.once('end', () => close());
        cleanup = () => {
          stdin.off('data', onData);
          if (raw) stdin.setRawMode(false);
          stdin.pause();
        };
      },
    )
    .finally(() => cleanup());
  return status;
}

export function registerAttach(program: Command, result: CommandResult): void {
  const command = program
    .command('attach')
    .description("see one instance's output live and type into its stdin (Ctrl-] detaches; the process keeps running)")
    .argument('<name>', 'the instance, e.g. web.1 (a type with one instance will do)');
  addClientOptions(command)
    .option('-n, --lines <n>', 'recent lines to show first', wholeNumber(0, 1000), 20)
    .action(async (name: string, flags: SocketFlags & { lines: number }) => {
      result.exitCode = await runAttach(name, flags);
    });
}
