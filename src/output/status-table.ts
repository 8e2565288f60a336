// `ps-run status` as a table: one row per instance. Pure.
import type { InstanceStatus, RuntimeInfo } from '../runtime/control.js';

/** 1h02m, 3m05s, 12s, 450ms */
export function formatUptime(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function lastExit(status: InstanceStatus): string {
  const exit = status.lastExit;
  if (!exit) return '-';
  return exit.signal ? exit.signal : `code ${exit.code}`;
}

export function statusTable(info: RuntimeInfo, instances: readonly InstanceStatus[]): string {
  const header = ['name', 'state', 'pid', 'port', 'ready', 'restarts', 'uptime', 'last exit'];
  const withRotation = instances.some((i) => i.rotation !== undefined);
  if (withRotation) header.push('router');
  const rows = [header];
  for (const i of instances) {
    const state = i.state === 'waiting' && i.waitingFor?.length ? `waiting for ${i.waitingFor.join(', ')}` : i.state;
    const row = [
      i.name,
      state,
      i.pid === null ? '-' : String(i.pid),
      i.port ? String(i.port) : '-',
      i.ready ? 'yes' : 'no',
      String(i.restarts),
      formatUptime(i.uptimeMs),
      lastExit(i),
    ];
    if (withRotation) row.push(i.rotation ?? '-');
    rows.push(row);
  }
  const widths = header.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length)));
  const table = rows
    .map((r) =>
      r
        .map((cell, col) => cell.padEnd(widths[col] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
  const head = [
    `ps-run pid ${info.pid} for ${info.procfile}`,
    ...(info.socket ? [`socket ${info.socket}`] : []),
    ...info.routers.map((r) => `router for ${r.type}: ${r.url}`),
  ];
  return `${head.join('\n')}\n${instances.length === 0 ? '(no instances)' : table}\n`;
}
