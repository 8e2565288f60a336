// Glob patterns as regular expressions over `/`-separated relative paths: the part of glob syntax
// that --watch paths and .gitignore lines share (`*`, `?`, `[...]`, `**`, `\` escapes).

const SPECIAL = /[*?[\\]/;

/** Whether `text` holds glob syntax (otherwise it names one path literally). */
export function isGlob(text: string): boolean {
  return SPECIAL.test(text);
}

/** The source of a regular expression matching the whole of a path that `glob` describes. */
export function globSource(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**` spans directories only as a whole segment: `a/**/b`, `**/b`, `a/**`.
        const start = i === 0 || glob[i - 1] === '/';
        const end = i + 2 === glob.length || glob[i + 2] === '/';
        if (start && end) {
          if (i + 2 === glob.length) out += '.*';
          else out += '(?:.*/)?';
          i += 2; // also skips the `/` that follows
          continue;
        }
        i++;
      }
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close === -1) {
        out += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, close);
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      out += `[${body.replace(/\\/g, '\\\\')}]`;
      i = close;
    } else if (c === '\\' && i + 1 < glob.length) {
      out += escape(glob[++i] as string);
    } else {
      out += escape(c);
    }
  }
  return out;
}

/** A RegExp matching whole paths described by `glob`. */
export function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${globSource(glob)}$`);
}

/** The leading directories of `glob` before its first segment with glob syntax ('.' when none). */
export function staticPrefix(glob: string): string {
  const segments = glob.split('/');
  const fixed: string[] = [];
  for (const segment of segments.slice(0, -1)) {
    if (isGlob(segment)) break;
    fixed.push(segment);
  }
  return fixed.length === 0 ? '.' : fixed.join('/');
}

function escape(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}
