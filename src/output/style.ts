// How a prefix looks: local time, the name padded to the widest, colors per process type.
import { Chalk, type ChalkInstance } from 'chalk';

export type ColorChoice = 'auto' | 'always' | 'never';

const PALETTE = [
  'cyan',
  'yellow',
  'green',
  'magenta',
  'blue',
  'red',
  'cyanBright',
  'yellowBright',
  'greenBright',
  'magentaBright',
  'blueBright',
  'redBright',
] as const;

/**
 * Whether output is colored. `--color` and `--no-color` win; otherwise NO_COLOR (any non-empty value)
 * turns colors off, and chalk's own detection (a color terminal, FORCE_COLOR) decides.
 */
export function colorLevel(choice: ColorChoice, env: NodeJS.ProcessEnv, detected: number): 0 | 1 | 2 | 3 {
  if (choice === 'never') return 0;
  if (choice === 'always') return Math.max(detected, 1) as 1 | 2 | 3;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  return detected as 0 | 1 | 2 | 3;
}

/** Colors a prefix per process type (types in Procfile order get successive palette colors). */
export function makeColorizer(level: 0 | 1 | 2 | 3, types: readonly string[]): (name: string, text: string) => string {
  if (level === 0) return (_name, text) => text;
  const chalk: ChalkInstance = new Chalk({ level });
  return (name, text) => {
    if (name === 'system') return chalk.gray(text);
    const type = name.slice(0, name.lastIndexOf('.') === -1 ? name.length : name.lastIndexOf('.'));
    const position = types.indexOf(type);
    const color = PALETTE[(position === -1 ? types.length : position) % PALETTE.length] ?? 'white';
    return chalk[color](text);
  };
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** Local `HH:MM:SS`. */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}
