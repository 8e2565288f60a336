// The two log formats: aligned, colored text prefixes, and JSON Lines.
import { prefixLines, forEachLine } from './lines.js';
import { clockTime } from './style.js';
import type { BlockFormatter } from './writer.js';

export interface TextFormatOptions {
  /** Every name that may appear, so the column fits the widest. */
  names: readonly string[];
  timestamps: boolean;
  colorize: (name: string, text: string) => string;
}

/** `14:02:11 web.1  | ` before each line; the prefix is rebuilt at most once a second per name. */
export function textFormat(options: TextFormatOptions): BlockFormatter {
  let width = Math.max(...options.names.map((n) => n.length), 'system'.length);
  const cache = new Map<string, { second: number; prefix: Buffer }>();
  const format: BlockFormatter = (block, name, _stream, nowMs, ends) => {
    const second = options.timestamps ? Math.floor(nowMs / 1000) : 0;
    let entry = cache.get(name);
    if (!entry || entry.second !== second) {
      const time = options.timestamps ? `${clockTime(nowMs)} ` : '';
      const prefix = options.colorize(name, `${time}${name.padEnd(width)} |`) + ' ';
      entry = { second, prefix: Buffer.from(prefix) };
      cache.set(name, entry);
    }
    return prefixLines(block, entry.prefix, ends);
  };
  format.widen = (name) => {
    if (name.length <= width) return;
    width = name.length;
    cache.clear();
  };
  return format;
}

/** One JSON object per line: `{"time","process","stream","line"}`; invalid UTF-8 becomes U+FFFD. */
export const jsonFormat: BlockFormatter = (block, name, stream, nowMs) => {
  const head = `{"time":"${new Date(nowMs).toISOString()}","process":${JSON.stringify(name)},"stream":"${stream}","line":`;
  let out = '';
  forEachLine(block, (start, end) => {
    const stop = end > start && block[end - 1] === 13 ? end - 1 : end;
    out += `${head}${JSON.stringify(block.toString('utf8', start, stop))}}\n`;
  });
  return out;
};
