// Service discovery variables, and `${NAME}` references in env files: the rules and the errors.
import { describe, expect, it } from 'vitest';
import { usageError } from '../support/errors.js';
import { checkDiscoveryNames, discoveryEnv, envNameOf, expandEnvFiles } from '../../src/discovery.js';
import type { ProcfileEntry } from '../../src/procfile.js';

const entries = (...names: string[]): ProcfileEntry[] => names.map((name, i) => ({ name, command: `run ${name}`, line: i + 1 }));

const expand = (texts: Record<string, string>, scope: Record<string, string> = {}): Record<string, string> =>
  expandEnvFiles(
    Object.entries(texts).map(([path, text]) => ({ path, text })),
    scope,
  );

describe('envNameOf', () => {
  it.each([
    ['web', 'WEB'],
    ['web-api', 'WEB_API'],
    ['api.v2', 'API_V2'],
    ['Worker_2', 'WORKER_2'],
    ['sidekiq:default', 'SIDEKIQ_DEFAULT'],
    ['ünï', '_N_'],
  ])('%s -> %s', (type, name) => {
    expect(envNameOf(type)).toBe(name);
  });
});

describe('checkDiscoveryNames', () => {
  it.each([
    [
      ['web-api', 'worker', 'web_api'],
      'Procfile:3: process types "web-api" (line 1) and "web_api" (line 3) would both be PS_RUN_WEB_API_PORT and PS_RUN_WEB_API_URL',
    ],
    [['Web', 'web'], 'Procfile:2: process types "Web" (line 1) and "web" (line 2) would both be PS_RUN_WEB_PORT and PS_RUN_WEB_URL'],
  ])('refuses %j, naming both lines', (names, message) => {
    expect(() => checkDiscoveryNames(entries(...names), 'Procfile')).toThrow(message);
  });

  it('accepts types whose names stay apart, and is linear (10,000 types in well under a second)', () => {
    expect(() => checkDiscoveryNames(entries('web', 'web2', 'api-v1', 'api-v2'), 'Procfile')).not.toThrow();
    const many = entries(...Array.from({ length: 10_000 }, (_, i) => `t${i}`));
    const started = performance.now();
    checkDiscoveryNames(many, 'Procfile');
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('discoveryEnv', () => {
  it('gives the port and URL of the first instance of every type in the formation', () => {
    const env = discoveryEnv(
      entries('web', 'web-api', 'worker'),
      new Map([
        ['web', 2],
        ['web-api', 1],
        ['worker', 3],
      ]),
      5000,
      100,
    );
    expect(env).toEqual({
      PS_RUN_WEB_PORT: '5000',
      PS_RUN_WEB_URL: 'http://127.0.0.1:5000',
      PS_RUN_WEB_API_PORT: '5100',
      PS_RUN_WEB_API_URL: 'http://127.0.0.1:5100',
      PS_RUN_WORKER_PORT: '5200',
      PS_RUN_WORKER_URL: 'http://127.0.0.1:5200',
    });
  });

  it('leaves out types that run no instance, without moving the ports of the others', () => {
    const env = discoveryEnv(
      entries('web', 'clock', 'api'),
      new Map([
        ['web', 1],
        ['clock', 0],
        ['api', 1],
      ]),
      8000,
      10,
    );
    expect(env).toEqual({
      PS_RUN_WEB_PORT: '8000',
      PS_RUN_WEB_URL: 'http://127.0.0.1:8000',
      PS_RUN_API_PORT: '8020',
      PS_RUN_API_URL: 'http://127.0.0.1:8020',
    });
  });

  it('is empty for an empty formation', () => {
    expect(discoveryEnv(entries('web'), new Map(), 5000, 100)).toEqual({});
  });
});

describe('expandEnvFiles: ${NAME} references', () => {
  const scope = { PS_RUN_API_URL: 'http://127.0.0.1:5100', HOME: '/home/me' };

  it('replaces a braced reference to a discovery or inherited variable', () => {
    expect(expand({ '.env': 'API_URL=${PS_RUN_API_URL}/v1\nCACHE=${HOME}/cache\n' }, scope)).toEqual({
      API_URL: 'http://127.0.0.1:5100/v1',
      CACHE: '/home/me/cache',
    });
  });

  it('replaces several references in one value, in double quotes too', () => {
    expect(expand({ '.env': 'A=x\nB="${A}-${A} ${HOME}"\n' }, scope)).toEqual({ A: 'x', B: 'x-x /home/me' });
  });

  it('sees variables defined earlier in the same file or an earlier file, before the scope', () => {
    const vars = expand({ '.env': 'HOST=db\nHOME=/from/file\n', '.env.local': 'DB=postgres://${HOST}/app\nC=${HOME}\n' }, scope);
    expect(vars).toEqual({ HOST: 'db', HOME: '/from/file', DB: 'postgres://db/app', C: '/from/file' });
  });

  it('lets a later file override an earlier one', () => {
    expect(expand({ a: 'X=1\nY=${X}\n', b: 'X=2\nZ=${X}\n' })).toEqual({ X: '2', Y: '1', Z: '2' });
  });

  it('keeps a bare $ literal (passwords are safe)', () => {
    expect(expand({ '.env': 'PASS=pa$word\nP2=$HOME\nP3=cost: 5$\nP4=a$(b)c\n' }, scope)).toEqual({
      PASS: 'pa$word',
      P2: '$HOME',
      P3: 'cost: 5$',
      P4: 'a$(b)c',
    });
  });

  it('reads $${ as a literal ${', () => {
    expect(expand({ '.env': 'T=$${HOME}\nU=$${NOT_DEFINED} and ${HOME}\n' }, scope)).toEqual({
      T: '${HOME}',
      U: '${NOT_DEFINED} and /home/me',
    });
  });

  it('takes a single-quoted value as it is', () => {
    expect(expand({ '.env': "Q='${NOT_DEFINED} $${HOME}'\nexport R='${HOME}'\n" }, scope)).toEqual({
      Q: '${NOT_DEFINED} $${HOME}',
      R: '${HOME}',
    });
  });

  it('expands export lines and values after a colon', () => {
    expect(expand({ '.env': 'export A=${HOME}/a\nB: ${HOME}/b\n' }, scope)).toEqual({ A: '/home/me/a', B: '/home/me/b' });
  });

  it('rejects a reference to an unknown name, naming the file, the line and the name', () => {
    const error = usageError(() => expand({ '/app/.env': '# comment\nA=1\n\nB=${A}/${NOPE}/x\nC=2\n' }, scope));
    expect(error.message).toBe('/app/.env:4: B refers to ${NOPE}, which is not defined');
    expect(error.file).toBe('/app/.env');
    expect(error.line).toBe(4);
    expect(error.hint).toContain('$${');
  });

  it('names the file the reference is in, when there are several', () => {
    const error = usageError(() => expand({ '/app/.env': 'A=1\n', '/app/.env.local': 'B=2\nC="${MISSING}"\n' }));
    expect(error.message).toMatch(/^\/app\/\.env\.local:2: C refers to \$\{MISSING\}/);
  });

  it('does not see a variable defined later in the env files', () => {
    const error = usageError(() => expand({ '.env': 'A=${LATER}\nLATER=1\n' }));
    expect(error.message).toBe('.env:1: A refers to ${LATER}, which is not defined');
  });

  it.each(['${}', '${A-B}', '${1X}', '${ A }'])('rejects the malformed reference %s, naming file and line', (reference) => {
    const error = usageError(() => expand({ '/app/.env': `OK=1\nBAD=x${reference}y\n` }, { A: 'a' }));
    expect(error.message).toBe(`/app/.env:2: BAD has a malformed reference ${JSON.stringify(reference)}`);
    expect(error.message).not.toContain('\n');
  });

  it('leaves values without references alone', () => {
    expect(expand({ '.env': 'A=plain\nB="quoted value"\nC=\n' })).toEqual({ A: 'plain', B: 'quoted value', C: '' });
  });
});
