// Upgrade requests (WebSocket and any other protocol): after the instance's 101, the two sockets are
// piped to each other as raw bytes until either side closes.
import { request, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { endToEnd } from './headers.js';
import type { Outcome } from './forward.js';

/** Status line and headers as bytes, for answering on a socket that has left the HTTP server. */
export function rawHead(status: number, message: string, headers: [string, string][]): string {
  return `HTTP/1.1 ${status} ${message}\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`;
}

const pairs = (raw: string[]): [string, string][] => {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
};

/**
 * Resolves 'answered' once the instance answered (the tunnel, if any, is then open: `onTunnel` gets
 * both sockets); 'refused' or 'failed' before that. Upgrades are never retried once sent.
 */
export function upgradeOnce(
  target: { host: string; port: number },
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
  headers: string[],
  onTunnel: (upstream: Duplex) => void,
): Promise<Outcome> {
  return new Promise((resolve) => {
    let connected = false;
    let settled = false;
    const settle = (outcome: Outcome): void => {
      if (!settled) resolve(outcome);
      settled = true;
    };
    // A connection of its own (no pool): it becomes the tunnel.
    const up = request({ host: target.host, port: target.port, method: req.method, path: req.url, headers, agent: false, setHost: false });
    up.once('socket', (socket) => socket.once('connect', () => (connected = true)));
    up.once('error', (error) => settle(connected ? { kind: 'failed', error, retryable: false } : { kind: 'refused', error }));
    client.once('close', () => {
      up.destroy();
      settle({ kind: 'aborted' });
    });
    up.once('upgrade', (upRes, upSocket, upHead) => {
      client.write(rawHead(upRes.statusCode ?? 101, upRes.statusMessage ?? 'Switching Protocols', pairs(upRes.rawHeaders)));
      if (upHead.length > 0) client.write(upHead);
      if (head.length > 0) upSocket.write(head);
      onTunnel(upSocket);
      settle({ kind: 'answered' });
    });
    up.once('response', (upRes) => {
      // The instance declined the upgrade: its answer goes back as it is, then the connection ends.
      const kept = Object.entries(endToEnd(upRes.headers)).flatMap(([name, value]) =>
        (Array.isArray(value) ? value : [String(value)]).map((v): [string, string] => [name, v]),
      );
      client.write(rawHead(upRes.statusCode ?? 502, upRes.statusMessage ?? '', [...kept, ['connection', 'close']]));
      upRes.pipe(client);
      settle({ kind: 'answered' });
    });
    up.end();
  });
}
