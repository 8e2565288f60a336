// supervisord's ini text: quoting of env values and the command, and the values it cannot carry.
import { describe, expect, it } from 'vitest';
import { exportSupervisord, supervisordArg, supervisordEnvValue } from '../../src/export/supervisord.js';
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

describe('supervisordEnvValue', () => {
  it.each([
    ['plain', '"plain"'],
    ['two  spaces', '"two  spaces"'],
    ['say "hi" now', `'say "hi" now'`],
    ["it's", `"it's"`],
    ['a=1,b=2', '"a=1,b=2"'],
    ['100% %(ENV_HOME)s', '"100%% %%(ENV_HOME)s"'],
    ['$HOME \\ `x`', '"$HOME \\ `x`"'],
    ['größe ☃ 🎉', '"größe ☃ 🎉"'],
    ['a;b#c', '"a;b#c"'],
    ['', '""'],
  ])('quotes %j as %s', (value, expected) => {
    expect(supervisordEnvValue('X', value)).toBe(expected);
  });

  it.each([
    ['line\nbreak', /line breaks/],
    ['a ;b', /comment/],
    ['a #b', /comment/],
    ['"quoted"', /strips quote characters/],
    ["end'", /strips quote characters/],
    [`both ' and " inside`, /both kinds of quote/],
    ['at %(here)s', /%\(here\)s/],
  ])('rejects %j, naming the variable and the format', (value, why) => {
    expect(() => supervisordEnvValue('SECRET', value)).toThrow(/^supervisord cannot carry the value of SECRET: /);
    expect(() => supervisordEnvValue('SECRET', value)).toThrow(why);
  });
});

describe('supervisordArg', () => {
  it('single-quotes, escapes quote, ; and # outside quotes, and doubles %', () => {
    expect(supervisordArg(`echo 'hi' ; x # 100%`)).toBe(`'echo '\\''hi'\\'' '\\;' x '\\#' 100%%'`);
    expect(supervisordArg('')).toBe("''");
  });
});

describe('exportSupervisord', () => {
  it('writes one conf with a program per instance and a group for the app', () => {
    const [file, ...rest] = exportSupervisord(input({ A: 'x' }, { user: 'shop', timeoutSeconds: 2.5, logDir: '/var/log/shop' }));
    expect(rest).toEqual([]);
    expect(file?.path).toBe('shop.conf');
    const lines = file?.content.split('\n') ?? [];
    for (const line of [
      '[program:shop-web.1]',
      '[program:shop-web.2]',
      "command=/bin/sh -c 'node server.js'",
      'directory=/srv/shop',
      'user=shop',
      'environment=A="x",PORT="5000",PS="web.1"',
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

  it('rejects a variable name its environment parser would split', () => {
    expect(() => exportSupervisord(input({ 'A B': '1' }))).toThrow(/supervisord cannot carry variable "A B"/);
  });
});
