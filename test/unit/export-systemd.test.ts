// systemd unit text: quoting of env values and the command, and what cannot be written.
import { describe, expect, it } from 'vitest';
import { exportSystemd, systemdWord } from '../../src/export/systemd.js';
import type { ExportInput } from '../../src/export/types.js';
import { UsageError } from '../../src/errors.js';

function input(env: Record<string, string>, overrides: Partial<ExportInput> = {}): ExportInput {
  return {
    app: 'shop',
    root: '/srv/shop',
    timeoutSeconds: 5,
    env,
    processes: [{ type: 'web', command: 'node server.js', count: 1, port: 5000, portBound: true }],
    instances: [
      { name: 'web.1', type: 'web', index: 1, command: 'node server.js', port: 5000, env: { ...env, PORT: '5000', PS: 'web.1' } },
    ],
    ...overrides,
  };
}

describe('systemdWord', () => {
  it.each([
    ['plain', '"plain"'],
    ['two  spaces ', '"two  spaces "'],
    ['say "hi"', '"say \\"hi\\""'],
    ["it's", '"it\'s"'],
    ['C:\\dir\\', '"C:\\\\dir\\\\"'],
    ['line\nbreak\ttab\rcr', '"line\\nbreak\\ttab\\rcr"'],
    ['bell\x07del\x7f', '"bell\\x07del\\x7f"'],
    ['100% %n', '"100%% %%n"'],
    ['$HOME ${X}', '"$HOME ${X}"'],
    ['größe ☃ 🎉', '"größe ☃ 🎉"'],
    ['', '""'],
  ])('quotes %j as %s', (value, expected) => {
    expect(systemdWord(value)).toBe(expected);
  });

  it('doubles $ in a command line, where systemd would expand $NAME', () => {
    expect(systemdWord('echo $PORT ${HOME} $$', { command: true })).toBe('"echo $$PORT $${HOME} $$$$"');
  });
});

describe('exportSystemd', () => {
  it('writes a target and a unit per instance with env, user, directory, restart, kill mode and timeout', () => {
    const files = exportSystemd(input({ A: 'x y' }, { user: 'shop', logDir: '/var/log/shop', timeoutSeconds: 2.5 }));
    expect(files.map((f) => f.path)).toEqual(['shop.target', 'shop-web.1.service']);
    const unit = files[1]?.content ?? '';
    for (const line of [
      'User=shop',
      'WorkingDirectory=/srv/shop',
      'Environment="A=x y"',
      'Environment="PORT=5000"',
      'Environment="PS=web.1"',
      'ExecStart=/bin/sh -c "node server.js"',
      'Restart=on-failure',
      'KillMode=control-group',
      'TimeoutStopSec=2.5s',
      'StandardOutput=append:/var/log/shop/shop-web.1.log',
      'PartOf=shop.target',
      'WantedBy=shop.target',
    ]) {
      expect(unit.split('\n')).toContain(line);
    }
    expect(files[0]?.content).toContain('Wants=shop-web.1.service\n');
    expect(files[1]?.mode).toBe(0o600);
  });

  it('escapes % in the working directory, which systemd reads as a specifier', () => {
    const unit = exportSystemd(input({}, { root: '/srv/100%' }))[1]?.content ?? '';
    expect(unit).toContain('WorkingDirectory=/srv/100%%\n');
  });

  it('rejects a variable name systemd does not accept, naming it and the format', () => {
    expect(() => exportSystemd(input({ 'my.var': '1' }))).toThrow(UsageError);
    expect(() => exportSystemd(input({ 'my.var': '1' }))).toThrow(/systemd cannot carry variable "my.var"/);
  });

  it('rejects a root directory with a line break', () => {
    expect(() => exportSystemd(input({}, { root: '/srv/a\nb' }))).toThrow(/systemd cannot carry the root directory/);
  });
});
