// Procfile text -> entries. Pure: the caller reads the file.
import { UsageError, at, quote } from './errors.js';

export interface ProcfileEntry {
  /** Process type, e.g. `web`. */
  name: string;
  /** Shell command, run with `sh -c`. */
  command: string;
  /** 1-based line in the Procfile. */
  line: number;
}

// The command is everything after the colon, trimmed; checks below reject what `sh -c` could not take.
const ENTRY = /^([A-Za-z0-9_-]+):([\s\S]*)$/;

/** Names a formation gives a meaning of its own (`-m all=2`), so no process type may take them. */
export const RESERVED_NAMES: readonly string[] = ['all'];

/**
 * Where ps-run departs from foreman's and honcho's parsers (which skip every line that does not match
 * `^name:`): a leading byte order mark is dropped (they skip the first entry, as its name starts with
 * U+FEFF), and an indented entry counts (they skip it, which moves the ports of every later type).
 */
export function parseProcfile(text: string, file = 'Procfile'): ProcfileEntry[] {
  const entries: ProcfileEntry[] = [];
  const seen = new Map<string, number>();
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? '').replace(/\r$/, '');
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const line = i + 1;
    const previous = entries.at(-1);
    // `web: cmd \` over two lines, as in a shell script: the second line is not an entry of its own.
    if (previous !== undefined && previous.line === i && previous.command.endsWith('\\') && /^\s/.test(raw)) {
      throw new UsageError(`${at(file, line)}an entry is one line, but line ${i} ends with "\\" and this line continues it`, {
        file,
        line,
        hint: 'join the two lines, or move the command into a script',
      });
    }
    const match = ENTRY.exec(trimmed);
    if (!match) {
      throw new UsageError(`${at(file, line)}expected "name: command" with a name of letters, digits, "_" or "-", got ${quote(trimmed)}`, {
        file,
        line,
      });
    }
    const name = match[1] as string;
    const command = (match[2] as string).trim();
    if (command === '') {
      throw new UsageError(`${at(file, line)}process type "${name}" has no command`, { file, line });
    }
    if (RESERVED_NAMES.includes(name)) {
      throw new UsageError(`${at(file, line)}"${name}" cannot name a process type: in a formation it means every type`, { file, line });
    }
    // A lone \r is a line break to some editors and not to us: the line would not be what the user sees.
    if (command.includes('\r')) {
      throw new UsageError(`${at(file, line)}carriage return (\\r) inside the line, in ${quote(trimmed)}`, {
        file,
        line,
        hint: 'use \\n or \\r\\n line endings',
      });
    }
    if (command.includes('\0')) {
      throw new UsageError(`${at(file, line)}the command of "${name}" contains a NUL byte, which no command can take`, { file, line });
    }
    const first = seen.get(name);
    if (first !== undefined) {
      throw new UsageError(`${at(file, line)}duplicate process type "${name}" (first defined on line ${first})`, { file, line });
    }
    seen.set(name, line);
    entries.push({ name, command, line });
  }
  if (entries.length === 0) {
    throw new UsageError(`${at(file)}no processes defined`, { file, hint: 'add a line such as "web: node server.js"' });
  }
  return entries;
}
