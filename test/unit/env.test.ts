// Env files: which files, dotenv syntax, and the precedence between sources.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { envFilesFor, mergeEnv, parseEnvFiles, readEnvFiles } from '../../src/env.js';
import { UsageError } from '../../src/errors.js';
import { planInstances } from '../../src/plan.js';

const parse = (text: string): Record<string, string> => parseEnvFiles([{ path: '.env', text }]);

describe('envFilesFor', () => {
  it('defaults to an optional .env in the root', () => {
    expect(envFilesFor(undefined, '/app', '/cwd')).toEqual([{ path: path.join('/app', '.env'), required: false }]);
  });

  it('reads -e as comma-separated required files relative to cwd', () => {
    expect(envFilesFor('.env, conf/.env.local,/abs/x', '/app', '/cwd')).toEqual([
      { path: '/cwd/.env', required: true },
      { path: '/cwd/conf/.env.local', required: true },
      { path: '/abs/x', required: true },
    ]);
  });
});

describe('readEnvFiles', () => {
  const enoent = (): never => {
    throw Object.assign(new Error('nope'), { code: 'ENOENT' });
  };

  it('skips a missing default file', () => {
    expect(readEnvFiles([{ path: '/app/.env', required: false }], enoent)).toEqual([]);
  });

  it('fails on a missing named file, naming it', () => {
    expect(() => readEnvFiles([{ path: '/cwd/.env.prod', required: true }], enoent)).toThrow(UsageError);
    expect(() => readEnvFiles([{ path: '/cwd/.env.prod', required: true }], enoent)).toThrow('/cwd/.env.prod');
  });

  it('reads files in order', () => {
    const files = readEnvFiles(
      [
        { path: 'a', required: true },
        { path: 'b', required: true },
      ],
      (f) => `${f.toUpperCase()}=1`,
    );
    expect(files).toEqual([
      { path: 'a', text: 'A=1' },
      { path: 'b', text: 'B=1' },
    ]);
  });
});

describe('dotenv syntax', () => {
  it.each<[string, string, Record<string, string>]>([
    ['plain', 'A=1\nB=two words', { A: '1', B: 'two words' }],
    ['double quotes with \\n expanded', 'A="x\\ny"', { A: 'x\ny' }],
    ['single quotes kept literal', "A='x\\ny $B'", { A: 'x\\ny $B' }],
    ['backticks', 'A=`it\'s "q"`', { A: 'it\'s "q"' }],
    ['export prefix', 'export A=1\nexport B="2"', { A: '1', B: '2' }],
    ['comments and blank lines', '# top\n\nA=1 # trailing\nB="#not comment"', { A: '1', B: '#not comment' }],
    ['multi-line double-quoted value', 'KEY="line one\nline two"\nNEXT=1', { KEY: 'line one\nline two', NEXT: '1' }],
    ['empty value', 'A=\nB=""', { A: '', B: '' }],
    ['CRLF', 'A=1\r\nB=2\r\n', { A: '1', B: '2' }],
    ['spaces around =', 'A = 1', { A: '1' }],
  ])('%s', (_what, text, expected) => {
    expect(parse(text)).toEqual(expected);
  });
});

describe('precedence', () => {
  it('later files override earlier ones', () => {
    const vars = parseEnvFiles([
      { path: '.env', text: 'A=from-first\nB=from-first' },
      { path: '.env.local', text: 'B=from-second\nC=from-second' },
    ]);
    expect(vars).toEqual({ A: 'from-first', B: 'from-second', C: 'from-second' });
  });

  it('files override the inherited environment, which fills the rest', () => {
    const env = mergeEnv({ A: 'inherited', HOME: '/home/me', GONE: undefined }, { A: 'file' });
    expect(env).toEqual({ A: 'file', HOME: '/home/me' });
  });

  it('PORT and PS are set last, over both files and inherited values', () => {
    const env = mergeEnv({ PORT: '1111', PS: 'x' }, parseEnvFiles([{ path: '.env', text: 'PORT=2222\nPS=y' }]));
    const [instance] = planInstances({
      entries: [{ name: 'web', command: 'x', line: 1 }],
      counts: new Map([['web', 1]]),
      basePort: 6000,
      portStep: 100,
      env,
    });
    expect(instance?.env.PORT).toBe('6000');
    expect(instance?.env.PS).toBe('web.1');
  });
});
