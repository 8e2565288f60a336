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
  it('starts the chain when there is none', () => {
    const out = requestHeaders({ host: 'localhost:8080', connection: 'keep-alive' }, client);
    expect(out).toEqual({
      host: 'localhost:8080',
      'x-forwarded-for': '127.0.0.1',
      forwarded: 'for=127.0.0.1;host="localhost:8080";proto=http',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'localhost:8080',
    });
  });

  it('appends to an existing chain and overrides proto and host', () => {
    const out = requestHeaders(
      { host: 'app', 'x-forwarded-for': '10.0.0.1', forwarded: 'for=10.0.0.1', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil' },
      { ...client, address: '::1' },
    );
    expect(out['x-forwarded-for']).toBe('10.0.0.1, ::1');
    expect(out.forwarded).toBe('for=10.0.0.1, for="[::1]";host=app;proto=http');
    expect(out['x-forwarded-proto']).toBe('http');
    expect(out['x-forwarded-host']).toBe('app');
  });

  it('keeps Connection and Upgrade for an upgrade only', () => {
    const headers = { host: 'a', connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-key': 'k' };
    expect(requestHeaders(headers, client).upgrade).toBeUndefined();
    const up = requestHeaders(headers, { ...client, upgrade: true });
    expect([up.connection, up.upgrade, up['sec-websocket-key']]).toEqual(['upgrade', 'websocket', 'k']);
  });

  it('names an unknown client as unknown', () => {
    const out = requestHeaders({}, { ...client, address: undefined });
    expect([out['x-forwarded-for'], out.forwarded, out['x-forwarded-host']]).toEqual(['unknown', 'for=unknown;proto=http', undefined]);
  });
});
