// `.foreman`: the flat YAML that foreman reads default options from, and how a command takes them.
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { applyForemanDefaults, describeForeman } from '../../src/cli/foreman.js';
import { addFormationOption, addOutputOptions, addProjectOptions, seconds } from '../../src/cli/options.js';
import { parseForemanFile } from '../../src/foreman-file.js';
import { usageError } from '../support/errors.js';

const values = (text: string): Record<string, unknown> =>
  Object.fromEntries(parseForemanFile(text).defaults.map((d) => [d.option, d.value]));

describe('parseForemanFile', () => {
  it('reads the example of foreman(1)', () => {
    expect(parseForemanFile('formation: alpha=0,bravo=1\nport: 15000\n', '/app/.foreman')).toEqual({
      file: '/app/.foreman',
      defaults: [
        { option: 'formation', value: 'alpha=0,bravo=1', key: 'formation', line: 1 },
        { option: 'port', value: 15000, key: 'port', line: 2 },
      ],
      ignored: [],
    });
  });

  it('reads every option with its type', () => {
    const text = [
      '---',
      '# defaults for bin/dev',
      'procfile: Procfile.dev',
      'root: ./app   # a comment',
      'env: .env,.env.local',
      '',
      'port: 3000',
      'timeout: 2.5',
      'color: yes',
      'timestamp: false',
    ].join('\r\n');
    expect(values(text)).toEqual({
      procfile: 'Procfile.dev',
      root: './app',
      env: '.env,.env.local',
      port: 3000,
      timeout: 2.5,
      color: true,
      timestamp: false,
    });
  });

  it('takes concurrency, the older name, for the formation', () => {
    expect(parseForemanFile('concurrency: web=2\n').defaults).toEqual([
      { option: 'formation', value: 'web=2', key: 'concurrency', line: 1 },
    ]);
  });

  it.each([
    ['a double-quoted value with escapes', 'procfile: "Proc file\\tdev" # note', 'Proc file\tdev'],
    ["a single-quoted value with ''", "procfile: 'it''s'", "it's"],
    ['a "#" without a space before it', 'procfile: Procfile#2', 'Procfile#2'],
    ['a quoted "#"', "procfile: 'a #b'", 'a #b'],
  ])('reads %s', (_what, line, expected) => {
    expect(values(line).procfile).toBe(expected);
  });

  it('reads a quoted port, as foreman does (to_i)', () => {
    expect(values('port: "3001"').port).toBe(3001);
  });

  it('skips null values: no default', () => {
    expect(parseForemanFile('port:\nenv: ~\ntimeout: null\n').defaults).toEqual([]);
  });

  it('accepts the keys of foreman export and leaves them alone', () => {
    expect(parseForemanFile('app: shop\nuser: deploy\nport: 5000\n')).toMatchObject({
      defaults: [{ option: 'port' }],
      ignored: [
        { key: 'app', line: 1 },
        { key: 'user', line: 2 },
      ],
    });
  });

  it('drops a byte order mark', () => {
    expect(values('\uFEFFport: 4000').port).toBe(4000);
  });

  it.each([
    ['an unknown option', 'port: 1\nformaton: web=1\n', 2, 'unknown option "formaton"; a .foreman may set procfile, root'],
    ['a line without a colon', 'port 3000\n', 1, 'expected "option: value", got "port 3000"'],
    ['no space after the colon', 'port:3000\n', 1, 'expected "option: value", got "port:3000"'],
    ['a nested map', 'options:\n  port: 3000\n', 1, 'unknown option "options"'],
    ['an indented line', 'port: 3000\n  timeout: 3\n', 2, 'nested or continued values are not read'],
    ['a list', 'env: [.env, .env.local]\n', 1, 'only plain values are read'],
    ['a block scalar', 'formation: |\n', 1, 'only plain values are read'],
    ['an anchor', 'port: &p 3000\n', 1, 'only plain values are read'],
    ['an unterminated quote', 'procfile: "Procfile\n', 1, 'unterminated quote'],
    ['": " in a plain value', 'formation: web: 2\n', 1, 'a value cannot hold ": " unless quoted'],
    ['a port out of range', 'port: 70000\n', 1, 'port: expected a port number from 1 to 65535, got "70000"'],
    ['a port that is not a number', 'port: web\n', 1, 'port: expected a port number'],
    ['a negative timeout', 'timeout: -1\n', 1, 'timeout: expected a number of seconds from 0 to 3600, got "-1"'],
    ['a boolean that is not one', 'color: always\n', 1, 'color: expected true or false, got "always"'],
    ['a quoted boolean', 'color: "true"\n', 1, 'color: expected true or false'],
    [
      'the formation twice under two names',
      'formation: web=1\nconcurrency: web=2\n',
      2,
      'concurrency sets formation again (formation on line 1 set it)',
    ],
    ['an option twice', 'port: 1\nport: 2\n', 2, 'port sets port again (port on line 1 set it)'],
  ])('rejects %s with the file and line', (_what, text, line, message) => {
    const error = usageError(() => parseForemanFile(text, '/app/.foreman'));
    expect(error.message).toContain(`/app/.foreman:${line}: ${message}`);
    expect(error.line).toBe(line);
    expect(error.file).toBe('/app/.foreman');
    expect(error.hint).toBe('a .foreman holds one "option: value" per line');
  });
});

