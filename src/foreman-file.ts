// `.foreman` text -> default options, as foreman reads them (YAML, long option names as keys). Pure.
// Only flat `key: value` lines are read: every key foreman knows takes one scalar, so nothing more of
// YAML is needed, and a YAML library would cost every start-up its load time.
import { UsageError, at, quote } from './errors.js';

/** The ps-run options a `.foreman` may set, by their commander attribute names. */
export type ForemanOption = 'procfile' | 'root' | 'env' | 'formation' | 'port' | 'timeout' | 'color' | 'timestamp';

export interface ForemanDefault {
  option: ForemanOption;
  value: string | number | boolean;
  /** The key as written: `concurrency` sets `formation`. */
  key: string;
  line: number;
}

export interface ForemanFile {
  file: string;
  defaults: ForemanDefault[];
  /** Keys that only foreman's `export` reads (app, user, ...): accepted, and left alone. */
  ignored: { key: string; line: number }[];
}

type Kind = 'text' | 'port' | 'seconds' | 'boolean';

const KEYS: ReadonlyMap<string, { option: ForemanOption; kind: Kind }> = new Map([
  ['procfile', { option: 'procfile', kind: 'text' }],
  ['root', { option: 'root', kind: 'text' }],
  ['env', { option: 'env', kind: 'text' }],
  ['formation', { option: 'formation', kind: 'text' }],
  // The name of -m before foreman 0.47, still in older .foreman files.
  ['concurrency', { option: 'formation', kind: 'text' }],
  ['port', { option: 'port', kind: 'port' }],
  ['timeout', { option: 'timeout', kind: 'seconds' }],
  ['color', { option: 'color', kind: 'boolean' }],
  ['timestamp', { option: 'timestamp', kind: 'boolean' }],
]);

const EXPORT_KEYS: readonly string[] = ['app', 'log', 'run', 'user', 'template'];

// Ruby's YAML (1.1) reads these words as booleans, so foreman does too.
const TRUE = /^(?:y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const FALSE = /^(?:n|N|no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const NULL = /^(?:~|null|Null|NULL)?$/;

interface Scalar {
  text: string;
  /** Quoted scalars are always strings; plain ones may be numbers, booleans or null. */
  quoted: boolean;
}

export function parseForemanFile(text: string, file = '.foreman'): ForemanFile {
  const result: ForemanFile = { file, defaults: [], ignored: [] };
  const seen = new Map<ForemanOption, ForemanDefault>();
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const raw = (lines[i] ?? '').replace(/\r$/, '');
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || (trimmed === '---' && seen.size === 0 && result.ignored.length === 0)) continue;
    const fail: (what: string) => never = (what) => {
      throw new UsageError(`${at(file, line)}${what}`, { file, line, hint: 'a .foreman holds one "option: value" per line' });
    };
    if (/^\s/.test(raw)) fail(`nested or continued values are not read, got ${quote(raw)}`);
    const match = /^([A-Za-z_][A-Za-z0-9_-]*):(?:[ \t]+(.*))?$/.exec(raw);
    if (!match) fail(`expected "option: value", got ${quote(trimmed)}`);
    const key = match[1] as string;
    const known = KEYS.get(key);
    if (!known) {
      if (EXPORT_KEYS.includes(key)) {
        result.ignored.push({ key, line });
        continue;
      }
      fail(`unknown option ${quote(key)}; a .foreman may set ${[...KEYS.keys()].join(', ')} (and ${EXPORT_KEYS.join(', ')} for export)`);
    }
    const scalar = readScalar(match[2] ?? '', fail);
    if (!scalar.quoted && NULL.test(scalar.text)) continue; // YAML null: no default, as in foreman
    const value = convert(known.kind, scalar, (what) => fail(`${key}: ${what}, got ${quote(scalar.text)}`));
    const first = seen.get(known.option);
    if (first) fail(`${key} sets ${known.option} again (${first.key} on line ${first.line} set it)`);
    const entry: ForemanDefault = { option: known.option, value, key, line };
    seen.set(known.option, entry);
    result.defaults.push(entry);
  }
  return result;
}

/** One YAML scalar: double- or single-quoted, or plain with an optional ` # comment`. */
function readScalar(source: string, fail: (what: string) => never): Scalar {
  const text = source.trim();
  const double = /^"((?:[^"\\]|\\.)*)"\s*(?:#.*)?$/.exec(text);
  if (double) {
    try {
      // YAML's double-quoted escapes are JSON's plus a few rare ones (\x41, \e), which fail here.
      return { text: JSON.parse(`"${double[1] as string}"`) as string, quoted: true };
    } catch {
      fail(`unsupported escape in ${quote(text)}`);
    }
  }
  const single = /^'((?:[^']|'')*)'\s*(?:#.*)?$/.exec(text);
  if (single) return { text: (single[1] as string).replace(/''/g, "'"), quoted: true };
  if (/^["']/.test(text)) fail(`unterminated quote in ${quote(text)}`);
  if (/^[[{|>&*!%@`]/.test(text)) fail(`only plain values are read (no lists, maps, blocks, anchors or tags), got ${quote(text)}`);
  const plain = text.replace(/(?:^|\s+)#.*$/, '');
  if (/:\s/.test(plain) || plain.endsWith(':')) fail(`a value cannot hold ": " unless quoted, got ${quote(plain)}`);
  return { text: plain, quoted: false };
}

function convert(kind: Kind, { text, quoted }: Scalar, fail: (what: string) => never): string | number | boolean {
  switch (kind) {
    case 'text':
      return text;
    case 'port': {
      // foreman calls to_i on it, so a quoted number works too.
      const port = /^\d+$/.test(text) ? Number(text) : NaN;
      return port >= 1 && port <= 65535 ? port : fail('expected a port number from 1 to 65535');
    }
    case 'seconds': {
      const seconds = /^\d+(?:\.\d+)?$/.test(text) ? Number(text) : NaN;
      return seconds >= 0 && seconds <= 3600 ? seconds : fail('expected a number of seconds from 0 to 3600');
    }
    case 'boolean':
      if (!quoted && TRUE.test(text)) return true;
      if (!quoted && FALSE.test(text)) return false;
      return fail('expected true or false');
  }
}
