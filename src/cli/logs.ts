// `ps-run logs [-f] [-n N] [target...]`: the last lines of chosen instances from the running ps-run,
// prefixed as in its log; -f follows until Ctrl-C. Lines come as bytes; this side formats them.
import type { Command } from 'commander';
import { bytesOf } from '../control/protocol.js';
import { Sink } from '../output/sink.js';
import { LogWriter } from '../output/writer.js';
import { logColorLevel, logFormat } from './log.js';
import { addOutputOptions, wholeNumber, type OutputFlags } from './options.js';
import type { CommandResult } from './result.js';
import { onShutdownSignals } from './signals.js';
import { addClientOptions, clientFor, type SocketFlags } from './socket.js';

interface LogsFlags extends SocketFlags, OutputFlags {
  lines: number;
  follow?: boolean;
}

const typeOf = (name: string): string => (name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : name);

export async function runLogs(targets: string[], flags: LogsFlags): Promise<number> {
  const client = clientFor(flags);
  let writer: LogWriter | undefined;
  let status = 0;
  let close: (() => void) | undefined;
  const dispose = onShutdownSignals({
    stop: (_signal, signalled) => {
      status = signalled;
      close?.();
    },
    kill: () => close?.(),
  });
  try {
    await client.stream(
      { cmd: 'logs', targets, lines: flags.lines, follow: flags.follow === true, binary: true },
      (reply, end, payload) => {
        close = end;
        if ('ok' in reply) {
          const names = 'names' in reply ? reply.names : [];
          const types = [...new Set(names.map(typeOf))];
          const sink = new Sink(process.stdout, { closed: () => end() });
          writer = new LogWriter(sink, logFormat(flags, { names, types, level: logColorLevel(flags, process.env) }));
        } else if (reply.kind === 'lines') {
          writer?.lines(reply.name, reply.stream as 'stdout', bytesOf(reply, payload), reply.time);
        } else if (reply.kind === 'dropped') {
          process.stderr.write(`ps-run: ${reply.count} lines dropped (this reader fell behind)\n`);
        } else if (reply.kind === 'end') end();
      },
      undefined,
      (_write, end) => (close = end),
    );
  } finally {
    dispose();
  }
  return status;
}

export function registerLogs(program: Command, result: CommandResult): void {
  const command = program
    .command('logs')
    .description('print the last lines of instances of the running ps-run, prefixed as in its log; -f to follow')
    .argument('[target...]', 'instance (web.2), type (web) or glob (w*); none: every instance');
  addClientOptions(command, false)
    .option(
      '-n, --lines <n>',
      'how many of the last lines of each instance (it keeps 1,000 and at most 1 MiB each)',
      wholeNumber(0, 1000),
      100,
    )
    .option('-f, --follow', 'keep printing new lines until Ctrl-C');
  addOutputOptions(command)
    .addHelpText(
      'after',
      `
Examples:
  $ ps-run logs                 the last 100 lines of every instance
  $ ps-run logs -n 20 web.1     the last 20 lines of web.1
  $ ps-run logs -f worker       follow every worker
`,
    )
    .action(async (targets: string[], flags: LogsFlags) => {
      result.exitCode = await runLogs(targets, flags);
    });
}
