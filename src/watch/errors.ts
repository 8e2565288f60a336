// A watch that failed -> one line a person can act on. Pure: the limit is read by the caller.

export const WATCH_LIMIT_FIX = 'sudo sysctl fs.inotify.max_user_watches=524288';
export const INSTANCE_LIMIT_FIX = 'sudo sysctl fs.inotify.max_user_instances=512';

/**
 * The warning for `error` from watching `dir` (relative to the root). `limit` is the value of
 * fs.inotify.max_user_watches when known. Running out of watches is never silent: it names the fix.
 */
export function describeWatchError(error: unknown, dir: string, limit?: number): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const where = dir === '.' ? 'the root' : dir;
  switch (code) {
    case 'ENOSPC':
      return (
        `--watch: out of inotify watches (fs.inotify.max_user_watches = ${limit ?? 'unknown'}) at ${where}; ` +
        `changes in directories not yet watched are not seen; raise the limit: ${WATCH_LIMIT_FIX}`
      );
    case 'EMFILE':
      return `--watch: too many inotify instances or open files at ${where}; nothing more is watched; raise the limit: ${INSTANCE_LIMIT_FIX} (or ulimit -n)`;
    case 'EACCES':
    case 'EPERM':
      return `--watch: cannot watch ${where}: permission denied; changes there are not seen`;
    default:
      return `--watch: cannot watch ${where}: ${(error as Error | undefined)?.message ?? String(error)}`;
  }
}

/** Errors after which adding more watches is pointless (each would fail the same way). */
export function isLimitError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EMFILE';
}
