// `ps-run check`: validate the Procfile and env files and show what `start` would run.
import type { Command } from 'commander';
import { loadProject } from '../project.js';
import { applyForemanDefaults, describeForeman } from './foreman.js';
import { addFormationOption, addProjectOptions, type ProjectFlags } from './options.js';
import type { CommandResult } from './result.js';

export function describeProject(project: ReturnType<typeof loadProject>): string {
  const width = Math.max(...project.entries.map((e) => e.name.length));
  const lines = [`${project.procfile}: ${project.entries.length} process type${project.entries.length === 1 ? '' : 's'}`];
  const portsOf = new Map<string, number[]>();
  for (const { type, port } of project.instances) {
    const ports = portsOf.get(type);
    if (ports) ports.push(port);
    else portsOf.set(type, [port]);
  }
  const rows = project.entries.map((entry) => {
    const ports = portsOf.get(entry.name) ?? [];
    const where = ports.length === 0 ? 'not started' : ports.length === 1 ? `port ${ports[0]}` : `ports ${ports.join(', ')}`;
    return { entry, where };
  });
  const whereWidth = Math.max(...rows.map((r) => r.where.length));
  for (const { entry, where } of rows) lines.push(`  ${entry.name.padEnd(width)}  ${where.padEnd(whereWidth)}  ${entry.command}`);
  const envFiles = project.envFiles.map((f) => f.path);
  lines.push(`env files: ${envFiles.length === 0 ? 'none' : envFiles.join(', ')}`);
  return lines.join('\n') + '\n';
}

export function registerCheck(program: Command, result: CommandResult): void {
  const command = program
    .command('check')
    .description('validate the Procfile and env files; print each process type with its port and command')
    .argument('[formation...]', 'formation to show ports for (as for start)');
  addProjectOptions(command);
  addFormationOption(command);
  command
    .addHelpText(
      'after',
      `
Examples:
  $ ps-run check
  $ ps-run check -f Procfile.dev -e .env,.env.local web=2
`,
    )
    .action((select: string[], _flags: unknown, self: Command) => {
      const { flags, foreman } = applyForemanDefaults<ProjectFlags & { formation?: string }>(self);
      process.stdout.write(describeProject(loadProject({ ...flags, select })) + (foreman ? describeForeman(foreman) : ''));
      result.exitCode = 0;
    });
}
