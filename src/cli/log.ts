// The log's look, from the output flags: colors (decided before the children's env is built, for
// FORCE_COLOR) and the block formatter for text or JSON.
import { supportsColor } from 'chalk';
import { jsonFormat, textFormat } from '../output/formats.js';
import { colorLevel, makeColorizer } from '../output/style.js';
import type { BlockFormatter } from '../output/writer.js';
import { colorChoice, type OutputFlags } from './options.js';

/** Whether the log will be colored, decided before the children's env is built (for FORCE_COLOR). */
export function logColorLevel(flags: OutputFlags, env: NodeJS.ProcessEnv): 0 | 1 | 2 | 3 {
  if (flags.logFormat === 'json') return 0;
  return colorLevel(colorChoice(flags), env, supportsColor ? supportsColor.level : 0);
}

/** FORCE_COLOR for children while ps-run's own output is colored (unless NO_COLOR is set). */
export function colorEnv(level: number, env: NodeJS.ProcessEnv): Record<string, string> {
  if (level === 0 || (env.NO_COLOR !== undefined && env.NO_COLOR !== '')) return {};
  return { FORCE_COLOR: String(level) };
}

export function logFormat(
  flags: OutputFlags,
  options: { names: readonly string[]; types: readonly string[]; level: 0 | 1 | 2 | 3 },
): BlockFormatter {
  return flags.logFormat === 'json'
    ? jsonFormat
    : textFormat({ names: options.names, timestamps: flags.timestamp, colorize: makeColorizer(options.level, options.types) });
}
