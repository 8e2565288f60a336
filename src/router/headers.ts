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
function connectionOptions(value: string | string[] | undefined): Set<string> {
  const names = new Set<string>();
  for (const line of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
    for (const name of line.split(',')) if (name.trim() !== '') names.add(name.trim().toLowerCase());
  }
  return names;
}

/** The end-to-end headers of a message: everything but hop-by-hop headers and those its Connection names. */
export function endToEnd(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = connectionOptions(headers.connection);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** endToEnd for raw headers (a flat [name, value, ...] list, names as the instance wrote them). */
export function endToEndRaw(raw: readonly string[]): string[] {
  // Per response, so plain loops: the names a Connection header lists first, then one pass to keep.
  let connection: string[] | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() === 'connection') (connection ??= []).push(raw[i + 1] as string);
  }
  const named = connection && connectionOptions(connection);
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const lower = (raw[i] as string).toLowerCase();
    if (!HOP_BY_HOP.has(lower) && !named?.has(lower)) out.push(raw[i] as string, raw[i + 1] as string);
  }
  return out;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** A Forwarded parameter value (RFC 7239): a token as it is, anything else quoted; IPv6 in brackets. */
function forwardedValue(value: string, isNode = false): string {
  const text = isNode && value.includes(':') ? `[${value}]` : value;
  return TOKEN.test(text) ? text : `"${text.replace(/["\\]/g, '\\$&')}"`;
}

const joined = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value.join(', ') : value);
const append = (chain: string | undefined, item: string): string =>
  chain === undefined || chain.trim() === '' ? item : `${chain}, ${item}`;

/**
 * The headers to send to an instance: end-to-end ones, Host kept, X-Forwarded-For and Forwarded
 * extended with this hop, X-Forwarded-Proto and X-Forwarded-Host set to what this client asked of the
 * router (the router is the edge; a client's own values for those two are not trusted).
 */
export function requestHeaders(headers: IncomingHttpHeaders, client: ClientInfo): OutgoingHttpHeaders {
  const out = endToEnd(headers);
  const address = client.address ?? 'unknown';
  out['x-forwarded-for'] = append(joined(headers['x-forwarded-for']), address);
  const parts = [`for=${client.address === undefined ? 'unknown' : forwardedValue(address, true)}`];
  if (headers.host !== undefined) parts.push(`host=${forwardedValue(headers.host)}`);
  parts.push(`proto=${client.proto}`);
  out.forwarded = append(joined(headers.forwarded), parts.join(';'));
  out['x-forwarded-proto'] = client.proto;
  if (headers.host !== undefined) out['x-forwarded-host'] = headers.host;
  if (client.upgrade && headers.upgrade !== undefined) {
    out.connection = 'upgrade';
    out.upgrade = headers.upgrade;
  }
  return out;
}
