// Headers across the proxy: hop-by-hop ones dropped (RFC 9110 7.6.1), the forwarding chain extended. Pure.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** Headers that describe one connection, not the message (RFC 9110 7.6.1); a proxy never forwards them. */
const HOP_BY_HOP = new Set(['connection', 'proxy-connection', 'keep-alive', 'te', 'transfer-encoding', 'upgrade']);

export interface ClientInfo {
  /** The client's address as the socket reports it. */
  address: string | undefined;
  /** 'http' today; the router does not terminate TLS. */
  proto: string;
  /** Whether this is an Upgrade request (WebSocket or other), whose Connection and Upgrade must pass. */
  upgrade: boolean;
}

/** Lower-case names listed in Connection headers: they are hop-by-hop for this message too. */
export function connectionOptions(value: string | string[] | undefined): Set<string> {
  const names = new Set<string>();
  for (const line of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
    for (const name of line.split(',')) if (name.trim() !== '') names.add(name.trim().toLowerCase());
  }
  return names;
}

/** Whether a header (lower-case name) describes the connection, not the message: hop-by-hop, or listed by the message's Connection headers (`named`). */
const isHopByHop = (name: string, named: ReadonlySet<string> | undefined): boolean => HOP_BY_HOP.has(name) || named?.has(name) === true;

/** The end-to-end headers of a message: everything but hop-by-hop headers and those its Connection names. */
export function endToEnd(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = connectionOptions(headers.connection);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || isHopByHop(name, named)) continue;
    out[name] = value;
  }
  return out;
}

/** endToEnd for raw headers (a flat [name, value, ...] list, names as the instance wrote them). */
export function endToEndRaw(raw: readonly string[]): string[] {
  // Per response, so plain loops: each name lower-cased once and the names a Connection header lists
  // first, then one pass to keep.
  const names: string[] = [];
  let connection: string[] | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    names.push(name);
    if (name === 'connection') (connection ??= []).push(raw[i + 1] as string);
  }
  const named = connection && connectionOptions(connection);
  const out: string[] = [];
  for (let i = 0, k = 0; i + 1 < raw.length; i += 2, k++) {
    if (!isHopByHop(names[k] as string, named)) out.push(raw[i] as string, raw[i + 1] as string);
  }
  return out;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** A Forwarded parameter value (RFC 7239): a token as it is, anything else quoted; IPv6 in brackets. */
function forwardedValue(value: string, isNode = false): string {
  const text = isNode && value.includes(':') ? `[${value}]` : value;
  return TOKEN.test(text) ? text : `"${text.replace(/["\\]/g, '\\$&')}"`;
}

const append = (chain: string | undefined, item: string): string =>
  chain === undefined || chain.trim() === '' ? item : `${chain}, ${item}`;

/** Headers the router sets from what it knows: a client's own values are extended (the chains) or replaced. */
const SET_BY_ROUTER = new Set(['x-forwarded-for', 'forwarded', 'x-forwarded-proto', 'x-forwarded-host']);

export interface ForwardedHead {
  /** A flat [name, value, ...] list (names as the client wrote them), as node:http takes it. */
  headers: string[];
  /** Whether a body follows: Transfer-Encoding, or a Content-Length other than 0. */
  hasBody: boolean;
  /** Whether the client sent the body in chunks (Transfer-Encoding): its length is not known. */
  chunked: boolean;
  /** Whether the headers name a Host. */
  host: boolean;
}

/**
 * The headers to send to an instance, from the client's raw headers (`req.rawHeaders`, so the parsed
 * `req.headers` object is never built on the request path): end-to-end ones in the client's order and
 * spelling, repeated fields as the client sent them (as nginx does), the first Host kept, X-Forwarded-For
 * and Forwarded extended with this hop, X-Forwarded-Proto and X-Forwarded-Host set to what this client
 * asked of the router (the router is the edge; a client's own values for those two are not trusted).
 * `Expect` is dropped but for an upgrade: node:http has answered a plain request's `100-continue` already.
 */
export function requestHeaders(raw: readonly string[], client: ClientInfo): ForwardedHead {
  // Per request, so plain loops: first what the router needs to know, then one pass to keep.
  const names: string[] = [];
  let connection: string[] | undefined;
  let host: string | undefined;
  let upgrade: string | undefined;
  let chain: string | undefined;
  let forwarded: string | undefined;
  let hasBody = false;
  let chunked = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
    names.push(name);
    if (name === 'connection') (connection ??= []).push(value);
    else if (name === 'host') host ??= value;
    else if (name === 'upgrade') upgrade ??= value;
    else if (name === 'x-forwarded-for') chain = chain === undefined ? value : `${chain}, ${value}`;
    else if (name === 'forwarded') forwarded = forwarded === undefined ? value : `${forwarded}, ${value}`;
    else if (name === 'transfer-encoding') hasBody = chunked = true;
    else if (name === 'content-length' && value !== '0') hasBody = true;
  }
  const named = connection && connectionOptions(connection);
  const out: string[] = [];
  let hostKept = false;
  for (let i = 0, k = 0; i + 1 < raw.length; i += 2, k++) {
    const name = names[k] as string;
    if (isHopByHop(name, named) || SET_BY_ROUTER.has(name)) continue;
    if (name === 'expect' && !client.upgrade) continue;
    if (name === 'host') {
      if (hostKept) continue;
      hostKept = true;
    }
    out.push(raw[i] as string, raw[i + 1] as string);
  }
  const address = client.address ?? 'unknown';
  const hop = [`for=${client.address === undefined ? 'unknown' : forwardedValue(address, true)}`];
  if (host !== undefined) hop.push(`host=${forwardedValue(host)}`);
  hop.push(`proto=${client.proto}`);
  out.push('x-forwarded-for', append(chain, address), 'forwarded', append(forwarded, hop.join(';')), 'x-forwarded-proto', client.proto);
  if (host !== undefined) out.push('x-forwarded-host', host);
  if (client.upgrade && upgrade !== undefined) out.push('connection', 'upgrade', 'upgrade', upgrade);
  return { headers: out, hasBody, chunked, host: host !== undefined };
}
