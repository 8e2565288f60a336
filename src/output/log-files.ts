// --log-dir: each instance's lines also go to <dir>/<name>.log, one UTC ISO 8601 time per line and
// no colors. Writes are asynchronous and bounded, so a slow or full disk never slows the children
// or the terminal: lines beyond the bound are dropped and counted, and each problem is told once.
// fs.promises is read at the call, so a ps-run without --log-dir never loads it.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { countLines, prefixLines } from './lines.js';

/** The little of a fs FileHandle the log files use. */
export interface LogFileHandle {
  write(buffer: Buffer, offset: number, length: number): Promise<{ bytesWritten: number }>;
  close(): Promise<void>;
}

export interface LogFilesOptions {
  /** One line per problem, at most once per file (and once for the directory). */
  onError(message: string): void;
  /** Bytes waiting for the disk per file before whole blocks are dropped (default 1 MiB). */
  maxQueuedBytes?: number;
  /** O_APPEND (so `logrotate copytruncate` works), created 0600. Replaceable in tests. */
  openFile?: (file: string) => Promise<LogFileHandle>;
  makeDir?: (dir: string) => Promise<unknown>;
}

export const MAX_QUEUED_BYTES = 1024 * 1024;

const openForAppend = (file: string): Promise<LogFileHandle> => fsp.open(file, 'a', 0o600);
const makePrivateDir = (dir: string): Promise<unknown> => fsp.mkdir(dir, { recursive: true, mode: 0o700 });

// Colors (SGR: ESC [ params m) from the child itself; other escapes are kept, as they are rare and
// may mean something to whoever reads the file.
// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[[0-9;:]*m/g;
const ESC = 0x1b;

/** `block` (whole lines) with `<time> ` before each line and color sequences removed. */
export function formatLogLines(block: Buffer, nowMs: number): Buffer {
  return prefixLines(withoutColors(block), Buffer.from(`${new Date(nowMs).toISOString()} `));
}

function withoutColors(block: Buffer): Buffer {
  if (block.indexOf(ESC) === -1) return block;
  // latin1 maps each byte to one char and back, so UTF-8 and invalid bytes pass through untouched.
  return Buffer.from(block.toString('latin1').replace(SGR, ''), 'latin1');
}

type FileState = 'opening' | 'open' | 'failed' | 'closed';

interface LogFile {
  file: string;
  state: FileState;
  handle: LogFileHandle | undefined;
  queue: Buffer[];
  queuedBytes: number;
  /** Lines dropped since the last one written (slow disk), or lost to write errors. */
  dropped: number;
  lost: number;
  reported: boolean;
  writing: boolean;
  /** Settles when the queue is empty and no write is in flight. */
  drained: Promise<void>;
}

export class LogFiles {
  private readonly files = new Map<string, LogFile>();
  private dirReady: Promise<boolean> | undefined;
  private closed = false;
  private readonly maxQueuedBytes: number;

  constructor(
    readonly dir: string,
    private readonly options: LogFilesOptions,
  ) {
    this.maxQueuedBytes = options.maxQueuedBytes ?? MAX_QUEUED_BYTES;
  }

  /** Queues `block` (whole lines from one instance, each ending in "\n") for `<dir>/<name>.log`. */
  write(name: string, block: Buffer, nowMs: number): void {
    // Output that arrives while ps-run shuts down, after close(), goes to the terminal only.
    if (this.closed) return;
    const log = this.files.get(name) ?? this.openLog(name);
    if (log.state === 'closed') return;
    if (log.state === 'failed') {
      log.lost += countLines(block);
      return;
    }
    const bytes = formatLogLines(block, nowMs);
    if (log.queuedBytes + bytes.length > this.maxQueuedBytes) {
      log.dropped += countLines(block);
      return;
    }
    if (log.dropped > 0) {
      const note = Buffer.from(
        `${new Date(nowMs).toISOString()} ps-run: ${log.dropped} lines dropped here: the disk was slower than the output\n`,
      );
      this.report(log, `--log-dir: ${log.file} is written slower than ${name} prints; ${log.dropped} lines dropped (marked in the file)`);
      log.dropped = 0;
      this.enqueue(log, note);
    }
    this.enqueue(log, bytes);
  }

  /** Resolves when every line queued so far is written (or given up). */
  async flush(): Promise<void> {
    await Promise.all([...this.files.values()].map((log) => log.drained));
  }

  /** Writes what is queued, then closes every file. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    await Promise.all(
      [...this.files.values()].map(async (log) => {
        log.state = 'closed';
        await log.handle?.close().catch(() => {});
        log.handle = undefined;
      }),
    );
  }

  private openLog(name: string): LogFile {
    const log: LogFile = {
      file: path.join(this.dir, `${name}.log`),
      state: 'opening',
      handle: undefined,
      queue: [],
      queuedBytes: 0,
      dropped: 0,
      lost: 0,
      reported: false,
      writing: false,
      drained: Promise.resolve(),
    };
    this.files.set(name, log);
    log.drained = this.run(log);
    return log;
  }

  /** Opens the file, then writes whatever is queued until the queue is empty; sleeps until more comes. */
  private async run(log: LogFile): Promise<void> {
    this.dirReady ??= (this.options.makeDir ?? makePrivateDir)(this.dir).then(
      () => true,
      (error: unknown) => {
        this.options.onError(`--log-dir: cannot create ${this.dir}: ${describe(error)}; no log files are written`);
        return false;
      },
    );
    const dirOk = await this.dirReady;
    try {
      if (!dirOk) throw new Error('no directory');
      log.handle = await (this.options.openFile ?? openForAppend)(log.file);
    } catch (error) {
      if (dirOk) this.report(log, `--log-dir: cannot open ${log.file}: ${describe(error)}; its lines are not written`);
      this.fail(log);
      return;
    }
    if (log.state === 'opening') log.state = 'open';
    await this.writeQueued(log);
  }

  private enqueue(log: LogFile, bytes: Buffer): void {
    log.queue.push(bytes);
    log.queuedBytes += bytes.length;
    // While opening, run() writes the queue once the file is open; while writing, the loop takes it.
    if (log.state === 'open' && !log.writing) log.drained = this.writeQueued(log);
  }

  private async writeQueued(log: LogFile): Promise<void> {
    log.writing = true;
    while (log.queue.length > 0 && log.handle) {
      const buffer = log.queue.length === 1 ? (log.queue[0] as Buffer) : Buffer.concat(log.queue);
      log.queue = [];
      log.queuedBytes = 0;
      try {
        for (let at = 0; at < buffer.length;) at += (await log.handle.write(buffer, at, buffer.length - at)).bytesWritten;
      } catch (error) {
        // Counted only when lost: every write would otherwise scan what it writes.
        log.lost += countLines(buffer);
        this.report(
          log,
          `--log-dir: cannot write ${log.file}: ${describe(error)}; ${log.lost} lines lost; ps-run keeps trying and says nothing more about this file`,
        );
      }
    }
    log.writing = false;
  }

  private fail(log: LogFile): void {
    log.state = 'failed';
    log.lost += log.queue.reduce((n, b) => n + countLines(b), 0);
    log.queue = [];
    log.queuedBytes = 0;
  }

  private report(log: LogFile, message: string): void {
    if (log.reported) return;
    log.reported = true;
    this.options.onError(message);
  }
}

function describe(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ? `${e.code} (${e.message.replace(/^\w+: /, '').replace(/, \w+( '.*')?$/, '')})` : String(e.message ?? error);
}
