// `ps-run attach <name>`: one instance's recent lines and its pending prompt, then its live output
// untouched, and what you type goes to its stdin. The process keeps running when you detach: Ctrl-]
// (under --tty, where the terminal is raw and every other key goes to the process), Ctrl-C or Ctrl-D
// (a process with a plain stdin: your terminal edits the line and sends it on Enter), end of a piped input.
import type { Command } from 'commander';
import { bytesOf } from '../control/protocol.js';
import { wholeNumber } from './options.js';
import type { CommandResult } from './result.js';
import { addClientOptions, clientFor, type SocketFlags } from './socket.js';

/** Ctrl-], as telnet and docker attach taught a generation. */
export const DETACH_KEY = 0x1d;

/** How the caller detaches, for the first line. */
function detachHint(terminal: boolean, raw: boolean): string {
  if (!terminal) return 'end of input detaches';
  return raw ? 'Ctrl-] detaches' : 'Ctrl-] and Enter, Ctrl-C or Ctrl-D detaches';
}

export async function runAttach(target: string, flags: SocketFlags & { lines: number }): Promise<number> {
  const stdin = process.stdin;
  const terminal = stdin.isTTY === true;
  let raw = false;
  let status = 0;
  let cleanup = (): void => {};
  let detach = (): void => {};
  await clientFor(flags)
    .stream(
      { cmd: 'attach', target, lines: flags.lines, binary: true },
      (reply, close, payload) => {
        if ('ok' in reply) {
          const name = 'names' in reply ? reply.names[0] : target;
          // A process under a terminal edits lines and echoes itself: every key goes to it. A plain
          // stdin reads lines, so the caller's terminal keeps its line mode (echo, editing, Enter sends \n).
          raw = terminal && 'tty' in reply && reply.tty === true;
          if (raw) stdin.setRawMode(true);
          process.stderr.write(`ps-run: attached to ${name}; ${detachHint(terminal, raw)}\n`);
        } else if (reply.kind === 'lines' || reply.kind === 'raw') process.stdout.write(bytesOf(reply, payload));
        else if (reply.kind === 'end') {
          process.stderr.write(`${terminal ? '\n' : ''}ps-run: ${reply.reason}\n`);
          status = 1;
          close();
        }
      },
      undefined,
      (write, close) => {
        detach = (): void => {
          if (terminal) process.stderr.write('\nps-run: detached\n');
          close();
        };
        const onData = (chunk: Buffer): void => {
          const at = terminal ? chunk.indexOf(DETACH_KEY) : -1;
          const data = at === -1 ? chunk : chunk.subarray(0, at);
          if (data.length > 0) write({ cmd: 'input', data: data.toString('base64') });
          if (at !== -1) detach();
        };
        // Ctrl-C in line mode: leave the process running, as Ctrl-] does.
        const onInterrupt = (): void => detach();
        stdin.on('data', onData);
        stdin.once('end', () => detach());
        process.on('SIGINT', onInterrupt);
        cleanup = () => {
          stdin.off('data', onData);
          process.off('SIGINT', onInterrupt);
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
    .description(
      "see one instance's output live and type into its stdin (Ctrl-] detaches under --tty, Ctrl-C or Ctrl-D otherwise; the process keeps running)",
    )
    .argument('<name>', 'the instance, e.g. web.1 (a type with one instance will do)');
  addClientOptions(command)
    .option('-n, --lines <n>', 'recent lines to show first', wholeNumber(0, 1000), 20)
    .action(async (name: string, flags: SocketFlags & { lines: number }) => {
      result.exitCode = await runAttach(name, flags);
    });
}
