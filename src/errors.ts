// The one error type for mistakes a user can fix; only the CLI prints it, as one `ps-run:` line.

export interface UsageErrorDetails {
  /** The file the mistake is in, when there is one. */
  file?: string;
  /** 1-based line in `file`. */
  line?: number;
  /** What to try instead. */
  hint?: string;
  cause?: unknown;
}

export class UsageError extends Error {
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly hint: string | undefined;

  constructor(message: string, details: UsageErrorDetails = {}) {
    // Messages embed paths and values a user typed; escaping keeps them to the one line the CLI prints.
    super(oneLine(message), details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'UsageError';
    this.file = details.file;
    this.line = details.line;
    this.hint = details.hint === undefined ? undefined : oneLine(details.hint);
  }
}

// Every C0/C1 control character but tab, and the Unicode line and paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g;

/** `text` with line breaks and other control characters written as escapes (`\n`, `\u001b`). */
export function oneLine(text: string): string {
  return text.replace(CONTROL, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/** Quote text from a user's file so that it stays on one line in a message. */
export function quote(text: string, max = 80): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut);
}

/** `file:line: ` prefix for messages about a place in a file. */
export function at(file: string, line?: number): string {
  return line === undefined ? `${file}: ` : `${file}:${line}: `;
}
