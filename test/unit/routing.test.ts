// The routing glue's pure parts: --router values, discovery variables, checks against the project,
// access log lines and the smoke summary's router lines.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import {
  checkRouterSpecs,
  describeRouters,
  formatAccess,
  parseRouterHost,
  parseRouterSpecs,
  routerEnv,
  routerUrl,
} from '../../src/runtime/routing.js';
import type { InstanceStatus } from '../../src/runtime/control.js';

describe('parseRouterSpecs', () => {
  it.each<[string[], { type: string; port: number }[]]>([
    [[], []],
    [['8080'], [{ type: 'web', port: 8080 }]],
    [[' 8080 '], [{ type: 'web', port: 8080 }]],
    [
      ['8080', 'api=8081'],
      [
        { type: 'web', port: 8080 },
        { type: 'api', port: 8081 },
      ],
    ],
    [['web-admin_2=1'], [{ type: 'web-admin_2', port: 1 }]],
    [['65535'], [{ type: 'web', port: 65535 }]],
  ])('%j', (values, specs) => {
    expect(parseRouterSpecs(values)).toEqual(specs);
  });

  it.each<[string[], string]>([
    [['eighty'], 'bad --router value "eighty": expected <port> or <type>=<port>, e.g. 8080 or api=8081 (ports 1-65535)'],
    [['0'], 'bad --router value "0"'],
    [['65536'], 'bad --router value "65536"'],
    [['api='], 'bad --router value "api="'],
    [['=8080'], 'bad --router value "=8080"'],
    [['a.b=8080'], 'bad --router value "a.b=8080"'],
    [['8080', 'web=8081'], '--router names web twice (ports 8080 and 8081): one router per type'],
    [['8080', 'api=8080'], '--router gives port 8080 to both web and api'],
  ])('%j is refused', (values, message) => {
    expect(() => parseRouterSpecs(values)).toThrow(UsageError);
    expect(() => parseRouterSpecs(values)).toThrow(message);
  });
});

describe('parseRouterHost and routerUrl', () => {
  it('defaults to loopback, takes IP addresses, refuses anything else', () => {
    expect(parseRouterHost(undefined)).toBe('127.0.0.1');
    expect(parseRouterHost('0.0.0.0')).toBe('0.0.0.0');
    expect(parseRouterHost('::1')).toBe('::1');
    expect(() => parseRouterHost('localhost')).toThrow('bad --router-host "localhost": expected an IP address, e.g. 127.0.0.1 or 0.0.0.0');
  });

  it.each([
    ['127.0.0.1', 'http://127.0.0.1:8080'],
    ['0.0.0.0', 'http://127.0.0.1:8080'],
    ['::', 'http://[::1]:8080'],
    ['::1', 'http://[::1]:8080'],
    ['192.168.1.5', 'http://192.168.1.5:8080'],
  ])('children dial %s as %s', (host, url) => {
    expect(routerUrl(host, 8080)).toBe(url);
  });
});

describe('routerEnv', () => {
  it('gives PS_RUN_ROUTER_URL for web and PS_RUN_<TYPE>_ROUTER_URL for every routed type', () => {
    expect(
      routerEnv(
        [
          { type: 'web', port: 8080 },
          { type: 'web-api', port: 8081 },
        ],
        '127.0.0.1',
      ),
    ).toEqual({
      PS_RUN_ROUTER_URL: 'http://127.0.0.1:8080',
      PS_RUN_WEB_ROUTER_URL: 'http://127.0.0.1:8080',
      PS_RUN_WEB_API_ROUTER_URL: 'http://127.0.0.1:8081',
    });
  });

  it('has no PS_RUN_ROUTER_URL when web is not routed', () => {
    expect(routerEnv([{ type: 'api', port: 9000 }], '0.0.0.0')).toEqual({ PS_RUN_API_ROUTER_URL: 'http://127.0.0.1:9000' });
  });
});

describe('checkRouterSpecs', () => {
  const project = {
    entries: [{ name: 'web' }, { name: 'worker' }],
    counts: new Map([
      ['web', 2],
      ['worker', 0],
    ]),
    instances: [
      { name: 'web.1', port: 5000 },
      { name: 'web.2', port: 5001 },
    ],
  };

  it('accepts a routed type that runs, on a port of its own', () => {
    expect(() => checkRouterSpecs([{ type: 'web', port: 8080 }], project)).not.toThrow();
  });

  it.each<[{ type: string; port: number }, string]>([
    [{ type: 'api', port: 8080 }, '--router fronts "api", which is not a process type of the Procfile; known types: web, worker'],
    [{ type: 'worker', port: 8080 }, '--router fronts worker, but the formation runs no worker instance'],
    [{ type: 'web', port: 5001 }, 'router port 5001 for web is also the port of web.2'],
  ])('%j is refused', (spec, message) => {
    expect(() => checkRouterSpecs([spec], project)).toThrow(message);
  });
});

describe('formatAccess and describeRouters', () => {
  it('writes an access line with method, path, status, instance and whole ms', () => {
    expect(formatAccess({ method: 'GET', path: '/a?b=1', status: 200, instance: 'web.2', ms: 3.4 })).toBe('GET /a?b=1 200 web.2 3ms');
    expect(formatAccess({ method: 'POST', path: '/', status: 0, instance: '-', ms: 12 })).toBe('POST / - - 12ms');
  });

  it('lists each router with the instances in its rotation', () => {
    const status = (name: string, rotation?: string): InstanceStatus => ({
      name,
      type: name.split('.')[0]!,
      state: 'running',
      pid: 1,
      port: 5000,
      ready: true,
      restarts: 0,
      uptimeMs: 1,
      lastExit: null,
      rotation,
    });
    const text = describeRouters(
      [
        { type: 'web', url: 'http://127.0.0.1:8080' },
        { type: 'api', url: 'http://127.0.0.1:8081' },
      ],
      [
        status('web.1', 'in'),
        status('web.2', 'draining (1 in flight)'),
        status('web.3', 'in'),
        status('api.1', 'not in'),
        status('worker.1'),
      ],
    );
    expect(text).toBe(
      'router for web: http://127.0.0.1:8080 (in rotation: web.1, web.3)\nrouter for api: http://127.0.0.1:8081 (in rotation: none)\n',
    );
  });
});
