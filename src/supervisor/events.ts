// What a supervisor reports, keyed by `kind`; the output layer has one formatter per kind.
import type { InstanceState } from './instance.js';
import type { RestartPolicy } from './policy.js';

export type SupervisorEvent =
  | { kind: 'state'; name: string; state: InstanceState; previous: InstanceState }
  | { kind: 'spawn'; name: string; pid: number; port: number }
  | { kind: 'spawn-error'; name: string; message: string }
  | { kind: 'exit'; name: string; code: number | null; signal: NodeJS.Signals | null; crashed: boolean; requested: boolean }
  | { kind: 'restart'; name: string; delayMs: number; attempt: number }
  | { kind: 'give-up'; name: string; crashes: number }
  | { kind: 'fatal'; name: string; policy: RestartPolicy }
  | { kind: 'stopping'; reason: string }
  | { kind: 'kill'; name: string; pid: number }
  /** The command (the group's leader) exited by itself while processes it started still ran in its group. */
  | { kind: 'left-behind'; name: string; code: number | null; signal: NodeJS.Signals | null }
  | { kind: 'strays'; pids: number[]; signal: NodeJS.Signals }
  | { kind: 'ready'; name: string; port: number; check: string; afterMs: number }
  | { kind: 'not-ready'; name: string; check: string; reason: string };

export type SupervisorListener = (event: SupervisorEvent) => void;
