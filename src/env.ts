// Env files -> variables (parsed by dotenv), and the precedence between sources. Pure but for `readEnvFiles`.
// dotenv passes over what it cannot read without a word; `checkEnvText` turns each such line into an error.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { UsageError, at, quote } from './errors.js';

let dotenvParse: ((text: string) => Record<string, string>) | undefined;

/**
 * dotenv's own parser, loaded on first use: a run without env files does not pay for loading it
 * (it pulls in node:crypto for its vault feature).
 */
export function parseDotenv(text: string): Record<string, string> {
  dotenvParse ??= (createRequire(import.meta.url)('dotenv') as typeof import('dotenv')).parse;
  return dotenvParse(text);
}

export interface EnvFile {
  path: string;
  /** A file the user named must exist; the default `.env` may be missing. */
  required: boolean;
}

export interface LoadedEnvFile {
  path: string;
  text: string;
}

export type Env = Record<string, string>;

/** The env files to read: those named in `-e` (comma-separated, relative to cwd), or `.env` in the root. */
export function envFilesFor(option: string | undefined, root: string, cwd: string): EnvFile[] {
  if (option === undefined) return [{ path: path.join(root, '.env'), required: false }];
  return option
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '')
    .map((name) => ({ path: path.resolve(cwd, name), required: true }));
}

/**
 * UTF-8 bytes -> text; bytes that are not UTF-8 are an error at their line, not U+FFFD in a value.
 * A UTF-8 byte order mark (Notepad and PowerShell write one) is dropped; UTF-16 is named as such.
 * `label` names what the file is for in messages (`Procfile`).
 */
export function decodeUtf8(bytes: Uint8Array, file: string, label?: string): string {
  const utf16 = utf16Order(bytes);
  if (utf16 !== undefined) {
    throw new UsageError(`${label === undefined ? '' : `${label} `}${file} is UTF-16 (${utf16}); save it as UTF-8`, {
      file,
      hint: 'PowerShell 5 writes UTF-16 with ">"; use Out-File -Encoding utf8',
    });
  }
  try {
    // ignoreBOM false (the default) means the decoder consumes a leading byte order mark.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    let good = 0;
    for (let end = bytes.length; good < end;) {
      // Binary search for the longest prefix that decodes: the first bad byte is right after it.
      const mid = Math.ceil((good + end) / 2);
      if (decodes(bytes.subarray(0, mid))) good = mid;
      else end = mid - 1;
    }
    const line = bytes.subarray(0, good).filter((b) => b === 0x0a).length + 1;
    throw new UsageError(`${at(file, line)}not valid UTF-8 (byte ${good + 1} of the file)`, { file, line, hint: 'save the file as UTF-8' });
  }
}

/**
 * 'little-endian' or 'big-endian' when the bytes look like UTF-16: a UTF-16 byte order mark, or
 * (without one) a NUL in every other byte of the start while the bytes between are not NUL, as
 * ASCII text is in UTF-16. Text in UTF-8 has no NUL bytes at all.
 */
export function utf16Order(bytes: Uint8Array): 'little-endian' | 'big-endian' | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'little-endian';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'big-endian';
  const pairs = Math.min(Math.floor(bytes.length / 2), 64);
  if (pairs < 2) return undefined;
  let low = 0; // pairs like "w\0": little-endian ASCII
  let high = 0; // pairs like "\0w": big-endian ASCII
  for (let i = 0; i < pairs; i++) {
    const a = bytes[2 * i] as number;
    const b = bytes[2 * i + 1] as number;
    if (a !== 0 && b === 0) low++;
    else if (a === 0 && b !== 0) high++;
  }
  if (low === pairs) return 'little-endian';
  if (high === pairs) return 'big-endian';
  return undefined;
}

