// supervisord's ini text and env files: quoting of the command, env values in sh syntax, and the names it cannot carry.
import { describe, expect, it } from 'vitest';
import { exportSupervisord, supervisordArg } from '../../src/export/supervisord.js';
import type { ExportInput } from '../../src/export/types.js';

function input(env: Record<string, string>, overrides: Partial<ExportInput> = {}): ExportInput {
  return {
    app: 'shop',
    root: '/srv/shop',
    timeoutSeconds: 5,
    env,
    processes: [{ type: 'web', command: 'node server.js', count: 2, port: 5000, portBound: true }],
    instances: [1, 2].map((index) => ({
      name: `web.${index}`,
      type: 'web',
      index,
      command: 'node server.js',
      port: 4999 + index,
      env: { ...env, PORT: String(4999 + index), PS: `web.${index}` },
    })),
    ...overrides,
  };
}

describe('supervisordArg', () => {
  it('single-quotes, escapes quote, ; and # outside quotes, and doubles %', () => {
    expect(supervisordArg(`echo 'hi' ; x # 100%`)).toBe(`'echo '\\''hi'\\'' '\\;' x '\\#' 100%%'`);
    expect(supervisordArg('')).toBe("''");
  });
});

describe('exportSupervisord', () => {
  it('writes one conf with a program per instance and a group for the app, and an env file per instance', () => {
    const [file, ...rest] = exportSupervisord(input({ A: 'x' }, { user: 'shop', timeoutSeconds: 2.5, logDir: '/var/log/shop' }));
    expect(rest.map((f) => [f.path, f.mode])).toEqual([
      ['shop-env/web.1', 0o600],
      ['shop-env/web.2', 0o600],
    ]);
    expect(file?.path).toBe('shop.conf');
    expect(file?.content).not.toMatch(/^environment=/m);
    const lines = file?.content.split('\n') ?? [];
    for (const line of [
      '[program:shop-web.1]',
      '[program:shop-web.2]',
      `command=/bin/sh -c '. "$0" && exec /bin/sh -c "$1"' '%(here)s''/shop-env/web.1' 'node server.js'`,
      'directory=/srv/shop',
      'user=shop',
      'stopwaitsecs=3',
      'stopasgroup=true',
      'killasgroup=true',
      'autorestart=unexpected',
      'stdout_logfile=/var/log/shop/shop-web.1.log',
      '[group:shop]',
      'programs=shop-web.1,shop-web.2',
    ]) {
      expect(lines).toContain(line);
    }
  });

  it('carries any value in the env file: quotes at both ends, percent signs, line breaks, comment characters', () => {
    const values = { DQ: '"quoted"', SQ: "'single'", PCT: '100% %(here)s %(ENV_HOME)s', NL: 'two\nlines', SEMI: 'a ;b #c', EMPTY: '' };
    const [, env] = exportSupervisord(input(values));
    const content = env?.content ?? '';
    expect(content.slice(content.indexOf('\n') + 1)).toBe(
      [
        `export DQ='"quoted"'`,
        `export SQ=''\\''single'\\'''`,
        `export PCT='100% %(here)s %(ENV_HOME)s'`,
        `export NL='two\nlines'`,
        `export SEMI='a ;b #c'`,
        `export EMPTY=''`,
        `export PORT='5000'`,
        `export PS='web.1'`,
        '',
      ].join('\n'),
    );
  });

  it('rejects a variable name sh cannot export', () => {
    expect(() => exportSupervisord(input({ 'A.B': '1' }))).toThrow(/supervisord cannot carry variable "A\.B"/);
  });
});
