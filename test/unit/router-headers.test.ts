// Headers across the proxy: hop-by-hop removal (RFC 9110 7.6.1) and the forwarding chain. Pure.
import { describe, expect, it } from 'vitest';
import { endToEnd, endToEndRaw, requestHeaders } from '../../src/router/headers.js';

const client = { address: '127.0.0.1', proto: 'http', upgrade: false };

describe('endToEnd', () => {
  it.each<[string, Record<string, string>, string[]]>([
    ['keeps end-to-end headers', { host: 'a', accept: '*/*', 'content-length': '3' }, ['host', 'accept', 'content-length']],
    [
      'drops the fixed hop-by-hop set',
      {
        connection: 'keep-alive',
        'keep-alive': 'timeout=5',
        'proxy-connection': 'x',
        te: 'trailers',
        'transfer-encoding': 'chunked',
        upgrade: 'h2c',
        accept: 'x',
      },
      ['accept'],
    ],
    [
      'drops what Connection names',
      { connection: 'close, X-Secret , x-other', 'x-secret': '1', 'x-other': '2', 'x-kept': '3' },
      ['x-kept'],
    ],
  ])('%s', (_label, headers, names) => {
    expect(Object.keys(endToEnd(headers))).toEqual(names);
  });

  it('keeps repeated values as arrays', () => {
    expect(endToEnd({ 'set-cookie': ['a=1', 'b=2'] })).toEqual({ 'set-cookie': ['a=1', 'b=2'] });
  });
});

describe('endToEndRaw (an instance response head, names as written)', () => {
  it('drops hop-by-hop headers and what Connection names, whatever their case, and keeps the rest in order', () => {
    const raw = ['Content-Type', 'text/plain', 'Connection', 'keep-alive, X-Trace', 'Keep-Alive', 'timeout=5', 'x-trace', '1'];
    expect(endToEndRaw([...raw, 'Transfer-Encoding', 'chunked', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2'])).toEqual([
      'Content-Type',
      'text/plain',
      'Set-Cookie',
      'a=1',
      'Set-Cookie',
      'b=2',
    ]);
  });

  it('reads every Connection header, not only the first', () => {
    expect(endToEndRaw(['connection', 'x-a', 'Connection', 'x-b', 'x-a', '1', 'x-b', '2', 'x-c', '3'])).toEqual(['x-c', '3']);
  });
});

describe('requestHeaders', () => {
  /** The raw list as an object, for the cases with no repeated field. */
  const asObject = (raw: string[]): Record<string, string> =>
    Object.fromEntries(Array.from({ length: raw.length / 2 }, (_, i) => [raw[2 * i] as string, raw[2 * i + 1] as string]));

  it('starts the chain when there is none', () => {
    const { headers, hasBody } = requestHeaders(['Host', 'localhost:8080', 'Connection', 'keep-alive'], client);
    expect(headers).toEqual([
      'Host',
      'localhost:8080',
      'x-forwarded-for',
      '127.0.0.1',
      'forwarded',
      'for=127.0.0.1;host="localhost:8080";proto=http',
      'x-forwarded-proto',
      'http',
      'x-forwarded-host',
      'localhost:8080',
    ]);
    expect(hasBody).toBe(false);
  });

  it('appends to an existing chain (repeated fields joined) and overrides proto and host', () => {
    const raw = [
      'host',
      'app',
      'X-Forwarded-For',
      '10.0.0.1',
      'x-forwarded-for',
      '10.0.0.2',
      'Forwarded',
      'for=10.0.0.1',
      'x-forwarded-proto',
      'https',
      'x-forwarded-host',
      'evil',
    ];
    const out = asObject(requestHeaders(raw, { ...client, address: '::1' }).headers);
    expect(out['x-forwarded-for']).toBe('10.0.0.1, 10.0.0.2, ::1');
    expect(out.forwarded).toBe('for=10.0.0.1, for="[::1]";host=app;proto=http');
    expect(out['x-forwarded-proto']).toBe('http');
    expect(out['x-forwarded-host']).toBe('app');
    expect(Object.keys(out)).toEqual(['host', 'x-forwarded-for', 'forwarded', 'x-forwarded-proto', 'x-forwarded-host']);
  });

  it("keeps the client's order, spelling and repeated fields; the first Host only", () => {
    const raw = ['Accept', 'a/b', 'X-Trace', '1', 'Host', 'first', 'x-trace', '2', 'host', 'second'];
    const { headers } = requestHeaders(raw, client);
    expect(headers.slice(0, 8)).toEqual(['Accept', 'a/b', 'X-Trace', '1', 'Host', 'first', 'x-trace', '2']);
    expect(headers.filter((name) => name.toLowerCase() === 'host')).toHaveLength(1);
  });

  it('drops hop-by-hop headers and those a Connection header names', () => {
    const raw = [
      'connection',
      'x-a, Keep-Alive',
      'Keep-Alive',
      'timeout=5',
      'x-a',
      '1',
      'TE',
      'trailers',
      'Transfer-Encoding',
      'chunked',
      'x-b',
      '2',
    ];
    const { headers, hasBody } = requestHeaders(raw, client);
    expect(headers.slice(0, 2)).toEqual(['x-b', '2']);
    expect(headers.map((n) => n.toLowerCase())).not.toContain('x-a');
    expect(hasBody).toBe(true);
  });

  it('knows when a body follows', () => {
    expect(requestHeaders(['content-length', '0'], client).hasBody).toBe(false);
    expect(requestHeaders(['Content-Length', '12'], client).hasBody).toBe(true);
    expect(requestHeaders(['transfer-encoding', 'chunked'], client).hasBody).toBe(true);
    expect(requestHeaders([], client).hasBody).toBe(false);
  });

  it('says whether the body came in chunks (to be chunked again) and whether a Host was given', () => {
    expect(requestHeaders(['Transfer-Encoding', 'chunked'], client)).toMatchObject({ chunked: true, host: false });
    expect(requestHeaders(['Content-Length', '12', 'Host', 'a'], client)).toMatchObject({ chunked: false, host: true });
  });

  it('drops Expect (node:http answered 100-continue) but for an upgrade', () => {
    const raw = ['host', 'a', 'expect', '100-continue', 'content-length', '3'];
    expect(asObject(requestHeaders(raw, client).headers).expect).toBeUndefined();
    expect(asObject(requestHeaders(raw, { ...client, upgrade: true }).headers).expect).toBe('100-continue');
  });

  it('keeps Connection and Upgrade for an upgrade only', () => {
    const raw = ['host', 'a', 'connection', 'Upgrade', 'upgrade', 'websocket', 'sec-websocket-key', 'k'];
    expect(asObject(requestHeaders(raw, client).headers).upgrade).toBeUndefined();
    const up = asObject(requestHeaders(raw, { ...client, upgrade: true }).headers);
    expect([up.connection, up.upgrade, up['sec-websocket-key']]).toEqual(['upgrade', 'websocket', 'k']);
  });

  it('names an unknown client as unknown', () => {
    const out = asObject(requestHeaders([], { ...client, address: undefined }).headers);
    expect([out['x-forwarded-for'], out.forwarded, out['x-forwarded-host']]).toEqual(['unknown', 'for=unknown;proto=http', undefined]);
  });
});
