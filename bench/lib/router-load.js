// A rate-limited HTTP/1.1 loader in Node: GET requests at a fixed rate over a fixed set of keep-alive
// connections, every failure counted by its reason. The bench uses it at 300 GET/s through rolling
// restarts and kills, where its reasons matter and its CPU does not; the latency rows use the C loader
// (bench/workloads/rate-load.c), which leaves the machine's two cores to the proxy being measured.
import { connect } from 'node:net';

const percentile = (sorted, p) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** Resolves with { sent, ok, failed, failures (reason -> count), p50, p99, max } (ms). */
export function rateLoad({ port, rate, seconds, connections = 32, path = '/' }) {
  const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  const latencies = [];
  const failures = new Map();
  const stats = { sent: 0, ok: 0, failed: 0 };
  const idle = [];
  const due = [];
  const sockets = new Set();
  let stopping = false;
  let outstanding = 0;
  const fail = (reason) => {
    stats.failed++;
    failures.set(reason, (failures.get(reason) ?? 0) + 1);
  };

  function pump() {
    while (due.length > 0 && idle.length > 0) {
      const conn = idle.pop();
      conn.idleMs = conn.answered === undefined ? undefined : nowMs() - conn.answered;
      conn.started = due.shift();
      outstanding++;
      stats.sent++;
      conn.socket.write(request);
    }
  }

  function open() {
    const conn = { socket: connect({ host: '127.0.0.1', port }), buffer: Buffer.alloc(0), started: undefined };
    sockets.add(conn.socket);
    conn.socket.setNoDelay(true);
    conn.socket.once('connect', () => {
      idle.push(conn);
      pump();
    });
    conn.socket.on('data', (chunk) => {
      conn.buffer = conn.buffer.length === 0 ? chunk : Buffer.concat([conn.buffer, chunk]);
      for (;;) {
        const end = conn.buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = conn.buffer.toString('latin1', 0, end);
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (conn.buffer.length < end + 4 + length) return;
        const status = Number(head.slice(9, 12));
        if (status === 200) {
          stats.ok++;
          latencies.push(nowMs() - conn.started);
        } else fail(`${status} ${conn.buffer.toString('latin1', end + 4, end + 4 + length).trim()}`);
        conn.buffer = conn.buffer.subarray(end + 4 + length);
        conn.started = undefined;
        conn.answered = nowMs();
        outstanding--;
        if (/\r\nconnection:\s*close/i.test(head)) return;
        idle.push(conn);
        pump();
      }
    });
    conn.socket.on('error', () => {});
    conn.socket.once('close', () => {
      sockets.delete(conn.socket);
      const at = idle.indexOf(conn);
      if (at >= 0) idle.splice(at, 1);
      if (conn.started !== undefined && !stopping) {
        outstanding--;
        // How long the connection had been idle before this request: about the server's keep-alive
        // timeout means the server closed it as the request went out (the race any keep-alive client meets).
        const before = conn.idleMs === undefined ? 'its first request' : `idle ${(conn.idleMs / 1000).toFixed(1)} s before it`;
        fail(`connection closed with a request in flight (${before})`);
      }
      if (!stopping) open();
    });
  }

  for (let i = 0; i < connections; i++) open();
  return new Promise((resolve) => {
    const start = nowMs();
    const interval = 1000 / rate;
    let scheduled = 0;
    const ticker = setInterval(() => {
      const target = Math.min(Math.floor((nowMs() - start) / interval), Math.floor(rate * seconds));
      while (scheduled < target) due.push(start + interval * scheduled++);
      pump();
    }, 1);
    setTimeout(async () => {
      clearInterval(ticker);
      const deadline = nowMs() + 5000;
      while ((outstanding > 0 || due.length > 0) && nowMs() < deadline) {
        pump();
        await new Promise((r) => setTimeout(r, 5));
      }
      stopping = true;
      const unsent = due.length;
      for (const socket of sockets) socket.destroy();
      if (outstanding > 0) fail(`no answer within 5 s after the run (${outstanding})`);
      if (unsent > 0) fail(`never sent: no connection free (${unsent})`);
      latencies.sort((a, b) => a - b);
      resolve({
        ...stats,
        failures: Object.fromEntries(failures),
        achievedRate: stats.ok / seconds,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: latencies.at(-1) ?? NaN,
      });
    }, seconds * 1000);
  });
}
