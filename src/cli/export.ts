// `ps-run export <format> <dir> [formation...]`: write the app's formation as files for another process manager.
import type { Command } from 'commander';
import { exportInput } from '../export/input.js';
import { exportFiles, findFormat, FORMAT_NAMES, FORMATS } from '../export/registry.js';
import { writeExport } from '../export/write.js';
import { loadProject } from '../project.js';
import { addFormationOption, addProjectOptions, seconds, type ProjectFlags } from './options.js';
import type { CommandResult } from './result.js';

export interface ExportFlags extends ProjectFlags {
  formation?: string;
  timeout: number;
  app?: string;
  user?: string;
  log?: string;
  image?: string;
}

export function runExport(format: string, dir: string, select: string[], flags: ExportFlags): number {
  findFormat(format);
  const project = loadProject({ ...flags, select });
  const input = exportInput(project, {
    app: flags.app,
    user: flags.user,
    logDir: flags.log,
    image: flags.image,
    timeoutSeconds: flags.timeout,
  });
  const files = exportFiles(format, input);
  const result = writeExport(dir, input.app, format, files);
  for (const file of result.removed) process.stderr.write(`removed ${file} (written by an earlier export of ${input.app})\n`);
  process.stdout.write(result.written.map((file) => `${file}\n`).join(''));
  return 0;
}

export function registerExport(program: Command, result: CommandResult): void {
  const formats = FORMAT_NAMES.map((name) => `  ${name.padEnd(12)} ${FORMATS[name].summary}`).join('\n');
  const command = program
    .command('export')
    .description('write the formation as files for systemd, supervisord, runit, launchd, Docker Compose or Kubernetes')
    .argument('<format>', FORMAT_NAMES.join(', '))
    .argument('<dir>', 'directory to write to (created if missing)')
    .argument('[formation...]', 'process types to export, with counts: web=2 worker (default: every type once)');
  addProjectOptions(command);
  addFormationOption(command);
  command
    .option('-t, --timeout <seconds>', 'grace period between SIGTERM and SIGKILL at stop', seconds(3600), 5)
    .option('-a, --app <name>', "app name used in file, unit and service names (default: the root directory's name, made safe)")
    .option('-u, --user <user>', 'user the processes run as')
    .option('-l, --log <dir>', 'directory for log files on the target machine (not for compose, kubernetes)')
    .option('--image <ref>', 'container image that holds the app (compose and kubernetes only, required there)');
  command
    .addHelpText(
      'after',
      `
Formats:
${formats}

Each variable of the env files goes to every process, with PORT and PS; the environment of the
shell running export is not copied. A value a format cannot hold is an error, not a broken file.
Files of an earlier export of the same app in <dir> are replaced or removed; nothing else is.

Examples:
  $ ps-run export systemd /etc/systemd/system -a shop -u shop -m web=2
  $ ps-run export supervisord /etc/supervisor/conf.d -l /var/log/shop
  $ ps-run export runit ./service web=2 worker
  $ ps-run export compose . --image registry.example.com/shop:1.4
  $ ps-run export kubernetes k8s --image registry.example.com/shop:1.4 -m web=3,worker=2
`,
    )
    .action((format: string, dir: string, select: string[], flags: ExportFlags) => {
      result.exitCode = runExport(format, dir, select, flags);
    });
}
