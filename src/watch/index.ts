// Restart on change: parse --watch, debounce bursts, skip ignored paths, watch directories.
export { parseWatchSpecs, checkWatchTypes, pathMatches, describeChange, type WatchSpec, type WatchPath } from './spec.js';
export { Debouncer, QUIET_MS, MAX_WAIT_MS, type DebounceOptions } from './debounce.js';
export { parseGitignore, gitignored, isSkipped, ALWAYS_IGNORED, type IgnoreRule, type IgnoreRules } from './ignore.js';
export { describeWatchError, WATCH_LIMIT_FIX } from './errors.js';
export { ChangeWatcher, watchDir, type ChangeWatcherOptions, type DirWatcher, type WatchDir, type WatcherState } from './watcher.js';