/** A command with start's options, parsed from `argv`, with `.foreman` text served from memory. */
function startLike(argv: string[], foreman: string | undefined) {
  const command = new Command('start').exitOverride().argument('[formation...]');
  addProjectOptions(command);
  addFormationOption(command);
  command.option('-t, --timeout <seconds>', 'grace period', seconds(3600), 5);
  addOutputOptions(command);
  command.action(() => {});
  command.parse(argv, { from: 'user' });
  return applyForemanDefaults<Record<string, unknown>>(command, '/app', (file) => {
    expect(file).toBe('/app/.foreman');
    return foreman === undefined ? undefined : Buffer.from(foreman);
  });
}

describe('applyForemanDefaults', () => {
  const FILE = 'procfile: Procfile.dev\nport: 3000\nformation: all=1,css=0\ntimeout: 1\ncolor: true\ntimestamp: no\napp: shop\n';

  it('gives every option the user did not pass its value from .foreman', () => {
    const { flags, foreman } = startLike([], FILE);
    expect(flags).toMatchObject({
      procfile: 'Procfile.dev',
      port: 3000,
      formation: 'all=1,css=0',
      timeout: 1,
      color: true,
      timestamp: false,
    });
    expect(foreman?.applied.map((d) => d.key)).toEqual(['procfile', 'port', 'formation', 'timeout', 'color', 'timestamp']);
    expect(foreman?.overridden).toEqual([]);
    expect(foreman?.unused).toEqual([{ key: 'app', line: 7 }]);
  });

  it('lets the command line win, also when it repeats a default value', () => {
    const { flags, foreman } = startLike(['-p', '3001', '-f', 'Procfile', '--no-color', '-t', '5', '--timestamp'], FILE);
    expect(flags).toMatchObject({ procfile: 'Procfile', port: 3001, formation: 'all=1,css=0', timeout: 5, color: false, timestamp: true });
    expect(foreman?.overridden.map((d) => d.key)).toEqual(['procfile', 'port', 'timeout', 'color', 'timestamp']);
    expect(foreman?.applied.map((d) => d.key)).toEqual(['formation']);
  });

  it('counts -c as --color given on the command line', () => {
    const { flags, foreman } = startLike(['-c'], 'color: false\n');
    expect(flags.color).toBe(true);
    expect(foreman?.overridden.map((d) => d.key)).toEqual(['color']);
  });

  it('changes nothing without a .foreman', () => {
    const { flags, foreman } = startLike(['-p', '4000'], undefined);
    expect(foreman).toBeUndefined();
    expect(flags).toMatchObject({ procfile: 'Procfile', port: 4000, timeout: 5, timestamp: true });
  });

  it('lists values for options the command does not have as unused', () => {
    const command = new Command('check').exitOverride();
    addProjectOptions(command);
    command.parse([], { from: 'user' });
    const { flags, foreman } = applyForemanDefaults<Record<string, unknown>>(command, '/app', () =>
      Buffer.from('port: 3000\ntimeout: 3\n'),
    );
    expect(flags.port).toBe(3000);
    expect(foreman?.unused).toEqual([{ key: 'timeout', line: 2 }]);
  });

  it('describes what came from the file for check', () => {
    const { foreman } = startLike(['-p', '3001'], 'concurrency: web=2\nport: 3000\napp: shop\n');
    expect(describeForeman(foreman!)).toBe(
      [
        'defaults from /app/.foreman: concurrency=web=2 (as formation)',
        '  overridden on the command line: port (line 2)',
        '  not used by this command: app (line 3)',
        '',
      ].join('\n'),
    );
  });

  it('names a UTF-16 .foreman', () => {
    const command = new Command('check').exitOverride();
    addProjectOptions(command);
    command.parse([], { from: 'user' });
    const error = usageError(() => applyForemanDefaults(command, '/app', () => Buffer.from('port: 3000\n', 'utf16le')));
    expect(error.message).toBe('/app/.foreman is UTF-16 (little-endian); save it as UTF-8');
  });
});
