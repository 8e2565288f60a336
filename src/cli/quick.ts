// The quick path: `ps-run status|restart|stop|scale|quit` with plain arguments run from a small bundle
// (dist/ps-run-quick.cjs) that loads neither commander nor the runtime, so a control command costs
// Node's own start-up and one request. Anything it does not recognise (help, another command, an
// option it does not know, `--`) goes to the full CLI, which says what is wrong exactly as before.
import { clientCommands, type ClientCommandName, type ClientFlags } from './client-commands.js';
import { exitWhenFlushed, recordOutputFailures, reportFailure } from './exit.js';

export interface QuickCall {
  command: ClientCommandName;
  args: string[];
  flags: ClientFlags;
}

/** How many positional arguments each command takes, at least and at most. */
const POSITIONALS: Record<ClientCommandName, { min: number; max: number }> = {
  status: { min: 0, max: 0 },
  restart: { min: 0, max: Infinity },
  stop: { min: 1, max: Infinity },
  scale: { min: 1, max: Infinity },
  quit: { min: 0, max: 0 },
};

/** The commands the quick path knows (bin/ps-run.js sends only these to it). */
export const QUICK_COMMANDS = Object.keys(POSITIONALS);

const VALUE_OPTIONS: Record<string, 'procfile' | 'socket'> = {
  '-f': 'procfile',
  '--procfile': 'procfile',
  '-s': 'socket',
  '--socket': 'socket',
};

/** argv (node, script, command, ...) as a quick call, or undefined when the full CLI must see it. */
export function parseQuick(argv: readonly string[]): QuickCall | undefined {
  const command = argv[2];
  if (command === undefined || !Object.hasOwn(POSITIONALS, command)) return undefined;
  const name = command as ClientCommandName;
  const flags: ClientFlags = {};
  const args: string[] = [];
  for (let i = 3; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-')) {
      args.push(arg);
      continue;
    }
    if (arg === '--json' && name === 'status') {
      flags.json = true;
      continue;
    }
    const equals = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const option = equals > 0 ? arg.slice(0, equals) : arg;
    const key = VALUE_OPTIONS[option];
    if (key === undefined) return undefined;
    const value = equals > 0 ? arg.slice(equals + 1) : argv[++i];
    // A missing value, or one that looks like an option: commander's message is the one to give.
    if (value === undefined || value === '' || (equals < 0 && value.startsWith('-'))) return undefined;
    flags[key] = value;
  }
  const { min, max } = POSITIONALS[name];
  return args.length < min || args.length > max ? undefined : { command: name, args, flags };
}

/** Runs a quick call; resolves with the exit status (user mistakes as one `ps-run:` line, as in main). */
export async function runQuick(call: QuickCall, stderr: NodeJS.WritableStream = process.stderr): Promise<number> {
  recordOutputFailures();
  try {
    process.stdout.write(await clientCommands[call.command](call.args, call.flags));
    return 0;
  } catch (error) {
    return reportFailure(error, stderr);
  }
}

/** The launcher (bin/ps-run.js): the quick path when it applies, otherwise `runFull` (the full CLI). */
export function launch(argv: readonly string[], runFull: () => void): void {
  const call = parseQuick(argv);
  if (call) void runQuick(call).then((code) => exitWhenFlushed(code));
  else runFull();
}
