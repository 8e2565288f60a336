// Medians, target verdicts ("met", or by how much it is missed) and the Markdown table.

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The lowest and highest of `values`, formatted: "90-120". */
export function spread(values, show = String) {
  return `${show(Math.min(...values))}-${show(Math.max(...values))}`;
}

const percent = (x) => `${(x * 100).toFixed(Math.abs(x) < 0.1 ? 1 : 0)}%`;

/** A "higher is better" target: met, or missed by how much. */
export function atLeast(value, target, label) {
  return value >= target ? `${label}: met` : `${label}: **missed by ${percent(1 - value / target)}**`;
}

/** A "lower is better" target: met, or missed by how much (absolute, and relative when the target is not 0). */
export function atMost(value, target, label, show = (x) => String(Math.round(x * 100) / 100)) {
  if (value <= target) return `${label}: met`;
  const relative = target > 0 ? ` (+${percent(value / target - 1)})` : '';
  return `${label}: **missed by ${show(value - target).replace(/×$/, '')}${relative}**`;
}

export function formatTable(head, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}
