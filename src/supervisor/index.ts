// The supervisor's public surface.
export { Supervisor, type SupervisorOptions } from './supervisor.js';
export type { SupervisorEvent, SupervisorListener } from './events.js';
export type { Instance, InstanceState, OutputOpener, PipeSink, StopIntent, StreamName } from './instance.js';
export {
  nextBackoff,
  decideAfterExit,
  exitStatus,
  isCrash,
  RESTART_POLICIES,
  DEFAULT_BACKOFF,
  type RestartPolicy,
  type Backoff,
} from './policy.js';
export { Watchdog, SESSION_VARIABLE, newSessionId, type ProcessGuard } from './watchdog.js';
export { findBySession } from './strays.js';
export { spawnShell, signalGroup, type ChildLike, type SpawnFn, type SignalGroupFn } from './child.js';
export { systemClock, type Clock } from './clock.js';
