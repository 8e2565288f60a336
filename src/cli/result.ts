// What main hands a command (the raw argv) and what the command's action hands back: its exit status.
export interface CommandResult {
  exitCode: number;
  /** The whole argv, for commands that must see where `--` was. */
  argv: readonly string[];
}
