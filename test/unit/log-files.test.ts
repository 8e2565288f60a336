// LogFiles with a fake file: the line format, the bound on what waits for a slow disk, errors told once.
import { describe, expect, it } from 'vitest';
import { formatLogLines, LogFiles, type LogFileHandle } from '../../src/output/log-files.js';

const T = Date.UTC(2026, 10, 30, 9, 5, 7, 42);
const STAMP = '2026-11-30T09:05:07.042Z';

describe('formatLogLines', () => {
  it.each<[string, string]>([
    ['one\n', `${STAMP} one\n`],
    ['a\nb\n\n', `${STAMP} a\n${STAMP} b\n${STAMP} \n`],
    ['\x1b[31mred\x1b[0m and \x1b[1;38;5;208mbold\x1b[m\n', `${STAMP} red and bold\n`],
    ['cursor \x1b[2K kept\n', `${STAMP} cursor \x1b[2K kept\n`],
  ])('%j', (input, expected) => {
    expect(formatLogLines(Buffer.from(input), T).toString()).toBe(expected);
  });

  it('keeps UTF-8 and invalid bytes as they are', () => {
    const line = Buffer.concat([Buffer.from('é ✓ '), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]);
    const out = formatLogLines(line, T);
    expect(out.subarray(STAMP.length + 1).equals(line)).toBe(true);
  });
});

/** A file whose writes complete only when the test says so. */
function slowFile() {
  const written: Buffer[] = [];
  const pending: (() => void)[] = [];
  let fail: NodeJS.ErrnoException | undefined;
  const handle: LogFileHandle = {
    write: (buffer, offset, length) =>
      new Promise((resolve, reject) =>
        pending.push(() => {
          if (fail) return reject(fail);
          written.push(Buffer.from(buffer.subarray(offset, offset + length)));
          resolve({ bytesWritten: length });
        }),
      ),
    close: async () => {},
  };
  const settle = async (): Promise<void> => {
    // Lets the writer reach its next write, then completes every write in flight.
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setImmediate(r));
      pending.splice(0).forEach((complete) => complete());
    }
  };
  return {
    handle,
    written,
    settle,
    failWith: (code: string) => (fail = Object.assign(new Error(`${code}: no space left on device, write`), { code })),
    text: () => Buffer.concat(written).toString(),
  };
}

describe('LogFiles', () => {
  it('writes queued lines in order, and a disk slower than the output drops whole blocks, counts them once in a message and marks the gap', async () => {
    const file = slowFile();
    const errors: string[] = [];
    const opened: string[] = [];
    const logs = new LogFiles('/logs', {
      onError: (m) => errors.push(m),
      maxQueuedBytes: 200,
      makeDir: async () => {},
      openFile: async (name) => (opened.push(name), file.handle),
    });
    const line = (i: number): Buffer => Buffer.from(`line ${String(i).padStart(3, '0')}\n`);
    for (let i = 0; i < 20; i++) logs.write('web.1', line(i), T); // 34 bytes each once stamped
    await file.settle();
    for (let i = 20; i < 25; i++) logs.write('web.1', line(i), T);
    const done = logs.close();
    await file.settle();
    await done;
    expect(opened).toEqual(['/logs/web.1.log']);
    const lines = file.text().split('\n').slice(0, -1);
    // 5 lines (170 bytes) fit under the 200-byte bound before the disk answers; 15 are dropped; after the disk caught up, the gap is marked.
    expect(lines).toEqual([
      ...[0, 1, 2, 3, 4].map((i) => `${STAMP} line 00${i}`),
      `${STAMP} ps-run: 15 lines dropped here: the disk was slower than the output`,
      ...[20, 21, 22, 23, 24].map((i) => `${STAMP} line 0${i}`),
    ]);
    expect(errors).toEqual(['--log-dir: /logs/web.1.log is written slower than web.1 prints; 15 lines dropped (marked in the file)']);
  });

  it('a write error is told once per file, with the lines lost, and writing goes on', async () => {
    const file = slowFile();
    const errors: string[] = [];
    const logs = new LogFiles('/logs', { onError: (m) => errors.push(m), makeDir: async () => {}, openFile: async () => file.handle });
    file.failWith('ENOSPC');
    logs.write('web.1', Buffer.from('a\nb\n'), T);
    await file.settle();
    logs.write('web.1', Buffer.from('c\n'), T);
    await file.settle();
    await logs.flush();
    expect(errors).toEqual([
      '--log-dir: cannot write /logs/web.1.log: ENOSPC (no space left on device); 2 lines lost; ps-run keeps trying and says nothing more about this file',
    ]);
  });

  it('a directory that cannot be made is told once for all files; a file that cannot be opened once for itself', async () => {
    const errors: string[] = [];
    const noDir = new LogFiles('/nope', {
      onError: (m) => errors.push(m),
      makeDir: () => Promise.reject(Object.assign(new Error("ENOTDIR: not a directory, mkdir '/nope'"), { code: 'ENOTDIR' })),
    });
    noDir.write('web.1', Buffer.from('a\n'), T);
    noDir.write('web.2', Buffer.from('a\n'), T);
    noDir.write('web.1', Buffer.from('b\n'), T);
    await noDir.close();
    expect(errors).toEqual(['--log-dir: cannot create /nope: ENOTDIR (not a directory); no log files are written']);
    errors.length = 0;
    const noFile = new LogFiles('/logs', {
      onError: (m) => errors.push(m),
      makeDir: async () => {},
      openFile: (name) => Promise.reject(Object.assign(new Error(`EACCES: permission denied, open '${name}'`), { code: 'EACCES' })),
    });
    noFile.write('web.1', Buffer.from('a\n'), T);
    noFile.write('web.1', Buffer.from('b\n'), T);
    await noFile.flush();
    noFile.write('web.1', Buffer.from('c\n'), T);
    await noFile.close();
    expect(errors).toEqual(['--log-dir: cannot open /logs/web.1.log: EACCES (permission denied); its lines are not written']);
  });
});
