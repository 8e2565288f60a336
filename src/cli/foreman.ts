// Reads `.foreman` from the current directory and gives its values to a command's options that the
// user did not pass, so the command line always wins (as in foreman).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { decodeUtf8 } from '../env.js';
import { UsageError } from '../errors.js';
import { parseForemanFile, type ForemanDefault } from '../foreman-file.js';

export interface ForemanReport {
  /** Absolute path of the `.foreman` that was read. */
  file: string;
  /** Values given to options the user did not pass. */
  applied: ForemanDefault[];
  /** Values the command line overrode. */
  overridden: ForemanDefault[];
  /** Values for options this command does not have (`timeout` for `check`), and export-only keys. */
  unused: { key: string; line: number }[];
}

/** Reads a file's bytes, or undefined when there is no such file. The edge, passed in by tests. */
export type ReadBytes = (file: string) => Buffer | undefined;

const readIfPresent: ReadBytes = (file) => {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // foreman reads .foreman only when it is a file.
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return undefined;
    throw new UsageError(`cannot read ${file}: ${code ?? String(error)}`, { cause: error });
  }
};

/**
 * One call for a command's action: applies `.foreman` (if there is one in `cwd`) to `command`'s
 * options and returns the options as they now are, with what came from the file.
 */
export function applyForemanDefaults<Flags>(
  command: Command,
  cwd: string = process.cwd(),
  read: ReadBytes = readIfPresent,
  /** Where a command names a foreman option differently (smoke's grace period is --kill-timeout). */
  rename: Readonly<Partial<Record<string, string>>> = {},
): { flags: Flags; foreman: ForemanReport | undefined } {
  const file = path.join(cwd, '.foreman');
  const bytes = read(file);
  if (bytes === undefined) return { flags: command.opts<Flags & object>(), foreman: undefined };
  const parsed = parseForemanFile(decodeUtf8(bytes, file), file);
  const report: ForemanReport = { file, applied: [], overridden: [], unused: [...parsed.ignored] };
  for (const entry of parsed.defaults) {
    const option = rename[entry.option] ?? entry.option;
    const known = command.options.some((o) => o.attributeName() === option);
    const source = command.getOptionValueSource(option);
    if (!known) report.unused.push({ key: entry.key, line: entry.line });
    else if (source === undefined || source === 'default') {
      command.setOptionValueWithSource(option, entry.value, 'config');
      report.applied.push(entry);
    } else report.overridden.push(entry);
  }
  return { flags: command.opts<Flags & object>(), foreman: report };
}

/** Lines for `check`: which defaults came from `.foreman`, and which were not used. */
export function describeForeman(report: ForemanReport): string {
  const list = (entries: readonly { key: string; line: number }[]): string => entries.map((e) => `${e.key} (line ${e.line})`).join(', ');
  const lines = [
    report.applied.length === 0
      ? `defaults from ${report.file}: none used`
      : `defaults from ${report.file}: ${report.applied.map((e) => `${e.key}=${String(e.value)}${e.key === e.option ? '' : ` (as ${e.option})`}`).join(', ')}`,
  ];
  if (report.overridden.length > 0) lines.push(`  overridden on the command line: ${list(report.overridden)}`);
  if (report.unused.length > 0) lines.push(`  not used by this command: ${list(report.unused)}`);
  return lines.join('\n') + '\n';
}
