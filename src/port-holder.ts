// Before start: is a port that a web process will bind already taken, and by whom? (Linux /proc;
// elsewhere the holder is simply not named.)
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface PortHolder {
  pid: number;
  command: string;
}

const TABLES = ['/proc/net/tcp', '/proc/net/tcp6'];

/** Rows of /proc/net/tcp{,6} -> listening port -> socket inodes. Pure. */
export function parseListening(tables: readonly string[]): Map<number, Set<string>> {
  const sockets = new Map<number, Set<string>>();
  for (const text of tables) {
    for (const row of text.split('\n').slice(1)) {
      const fields = row.trim().split(/\s+/);
      // fields: sl local_address rem_address st ... inode (index 9); st 0A is LISTEN
      const local = fields[1];
      if (fields[3] !== '0A' || !local || !fields[9]) continue;
      const port = parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
      let inodes = sockets.get(port);
      if (!inodes) sockets.set(port, (inodes = new Set()));
      inodes.add(fields[9]);
    }
  }
  return sockets;
}

/** Listening TCP sockets (IPv4 and IPv6) as port -> socket inodes; undefined without /proc. */
export function listeningSockets(): Map<number, Set<string>> | undefined {
  const texts = TABLES.flatMap((table) => {
    try {
      return [readFileSync(table, 'utf8')];
    } catch {
      return [];
    }
  });
  return texts.length === 0 ? undefined : parseListening(texts);
}

function listeningInodes(port: number): Set<string> {
  return listeningSockets()?.get(port) ?? new Set();
}

/** The process listening on `port`, when /proc lets us see it. */
export function findPortHolder(port: number): PortHolder | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link = '';
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      if (inode && inodes.has(inode)) {
        let command = '';
        try {
          command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
        } catch {
          // gone meanwhile
        }
        return { pid: Number(pid), command };
      }
    }
  }
  return undefined;
}
