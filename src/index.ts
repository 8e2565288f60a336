// The programmatic API: the same pieces the CLI is built from.
export { parseProcfile, type ProcfileEntry } from './procfile.js';
export { parseFormation, combineFormations, resolveFormation, type FormationSpec } from './formation.js';
export { planInstances, portFor, type InstancePlan, type PlanInput } from './plan.js';
export { envFilesFor, readEnvFiles, parseEnvFiles, mergeEnv, type Env, type EnvFile, type LoadedEnvFile } from './env.js';
export { loadProject, loadBase, readProcfile, type Project, type ProjectOptions } from './project.js';
export { UsageError } from './errors.js';
export * from './supervisor/index.js';
export { LogWriter, type BlockFormatter, type LogStream } from './output/writer.js';
export { Sink } from './output/sink.js';
export { textFormat, jsonFormat } from './output/formats.js';
export { LineBuffer, MAX_LINE_BYTES } from './output/lines.js';
export { describeEvent } from './output/messages.js';
export { discoveryEnv, expandEnvFiles, envNameOf } from './discovery.js';
export { parseReadySpecs, parseReadyCheck, checkFor, describeCheck, type ReadyCheck } from './readiness/spec.js';
export { ReadinessTracker, type ReadinessState, type ReadinessEvent } from './readiness/tracker.js';
export { portAccepts, httpAnswers } from './readiness/probes.js';
export { findPortHolder, type PortHolder } from './port-holder.js';
