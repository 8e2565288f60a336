// `-s, --socket` for every command that starts a ps-run or talks to one: by default the path derived
// from the Procfile's absolute path, so the same -f in the same directory finds the same ps-run.
import path from 'node:path';
import type { Command } from 'commander';
import { ControlClient } from '../control/client.js';
import { socketPathFor } from '../control/socket-path.js';

export interface SocketFlags {
  procfile?: string;
  socket?: string;
}

export function socketFor(flags: SocketFlags): { path: string; label: string } {
  const procfile = path.resolve(flags.procfile ?? 'Procfile');
  const relative = path.relative(process.cwd(), procfile);
  const label = relative.startsWith('..') || path.isAbsolute(relative) ? procfile : `./${relative}`;
  return { path: flags.socket ? path.resolve(flags.socket) : socketPathFor(procfile), label };
}

export function addSocketOption(command: Command): Command {
  return command.option('-s, --socket <path>', `control socket (default for ./Procfile here: ${socketPathFor(path.resolve('Procfile'))})`);
}

/** Options of the commands that talk to a running ps-run (`logs` keeps -f for --follow: long form only). */
export function addClientOptions(command: Command, shortProcfile = true): Command {
  command.option(`${shortProcfile ? '-f, ' : ''}--procfile <path>`, 'the Procfile the running ps-run was started with', 'Procfile');
  return addSocketOption(command);
}

export function clientFor(flags: SocketFlags): ControlClient {
  const { path: socketPath, label } = socketFor(flags);
  return new ControlClient(socketPath, label);
}
