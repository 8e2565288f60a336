// launchd property lists: parsed by the plist library, with the expected keys and every value exact.
import { parse } from 'plist';
import { describe, expect, it } from 'vitest';
import { exportLaunchd } from '../../src/export/launchd.js';
import type { ExportInput } from '../../src/export/types.js';

const HOSTILE: Record<string, string> = {
  SPACES: '  two  spaces  ',
  QUOTES: `it's "both"`,
  MARKUP: '<b>&amp;</b> ]]> <!-- x -->',
  DOLLAR: '$HOME ${PATH} $$',
  PERCENT: '100% %n',
  BACKSLASH: 'C:\\path\\n \\',
  NEWLINES: 'one\ntwo\r\nthree\r',
  TAB: 'a\tb',
  UNICODE: 'größe ☃ 日本 🎉',
  EMPTY: '',
};

function input(env: Record<string, string>, overrides: Partial<ExportInput> = {}): ExportInput {
  const command = 'node server.js --x "<&>" $PORT';
  return {
    app: 'shop',
    root: '/srv/shop & co',
    timeoutSeconds: 2.5,
    env,
    processes: [{ type: 'web', command, count: 1, port: 5000, portBound: true }],
    instances: [{ name: 'web.1', type: 'web', index: 1, command, port: 5000, env: { ...env, PORT: '5000', PS: 'web.1' } }],
    ...overrides,
  };
}

describe('exportLaunchd', () => {
  it('writes a plist per instance that parses, with the expected keys and exact values', () => {
    const [file, ...rest] = exportLaunchd(input(HOSTILE, { user: 'shop', logDir: '/var/log/shop' }));
    expect(rest).toEqual([]);
    expect(file?.path).toBe('shop-web.1.plist');
    expect(parse(file?.content ?? '')).toEqual({
      Label: 'shop-web.1',
      ProgramArguments: ['/bin/sh', '-c', 'node server.js --x "<&>" $PORT'],
      WorkingDirectory: '/srv/shop & co',
      UserName: 'shop',
      EnvironmentVariables: { ...HOSTILE, PORT: '5000', PS: 'web.1' },
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      AbandonProcessGroup: false,
      ExitTimeOut: 3,
      StandardOutPath: '/var/log/shop/shop-web.1.log',
      StandardErrorPath: '/var/log/shop/shop-web.1.log',
    });
  });

  it('leaves out UserName and log paths when not asked for', () => {
    const parsed = parse(exportLaunchd(input({}))[0]?.content ?? '') as Record<string, unknown>;
    expect(Object.keys(parsed)).not.toContain('UserName');
    expect(Object.keys(parsed)).not.toContain('StandardOutPath');
  });

  it('rejects a control character XML cannot hold, naming the variable and the format', () => {
    expect(() => exportLaunchd(input({ BELL: 'ding\x07' }))).toThrow(/^launchd cannot carry the value of BELL: /);
  });
});
