// The quick path's parser: which argv it takes (plain control commands) and which it leaves to the
// full CLI (help, other commands, unknown options, missing values), so that commander still gives
// every usage message.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseQuick, QUICK_COMMANDS } from '../../src/cli/quick.js';

const argv = (...args: string[]): string[] => ['node', 'ps-run', ...args];

describe('parseQuick', () => {
  it.each([
    [['status'], { command: 'status', args: [], flags: {} }],
    [['status', '--json', '-s', '/tmp/a.sock'], { command: 'status', args: [], flags: { json: true, socket: '/tmp/a.sock' } }],
    [['restart'], { command: 'restart', args: [], flags: {} }],
    [['restart', 'web.1', 'w*', '-f', 'Procfile.dev'], { command: 'restart', args: ['web.1', 'w*'], flags: { procfile: 'Procfile.dev' } }],
    [['stop', '--socket=/tmp/b.sock', 'worker'], { command: 'stop', args: ['worker'], flags: { socket: '/tmp/b.sock' } }],
    [['scale', 'web=3', 'worker=0', '--procfile', 'P'], { command: 'scale', args: ['web=3', 'worker=0'], flags: { procfile: 'P' } }],
    [['quit', '-s', 'x.sock', '-s', 'y.sock'], { command: 'quit', args: [], flags: { socket: 'y.sock' } }],
  ])('takes %j', (args, call) => {
    expect(parseQuick(argv(...args))).toEqual(call);
  });

  it.each([
    [[]],
    [['start']],
    [['logs', '-f']],
    [['--version']],
    [['restart', '--help']],
    [['status', '-h']],
    [['stop']],
    [['scale']],
    [['status', 'web']],
    [['quit', 'now']],
    [['restart', '--json']],
    [['status', '--json=1']],
    [['restart', '-s']],
    [['restart', '-s', '--json']],
    [['restart', '--socket=']],
    [['restart', '-fProcfile']],
    [['restart', '--', 'web']],
    [['restart', '--no-color']],
    [['constructor']],
  ])('leaves %j to the full CLI', (args) => {
    expect(parseQuick(argv(...args))).toBeUndefined();
  });
});

describe('the launcher', () => {
  it("sends exactly the quick path's commands to it", () => {
    const bin = readFileSync(new URL('../../bin/ps-run.js', import.meta.url), 'utf8');
    const list = /if \((\[[^\]]*\])\.includes\(process\.argv\[2\]\)\)/.exec(bin)?.[1];
    expect(list, 'the command list in bin/ps-run.js').toBeDefined();
    expect(JSON.parse(list!.replaceAll("'", '"'))).toEqual(QUICK_COMMANDS);
  });
});
