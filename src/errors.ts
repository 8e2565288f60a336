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
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'UsageError';
    this.file = details.file;
    this.line = details.line;
    this.hint = details.hint;
  }
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
