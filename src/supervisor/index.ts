// The supervisor's public surface.
export { Supervisor, type SupervisorOptions } from './supervisor.js';
export type { SupervisorEvent, SupervisorListener } from './events.js';
export type { Instance, InstanceState, OutputListener, StreamName } from './instance.js';
export { nextBackoff, decideAfterExit, exitStatus, isCrash, RESTART_POLICIES, type RestartPolicy } from './policy.js';
export { spawnShell, signalGroup, type ChildLike, type SpawnFn, type SignalGroupFn } from './child.js';
export { systemClock, type Clock } from './clock.js';
