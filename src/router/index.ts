// The routing layer's public face: the router, its balancer choice, and the rolling-restart orchestrator.
export { Router, DEFAULT_WAIT_MS, type RouterOptions, type AccessEntry, type RotationEntry } from './router.js';
export { chooseInstance, type Balance, type Candidate, type Choice } from './balance.js';
export { probeDelay, DEFAULT_PROBE_SCHEDULE, tcpAccepts, type ProbeSchedule, type PortProbe } from './probe.js';
export { endToEnd, requestHeaders, type ClientInfo } from './headers.js';
export { rollingPlan, rollingRestart, RollingRestartError, typeOf, type RollingDeps, type RollingStep } from './rolling.js';
export type { MemberState } from './rotation.js';
