// `--ready` values -> a readiness check per process type: the syntax, the defaults, and the one-line errors.
import { describe, expect, it } from 'vitest';
import { usageError } from '../support/errors.js';
import { checkFor, checkReadyTypes, describeCheck, parseReadyCheck, parseReadySpecs, type ReadyCheck } from '../../src/readiness/spec.js';

describe('parseReadyCheck', () => {
  it.each<[string, ReadyCheck]>([
    ['port', { kind: 'port' }],
    ['exit', { kind: 'exit' }],
    ['alive', { kind: 'alive' }],
    ['http', { kind: 'http', path: '/' }],
    ['http:/health', { kind: 'http', path: '/health' }],
    ['http:/a/b?c=d', { kind: 'http', path: '/a/b?c=d' }],
  ])('%s', (text, expected) => {
    expect(parseReadyCheck(text, `web=${text}`)).toEqual(expected);
  });

  it('log:<regex> compiles the regex', () => {
    const check = parseReadyCheck('log:listening on \\d+', 'web=log:listening on \\d+');
    expect(check.kind).toBe('log');
    if (check.kind !== 'log') return;
    expect(check.pattern.source).toBe('listening on \\d+');
    expect(check.pattern.test('listening on 5000')).toBe(true);
    expect(check.pattern.test('listening on port')).toBe(false);
  });

  it.each<[string, RegExp]>([
    ['nope', /^unknown readiness check "web=nope": expected port, http\[:\/path\], log:<regex>, exit or alive$/],
    ['', /^unknown readiness check "web=": expected/],
    ['PORT', /^unknown readiness check "web=PORT"/],
    ['http:health', /^readiness check "web=http:health": an http path must start with "\/"$/],
    ['log:', /^readiness check "web=log:": log: needs a regular expression$/],
    ['log:(', /^readiness check "web=log:\(": invalid regular expression: /],
    ['log:[a-', /^readiness check "web=log:\[a-": invalid regular expression: /],
  ])('rejects %j with one line', (text, message) => {
    const error = usageError(() => parseReadyCheck(text, `web=${text}`));
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('\n');
  });
});

describe('parseReadySpecs', () => {
  it('reads one item per value', () => {
    expect(parseReadySpecs(['web=http:/health', 'worker=log:started'])).toEqual(
      new Map<string, ReadyCheck>([
        ['web', { kind: 'http', path: '/health' }],
        ['worker', { kind: 'log', pattern: /started/ }],
      ]),
    );
  });

  it('splits a value at commas that start a new type= item', () => {
    const checks = parseReadySpecs(['web=port,migrate=exit,clock=alive,api-v2=http']);
    expect([...checks]).toEqual([
      ['web', { kind: 'port' }],
      ['migrate', { kind: 'exit' }],
      ['clock', { kind: 'alive' }],
      ['api-v2', { kind: 'http', path: '/' }],
    ]);
  });

  it('keeps a comma inside a log: regex that is not followed by name=', () => {
    const checks = parseReadySpecs(['worker=log:^a,b {2,3}$,web=port']);
    const worker = checks.get('worker');
    expect(worker?.kind === 'log' && worker.pattern.source).toBe('^a,b {2,3}$');
    expect(checks.get('web')).toEqual({ kind: 'port' });
  });

  it('lets a later item override an earlier one for the same type', () => {
    expect(parseReadySpecs(['web=port', 'web=http:/up']).get('web')).toEqual({ kind: 'http', path: '/up' });
    expect(parseReadySpecs(['web=exit,web=alive']).get('web')).toEqual({ kind: 'alive' });
  });

  it('gives no checks for no values', () => {
    expect(parseReadySpecs([]).size).toBe(0);
  });

  it.each<[string, RegExp]>([
    ['web', /^malformed readiness check "web": expected <type>=<check>, e.g. web=http:\/health$/],
    ['=port', /^malformed readiness check "=port"/],
    ['we b=port', /^malformed readiness check "we b=port"/],
    ['web=port,', /^unknown readiness check "web=port,"/],
    ['web=tcp', /^unknown readiness check "web=tcp"/],
    ['web=log:(oops', /^readiness check "web=log:\(oops": invalid regular expression/],
    ['web=port,worker=sometimes', /^unknown readiness check "worker=sometimes"/],
  ])('rejects %j with one line naming the item', (value, message) => {
    const error = usageError(() => parseReadySpecs([value]));
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('\n');
  });

  it('keeps a message to one line even when the value holds a newline', () => {
    const error = usageError(() => parseReadySpecs(['web=po\nrt']));
    expect(error.message).not.toContain('\n');
    expect(error.message).toContain('po\\nrt');
  });
});

describe('checkFor: defaults', () => {
  const none = new Map<string, ReadyCheck>();

  it('is port for web and alive for every other type', () => {
    expect(checkFor('web', none)).toEqual({ kind: 'port' });
    expect(checkFor('worker', none)).toEqual({ kind: 'alive' });
    expect(checkFor('webhook', none)).toEqual({ kind: 'alive' });
  });

  it('is what --ready says for a named type', () => {
    const checks = parseReadySpecs(['web=exit,worker=http:/x']);
    expect(checkFor('web', checks)).toEqual({ kind: 'exit' });
    expect(checkFor('worker', checks)).toEqual({ kind: 'http', path: '/x' });
    expect(checkFor('clock', checks)).toEqual({ kind: 'alive' });
  });
});

describe('describeCheck', () => {
  it.each(['port', 'exit', 'alive', 'http:/', 'http:/health', 'log:ready on \\d+'])('%s reads back as written', (text) => {
    expect(describeCheck(parseReadyCheck(text, text))).toBe(text);
  });

  it('writes a bare http as http:/', () => {
    expect(describeCheck(parseReadyCheck('http', 'http'))).toBe('http:/');
  });
});

describe('checkReadyTypes', () => {
  it('accepts types of the Procfile', () => {
    expect(() => checkReadyTypes(parseReadySpecs(['web=port,worker=alive']), ['web', 'worker', 'clock'])).not.toThrow();
  });

  it('rejects a type the Procfile lacks, listing the known ones', () => {
    const error = usageError(() => checkReadyTypes(parseReadySpecs(['web=port,wrker=alive']), ['web', 'worker']));
    expect(error.message).toBe('--ready names unknown process type "wrker"; known types: web, worker');
  });
});