function decodes(bytes: Uint8Array): boolean {
  try {
    // stream: true lets a prefix end inside a character without counting as an error.
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/** Largest Procfile or env file ps-run reads: far beyond any real one, and reading stops there. */
export const MAX_INPUT_BYTES = 1024 * 1024;

/**
 * A FIFO with no writer blocks open() for ever (and a socket cannot be read as a file): only regular
 * files, directories (their own error follows) and character devices (`--env /dev/null`, as foreman's
 * bin/dev passes; /dev/zero meets the size limit) are opened. A missing file goes on to open's ENOENT.
 */
function refuseUnreadable(file: string, what: string): void {
  let stat;
  try {
    stat = statSync(file);
  } catch {
    return;
  }
  if (stat.isFile() || stat.isDirectory() || stat.isCharacterDevice()) return;
  const kind = stat.isFIFO() ? 'a FIFO (named pipe)' : stat.isSocket() ? 'a socket' : 'a block device';
  throw new UsageError(`${what} ${file} is ${kind}: ps-run reads only regular files`, { hint: 'write it to a file first' });
}

/**
 * The bytes of `file`, read at most `MAX_INPUT_BYTES` + 1 bytes far, so that /dev/zero or an endless
 * pipe is refused instead of read for ever. `what` names the file in the error ("Procfile", "env file").
 */
export function readFileBounded(file: string, what: string): Buffer {
  refuseUnreadable(file, what);
  const fd = openSync(file, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(64 * 1024);
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      chunks.push(chunk.subarray(0, read));
      total += read;
      if (total > MAX_INPUT_BYTES) throw new UsageError(`${what} ${file} is larger than 1 MiB, the most ps-run reads`);
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

export function readEnvFiles(
  files: readonly EnvFile[],
  read: (file: string) => string = (f) => decodeUtf8(readFileBounded(f, 'env file'), f),
): LoadedEnvFile[] {
  const loaded: LoadedEnvFile[] = [];
  for (const file of files) {
    try {
      loaded.push({ path: file.path, text: read(file.path) });
    } catch (error) {
      if (error instanceof UsageError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (!file.required && code === 'ENOENT') continue;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? String(error));
      throw new UsageError(`cannot read env file ${file.path}: ${why}`, { file: file.path, cause: error });
    }
  }
  return loaded;
}

/** Variables of every file, later files overriding earlier ones; a line dotenv would skip or misread is an error. */
export function parseEnvFiles(files: readonly LoadedEnvFile[]): Env {
  const vars: Env = {};
  for (const file of files) {
    checkEnvText(file.text, file.path);
    Object.assign(vars, parseDotenv(file.text));
  }
  return vars;
}

/** One assignment as dotenv reads it, with its place in the text (after dotenv's `\r\n?` -> `\n`). */
export interface EnvAssignment {
  key: string;
  /** The value as written: quotes, escapes and surrounding blanks included; '' when there is none. */
  raw: string;
  /** 1-based line of the key. */
  line: number;
  /** Offsets of the whole match in the normalized text (what `parse(text.slice(start, end))` reads alone). */
  start: number;
  end: number;
}

// dotenv 17's line grammar (lib/main.js `LINE`), piece by piece; a test compares the two on random text.
const KEY = String.raw`(?:export\s+)?([\w.-]+)`;
const SEPARATOR = String.raw`(?:\s*=\s*?|:\s+?)`;
const QUOTED = ["'", '"', '`'].map((q) => String.raw`\s*${q}(?:\\${q}|[^${q}])*${q}`);
const UNQUOTED = String.raw`[^#\r\n]+`;
const TRAILER = String.raw`\s*(?:#.*)?$`;
const ASSIGNMENT = new RegExp(String.raw`^\s*${KEY}${SEPARATOR}(${[...QUOTED, UNQUOTED].join('|')})?${TRAILER}`, 'dgm');

/** Text as dotenv sees it: `\r\n` and lone `\r` are line breaks. */
export function normalizeEnvText(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/** The assignments dotenv finds in `text`, in order, found the way dotenv finds them. */
export function scanEnvText(text: string): EnvAssignment[] {
  const normalized = normalizeEnvText(text);
  const lineAt = lineCounter(normalized);
  const found: EnvAssignment[] = [];
  for (const match of normalized.matchAll(ASSIGNMENT)) {
    const [keyStart] = match.indices?.[1] ?? [match.index];
    found.push({
      key: match[1] as string,
      raw: match[2] ?? '',
      line: lineAt(keyStart),
      start: match.index,
      end: match.index + match[0].length,
    });
  }
  return found;
}

/**
 * Throws a UsageError at the first line of `text` that dotenv would skip or misread:
 * - a line that is not blank, a `#` comment or `KEY=value` (`FOO BAR`, `=value`, `FOO`);
 * - an assignment spread over lines outside quotes (`FOO` then `=bar`; `FOO=` then `"bar"`);
 * - a value that opens a quote it does not close (dotenv keeps the quote as text);
 * - U+2028/U+2029 outside quotes (line breaks to dotenv, not to editors);
 * - `__proto__` (dotenv drops it), and a NUL byte in a value (no process can take it).
 */
export function checkEnvText(text: string, file: string): void {
  const normalized = normalizeEnvText(text);
  const lines = normalized.split('\n');
  const lineAt = lineCounter(normalized);
  const fail = (line: number, message: string, hint?: string): UsageError =>
    new UsageError(`${at(file, line)}${message}`, { file, line, hint });
  const notAssignment = (line: number): UsageError =>
    fail(line, `expected KEY=value with a KEY of letters, digits, "_", "." or "-", got ${quote((lines[line - 1] ?? '').trim())}`);
  const separators = (from: number, to: number): void => {
    const found = LINE_SEPARATOR.exec(normalized.slice(from, to));
    if (found) throw fail(lineAt(from + found.index), 'U+2028/U+2029 (a line separator) outside quotes', 'remove it, or quote the value');
  };
  let covered = 0;
  for (const match of normalized.matchAll(ASSIGNMENT)) {
    skipped(normalized.slice(covered, match.index), covered, lineAt, notAssignment);
    separators(covered, match.index);
    covered = match.index + match[0].length;
    const key = match[1] as string;
    const [keyStart, keyEnd] = match.indices?.[1] ?? [match.index, match.index];
    const line = lineAt(keyStart);
    // Where the match starts (`export`), the separator, and the value must all be on the key's line.
    const begin = firstNonBlank(normalized, match.index);
    if (lineAt(begin) !== line) throw notAssignment(lineAt(begin));
    if (lineAt(firstNonBlank(normalized, keyEnd)) !== line) throw notAssignment(line);
    const [valueStart, valueEnd] = match.indices?.[2] ?? [covered, covered];
    const valueLine = lineAt(firstNonBlank(normalized, valueStart));
    if (valueStart < valueEnd && valueLine !== line) {
      throw fail(line, `${key} has no value on its line, and dotenv would read line ${valueLine} as its value`, 'quote an empty value: ""');
    }
    const raw = (match[2] ?? '').trim();
    const opening = raw[0];
    const quoted = opening !== undefined && QUOTES.includes(opening);
    if (quoted && !(raw.length >= 2 && raw.endsWith(opening))) {
      throw fail(
        line,
        `the value of ${key} opens a ${opening} quote that does not close at its end: ${quote(raw)}`,
        'close it, or quote the value with other quotes',
      );
    }
    if (quoted) {
      separators(match.index, valueStart);
      separators(valueEnd, covered);
    } else separators(match.index, covered);
    if (key === '__proto__') throw fail(line, '"__proto__" cannot be a variable name');
    if (raw.includes('\0')) throw fail(line, `the value of ${key} contains a NUL byte, which no process can take`);
  }
  skipped(normalized.slice(covered), covered, lineAt, notAssignment);
  separators(covered, normalized.length);
}

const QUOTES = `'"\``;
const LINE_SEPARATOR = /[\u2028\u2029]/;

function firstNonBlank(text: string, from: number): number {
  const blank = /\s*/y;
  blank.lastIndex = from;
  blank.exec(text);
  return blank.lastIndex;
}

/** Text dotenv passed over between two assignments: only blank lines and comments may be there. */
function skipped(gap: string, offset: number, lineAt: (index: number) => number, fail: (line: number) => UsageError): void {
  let start = 0;
  for (const piece of gap.split('\n')) {
    const text = piece.trim();
    if (text !== '' && !text.startsWith('#')) throw fail(lineAt(offset + start + piece.indexOf(text)));
    start += piece.length + 1;
  }
}

/** index -> 1-based line, by binary search over the line starts. */
function lineCounter(text: string): (index: number) => number {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (index) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if ((starts[mid] as number) <= index) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  };
}

/** Inherited environment, then env files; `undefined` values of process.env are dropped. */
export function mergeEnv(inherited: NodeJS.ProcessEnv, fromFiles: Env): Env {
  const env: Env = {};
  for (const [key, value] of Object.entries(inherited)) if (value !== undefined) env[key] = value;
  return Object.assign(env, fromFiles);
}
