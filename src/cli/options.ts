// Option definitions shared by commands, and parsers that turn a bad value into one clear message.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { RESTART_POLICIES, type RestartPolicy } from '../supervisor/policy.js';
import type { ColorChoice } from '../output/style.js';

export function wholeNumber(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
    if (!(n >= min && n <= max)) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
}

export function seconds(max: number): (value: string) => number {
  return (value) => {
    const n = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value.trim()) : NaN;
    if (!(n >= 0 && n <= max)) throw new InvalidArgumentError(`expected a number of seconds from 0 to ${max}`);
    return n;
  };
}

export function restartPolicy(value: string): RestartPolicy {
  if (!(RESTART_POLICIES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${RESTART_POLICIES.join(', ')}`);
  }
  return value as RestartPolicy;
}

/** Options common to every command that reads the Procfile. */
export interface ProjectFlags {
  procfile?: string;
  root?: string;
  env?: string;
  port?: number;
  portStep?: number;
}

const PORT_HELP = 'base port (default: PORT from env files, then the environment, then 5000)';

/** -f, -d, -e, -p, --port-step; `portHelp` for a command whose -p means something else (run). */
export function addProjectOptions(command: Command, portHelp = PORT_HELP): Command {
  return command
    .option('-f, --procfile <path>', 'Procfile to read', 'Procfile')
    .option('-d, --root <dir>', "working directory of every process (default: the Procfile's directory)")
    .option('-e, --env <files>', 'comma-separated env files (default: .env in the root, if present)')
    .option('-p, --port <port>', portHelp, wholeNumber(1, 65535))
    .option('--port-step <n>', 'ports between process types', wholeNumber(1, 65535), 100);
}

export function addFormationOption(command: Command): Command {
  return command.option('-m, --formation <spec>', 'instances per type, e.g. all=2,worker=0 (types not named get "all", default 1)');
}

export interface OutputFlags {
  timestamp: boolean;
  color?: boolean;
  logFormat: 'text' | 'json';
}

export function addOutputOptions(command: Command): Command {
  return (
    command
      .option('--no-timestamp', 'leave the HH:MM:SS time out of each line')
      // The positive form too, as foreman has it: it wins over `timestamp: false` in .foreman.
      .option('--timestamp', 'show the time (the default)')
      .option('-c, --color', 'force colors even when output is not a terminal')
      .option('--no-color', 'no colors (also when NO_COLOR is set)')
      .addOption(
        new Option('--log-format <format>', 'text, or json for one JSON object per line').choices(['text', 'json']).default('text'),
      )
  );
}

export function colorChoice(flags: OutputFlags): ColorChoice {
  return flags.color === undefined ? 'auto' : flags.color ? 'always' : 'never';
}
