// Orphan-proofing: a tiny `sh` started before any process, holding the read end of a pipe. ps-run
// writes `+pgid` / `-pgid` as groups come and go; if ps-run dies without writing `exit` (SIGKILL, a
// crash), the pipe closes and the watchdog SIGKILLs every group still listed, then becomes a short
// node script that SIGKILLs every process still carrying this run's session marker (which also
// catches processes that left their group), again and again until a search finds none (a daemon may
// fork while it is killed). It depends on nothing from the environment: the shell part uses only
// builtins, and node is run by the absolute path of the node running ps-run.
import { spawn, type ChildProcess } from 'node:child_process';

/** Set in every child's environment; inherited by whatever it forks. */
export const SESSION_VARIABLE = 'PS_RUN_SESSION';

const SCRIPT = `
trap '' INT HUP TERM QUIT
live=' '
while IFS= read -r line; do
  case $line in
    +*) live="$live\${line#+} " ;;
    -*) p=\${line#-}; case $live in *" $p "*) live="\${live%% $p *} \${live#* $p }" ;; esac ;;
    exit) exit 0 ;;
  esac
done
for p in $live; do kill -KILL -"$p" 2>/dev/null; done
exec "$1" -e "$2"
`;

/** Run by node after ps-run died: SIGKILL rounds over /proc until one finds nothing of the session (at most 5 s). */
const SWEEP = `
const { readdirSync, readFileSync } = require('node:fs');
const needle = Buffer.from('\\0${SESSION_VARIABLE}=' + process.env.PS_RUN_WATCHDOG_SESSION + '\\0');
const first = needle.subarray(1);
const deadline = Date.now() + 5000;
for (;;) {
  let found = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry) || Number(entry) === process.pid) continue;
    let environ;
    try { environ = readFileSync('/proc/' + entry + '/environ'); } catch { continue; }
    if (environ.indexOf(first) !== 0 && !environ.includes(needle)) continue;
    found++;
    try { process.kill(Number(entry), 'SIGKILL'); } catch {}
  }
  if (found === 0 || Date.now() > deadline) break;
}
`;

export interface ProcessGuard {
  watch(pgid: number): void;
  unwatch(pgid: number): void;
}

/** Unique per run: pid, start time and random bits (node:crypto would cost start-up time for no gain here). */
export function newSessionId(): string {
  const random = Math.floor(Math.random() * 2 ** 48).toString(36);
  return `${process.pid.toString(36)}_${Date.now().toString(36)}_${random}`;
}

export class Watchdog implements ProcessGuard {
  private readonly child: ChildProcess;
  private closed = false;

  constructor(readonly session: string) {
    this.child = spawn('/bin/sh', ['-c', SCRIPT, 'ps-run-watchdog', process.execPath, SWEEP], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      env: { PS_RUN_WATCHDOG_SESSION: session },
    });
    // The watchdog must never keep ps-run alive, nor fail it: an error here only loses the safety net.
    this.child.on('error', () => (this.closed = true));
    this.child.stdin?.on('error', () => (this.closed = true));
    this.child.unref();
    (this.child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  watch(pgid: number): void {
    this.send(`+${pgid}\n`);
  }

  unwatch(pgid: number): void {
    this.send(`-${pgid}\n`);
  }

  /** Normal end: everything is already stopped, so the watchdog leaves without killing. */
  close(): void {
    this.send('exit\n');
    this.closed = true;
    this.child.stdin?.end();
  }

  private send(text: string): void {
    if (!this.closed) this.child.stdin?.write(text);
  }
}
