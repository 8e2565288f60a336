// runit service directories: env/ files as chpst -e reads them, and the run script's sh quoting.
import { describe, expect, it } from 'vitest';
import { exportRunit } from '../../src/export/runit.js';
import { shellQuote } from '../../src/export/shell.js';
import type { ExportInput } from '../../src/export/types.js';

function input(env: Record<string, string>, overrides: Partial<ExportInput> = {}): ExportInput {
  const command = `echo 'it''s' "$PORT" 100%`;
  return {
    app: 'shop',
    root: "/srv/o'brien",
    timeoutSeconds: 5,
    env,
    processes: [{ type: 'web', command, count: 1, port: 5000, portBound: true }],
    instances: [{ name: 'web.1', type: 'web', index: 1, command, port: 5000, env: { ...env, PORT: '5000', PS: 'web.1' } }],
    ...overrides,
  };
}

const byPath = (files: ReturnType<typeof exportRunit>): Map<string, string> => new Map(files.map((f) => [f.path, f.content]));

describe('shellQuote', () => {
  it.each([
    ['plain', "'plain'"],
    ["it's", "'it'\\''s'"],
    ['$HOME `x` "q" \\ %', '\'$HOME `x` "q" \\ %\''],
    ['', "''"],
  ])('quotes %j as %s', (value, expected) => {
    expect(shellQuote(value)).toBe(expected);
  });
});

describe('exportRunit', () => {
  it('writes run, control/t, one env file per variable and log/run per instance', () => {
    const files = exportRunit(input({ A: 'x' }));
    expect(files.map((f) => f.path)).toEqual([
      'shop-web.1/run',
      'shop-web.1/control/t',
      'shop-web.1/env/A',
      'shop-web.1/env/PORT',
      'shop-web.1/env/PS',
      'shop-web.1/log/run',
    ]);
    expect(files.find((f) => f.path.endsWith('/run'))?.mode).toBe(0o755);
    expect(files.find((f) => f.path.endsWith('/env/A'))?.mode).toBe(0o600);
  });

  it('quotes the root and the command for sh, and starts a process group with chpst -P', () => {
    const run = byPath(exportRunit(input({}, { user: 'shop' }))).get('shop-web.1/run') ?? '';
    expect(run).toContain("cd '/srv/o'\\''brien' || exit 111\n");
    expect(run).toContain(`exec chpst -e "$envdir" -u 'shop' -P /bin/sh -c 'echo '\\''it'\\'''\\''s'\\'' "$PORT" 100%'\n`);
  });

  it('writes line breaks as NUL in env files (chpst turns them back)', () => {
    expect(byPath(exportRunit(input({ NL: 'a\nb\n' }))).get('shop-web.1/env/NL')).toBe('a\0b\0\n');
  });

  it('sets empty values and values ending in a space or tab in the run script, which chpst -e would lose', () => {
    const files = byPath(exportRunit(input({ EMPTY: '', TRAIL: 'x  ', TAB: 'y\t' })));
    expect([...files.keys()].filter((p) => p.includes('/env/'))).toEqual(['shop-web.1/env/PORT', 'shop-web.1/env/PS']);
    const run = files.get('shop-web.1/run') ?? '';
    expect(run).toContain("export EMPTY=''\n");
    expect(run).toContain("export TRAIL='x  '\n");
    expect(run).toContain("export TAB='y\t'\n");
  });

  it('rejects what it cannot write: an empty value under a name sh cannot export, a name with "/"', () => {
    expect(() => exportRunit(input({ 'my.var': '' }))).toThrow(/^runit cannot carry the value of my.var: /);
    expect(() => exportRunit(input({ 'a/b': '1' }))).toThrow(/^runit cannot carry variable "a\/b"/);
  });

  it('logs to ./main, or to <log dir>/<service> owned by the user', () => {
    expect(byPath(exportRunit(input({}))).get('shop-web.1/log/run')).toBe('#!/bin/sh\nmkdir -p ./main\nexec svlogd -tt ./main\n');
    expect(byPath(exportRunit(input({}, { logDir: '/var/log/shop', user: 'shop' }))).get('shop-web.1/log/run')).toBe(
      "#!/bin/sh\nmkdir -p '/var/log/shop/shop-web.1' || exit 111\nchown 'shop' '/var/log/shop/shop-web.1'\nexec chpst -u 'shop' svlogd -tt '/var/log/shop/shop-web.1'\n",
    );
  });
});
