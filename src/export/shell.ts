// POSIX sh quoting, for the formats whose files are shell scripts. Pure.

/** One sh word that stands for `value` exactly: single quotes, with `'` written as `'\''`. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Names sh can `export`. */
export const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
