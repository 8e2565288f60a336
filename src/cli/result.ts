// What a command's action hands back to main: its exit status.
export interface CommandResult {
  exitCode: number;
}
