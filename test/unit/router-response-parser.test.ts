// The router's response parser (RFC 9112): heads, every way a body is framed, reuse of the
// connection, and what it refuses. Each case is also fed one byte at a time. Pure.
import { describe, expect, it } from 'vitest';
import { MAX_HEAD_BYTES, ResponseParseError, ResponseParser, type ResponseHead } from '../../src/router/response-parser.js';

interface Seen {
  heads: ResponseHead[];
  body: string;
  complete: boolean[];
}

/** Feeds `text` in pieces of `step` bytes (all at once when step is 0); `finish` ends the connection after. */
function parse(text: string | Buffer, { step = 0, head = false, finish = false } = {}): Seen & { finished?: boolean } {
  const seen: Seen = { heads: [], body: '', complete: [] };
  const parser = new ResponseParser(
    {
      onHead: (h) => seen.heads.push(h),
      onBody: (chunk) => (seen.body += chunk.toString('latin1')),
      onComplete: (reusable) => seen.complete.push(reusable),
    },
    head,
  );
  const bytes = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  const size = step === 0 ? bytes.length : step;
  for (let at = 0; at < bytes.length; at += size) parser.execute(bytes.subarray(at, at + size));
  return finish ? { ...seen, finished: parser.finish() } : seen;
}

/** The same result whether the bytes come at once, one at a time, or seven at a time. */
function parseEveryWay(text: string, options: { head?: boolean; finish?: boolean } = {}) {
  const whole = parse(text, options);
  expect(parse(text, { ...options, step: 1 })).toEqual(whole);
  expect(parse(text, { ...options, step: 7 })).toEqual(whole);
  return whole;
}

describe('ResponseParser', () => {
  it('reads a Content-Length body and keeps the connection', () => {
    const seen = parseEveryWay('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello');
    expect(seen.heads).toEqual([{ status: 200, statusText: 'OK', rawHeaders: ['Content-Type', 'text/plain', 'Content-Length', '5'] }]);
    expect(seen.body).toBe('hello');
    expect(seen.complete).toEqual([true]);
  });

  it('trims the spaces around a value and keeps repeated headers in order', () => {
    const seen = parse('HTTP/1.1 201 Created\r\nSet-Cookie:a=1\r\nset-cookie:   b=2  \r\ncontent-length: 0\r\n\r\n');
    expect(seen.heads[0]).toEqual({
      status: 201,
      statusText: 'Created',
      rawHeaders: ['Set-Cookie', 'a=1', 'set-cookie', 'b=2', 'content-length', '0'],
    });
    expect(seen.complete).toEqual([true]);
  });

  it('takes a chunked body apart, with extensions and trailers, split anywhere', () => {
    const text = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=x\r\nhello\r\nA\r\n, chunked!\r\n0\r\nX-Trailer: 1\r\n\r\n';
    const seen = parseEveryWay(text);
    expect(seen.body).toBe('hello, chunked!');
    expect(seen.complete).toEqual([true]);
  });

  it('ends a body without a length at the connection’s end, and does not reuse the connection', () => {
    const seen = parseEveryWay('HTTP/1.1 200 OK\r\n\r\nuntil the end', { finish: true });
    expect(seen.body).toBe('until the end');
    expect(seen).toMatchObject({ complete: [false], finished: true });
    // A Transfer-Encoding that does not end in chunked runs to the close too (RFC 9112 6.3).
    expect(parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz', { finish: true })).toMatchObject({
      body: 'zz',
      complete: [false],
    });
  });

  it('knows the responses that have no body: to HEAD, 204 and 304', () => {
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n', { head: true })).toMatchObject({ body: '', complete: [true] });
    expect(parse('HTTP/1.1 204 No Content\r\n\r\n')).toMatchObject({ body: '', complete: [true] });
    expect(parse('HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n')).toMatchObject({ body: '', complete: [true] });
  });

  it('skips informational responses before the final one', () => {
    const seen = parseEveryWay(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    );
    expect(seen.heads.map((h) => h.status)).toEqual([200]);
    expect(seen.body).toBe('ok');
  });

  it('does not reuse a connection the instance said it closes, an HTTP/1.0 one, or one that sent more than the answer', () => {
    expect(parse('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n').complete).toEqual([false]);
    expect(parse('HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Close\r\nContent-Length: 0\r\n\r\n').complete).toEqual([false]);
    expect(parse('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').complete).toEqual([false]);
    expect(parse('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n').complete).toEqual([true]);
    // close wins, whatever the order of the options.
    expect(parse('HTTP/1.0 200 OK\r\nConnection: close, keep-alive\r\nContent-Length: 0\r\n\r\n').complete).toEqual([false]);
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n').complete).toEqual([false]);
    // Transfer-Encoding and Content-Length both: the chunks frame it, and the connection is not reused.
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n')).toMatchObject({
      body: 'a',
      complete: [false],
    });
  });

  it('says the message was cut short when the connection ends early', () => {
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf', { finish: true })).toMatchObject({ complete: [], finished: false });
    expect(parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel', { finish: true })).toMatchObject({
      complete: [],
      finished: false,
    });
    expect(parse('HTTP/1.1 200 OK\r\nContent-', { finish: true })).toMatchObject({ heads: [], finished: false });
  });

  it('passes body bytes as they are, any byte value', () => {
    const body = Buffer.from([0, 255, 13, 10, 13, 10, 128]);
    const bytes = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
    const seen = parse(bytes, { step: 3 });
    expect(Buffer.from(seen.body, 'latin1')).toEqual(body);
  });

  it.each([
    ['a status line that is not HTTP/1', 'HTTP/2 200 OK\r\n\r\n'],
    ['a status code that is not three digits', 'HTTP/1.1 20 OK\r\n\r\n'],
    ['a header without a colon', 'HTTP/1.1 200 OK\r\nbroken\r\n\r\n'],
    ['a folded header line (obs-fold)', 'HTTP/1.1 200 OK\r\nX-A: 1\r\n  2\r\n\r\n'],
    ['a space before the colon', 'HTTP/1.1 200 OK\r\nX-A : 1\r\n\r\n'],
    ['a Content-Length that is not a number', 'HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n'],
    ['two different Content-Lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'],
    ['a chunk size that is not hex', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
    ['a chunk not followed by CRLF', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n'],
    ['a 101 to a request that asked no upgrade', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n'],
  ])('refuses %s', (_what, text) => {
    expect(() => parse(text)).toThrow(ResponseParseError);
    expect(() => parse(text, { step: 1 })).toThrow(ResponseParseError);
  });

  it('refuses a head over the limit, whether it ends or not', () => {
    const long = `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(MAX_HEAD_BYTES)}`;
    expect(() => parse(long)).toThrow(/over 16384 bytes/);
    expect(() => parse(`${long}\r\n\r\n`, { step: 1000 })).toThrow(/over 16384 bytes/);
    expect(parse(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(MAX_HEAD_BYTES - 100)}\r\nContent-Length: 0\r\n\r\n`).complete).toEqual([true]);
  });
});
