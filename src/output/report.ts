// The smoke run's closing words: a summary table on success, the reason and last lines on failure. Pure.
import type { ReadinessState } from '../readiness/tracker.js';
import { describeCheck } from '../readiness/spec.js';

function stateOf(state: ReadinessState): string {
  if (state.running) return 'running';
  if (state.exitSignal) return `killed by ${state.exitSignal}`;
  return state.exitCode === undefined ? 'not started' : `exited ${state.exitCode}`;
}

export function summaryTable(states: Iterable<ReadinessState>): string {
  const rows = [['process', 'port', 'check', 'ready after', 'state']];
  for (const s of states) {
    rows.push([s.plan.name, String(s.plan.port), describeCheck(s.check), s.afterMs === undefined ? '-' : `${s.afterMs} ms`, stateOf(s)]);
  }
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length)));
  return (
    rows
      .map((r) =>
        r
          .map((cell, col) => cell.padEnd(widths[col] ?? 0))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

export function failureReport(name: string, reason: string, tail: readonly string[]): string {
  const lines = [`ps-run: smoke failed: ${name} ${reason}`];
  if (tail.length === 0) lines.push(`(${name} printed nothing)`);
  else {
    lines.push(`last ${tail.length} line${tail.length === 1 ? '' : 's'} of ${name}:`);
    for (const line of tail) lines.push(`  ${line}`);
  }
  return lines.join('\n') + '\n';
}
