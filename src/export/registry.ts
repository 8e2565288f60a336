// The export formats by name, what each needs, and the checks shared by all. Pure.
import { UsageError } from '../errors.js';
import { exportCompose } from './compose.js';
import { exportKubernetes } from './kubernetes.js';
import { exportLaunchd } from './launchd.js';
import { exportRunit } from './runit.js';
import { exportSupervisord } from './supervisord.js';
import { exportSystemd } from './systemd.js';
import type { ExportFile, ExportInput, Exporter } from './types.js';

export interface ExportFormat {
  exporter: Exporter;
  /** Runs the app's image on a container engine: needs --image, has no -l or working directory. */
  container: boolean;
  summary: string;
}

export const FORMATS = {
  systemd: { exporter: exportSystemd, container: false, summary: '<app>.target and a <app>-<type>.<n>.service per instance' },
  supervisord: { exporter: exportSupervisord, container: false, summary: '<app>.conf: a program per instance, a group for the app' },
  runit: { exporter: exportRunit, container: false, summary: 'a service directory per instance: run, env/, control/t, log/run' },
  launchd: { exporter: exportLaunchd, container: false, summary: 'a <app>-<type>.<n>.plist per instance' },
  compose: { exporter: exportCompose, container: true, summary: 'compose.yaml: a service per process type (needs --image)' },
  kubernetes: { exporter: exportKubernetes, container: true, summary: '<app>.yaml: Secret, Deployments, Services (needs --image)' },
} as const satisfies Record<string, ExportFormat>;

export type FormatName = keyof typeof FORMATS;
export const FORMAT_NAMES = Object.keys(FORMATS) as FormatName[];

export function findFormat(name: string): ExportFormat & { name: FormatName } {
  if (!Object.hasOwn(FORMATS, name)) throw new UsageError(`unknown export format "${name}"; known formats: ${FORMAT_NAMES.join(', ')}`);
  return { name: name as FormatName, ...FORMATS[name as FormatName] };
}

/** Checks what no single format can, then runs the format's exporter. */
export function exportFiles(formatName: string, input: ExportInput): ExportFile[] {
  const format = findFormat(formatName);
  const containers = FORMAT_NAMES.filter((n) => FORMATS[n].container).join(' and ');
  if (format.container && input.image === undefined) {
    throw new UsageError(`${format.name} needs the image to run: pass --image <ref>`, {
      hint: `e.g. --image registry.example.com/${input.app}:1.0`,
    });
  }
  if (!format.container && input.image !== undefined) throw new UsageError(`--image applies only to ${containers}, not to ${format.name}`);
  if (format.container && input.logDir !== undefined)
    throw new UsageError(`-l/--log does not apply to ${format.name}: the container engine keeps the logs`);
  if (input.instances.length === 0) throw new UsageError('nothing to export: the formation selects no process');
  return format.exporter(input);
}
