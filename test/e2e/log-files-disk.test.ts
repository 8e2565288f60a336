// LogFiles on a real disk: every line whole and accounted for, private modes, unwritable places told
// once, /dev/full told once with ENOSPC, and writing that goes on after `logrotate copytruncate`.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogFiles } from '../../src/output/log-files.js';

const temps: string[] = [];
function temp(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ps-run-logs-'));
  temps.push(dir);
  return dir;
}
afterEach(() => temps.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const STAMPED = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (.*)$/;

describe('LogFiles (real files)', () => {
  it('100,000 lines from four instances: every line whole, in order, and every gap marked with its count', async () => {
    const dir = path.join(temp(), 'logs', 'deep');
    const errors: string[] = [];
    const logs = new LogFiles(dir, { onError: (m) => errors.push(m) });
    const names = ['web.1', 'web.2', 'worker.1', 'clock.1'];
    const next = new Map(names.map((n) => [n, 0]));
    const payload = 'x'.repeat(60);
    for (let written = 0; written < 100_000;) {
      const name = names[written % 4] as string;
      const count = Math.min(1 + (written % 97), 100_000 - written);
      let block = '';
      for (let i = 0; i < count; i++) {
        const n = next.get(name) as number;
        // The child's own colors are left out of the file.
        block += `${name} ${n} \x1b[32m${payload}\x1b[0m\n`;
        next.set(name, n + 1);
      }
      logs.write(name, Buffer.from(block), Date.now());
      written += count;
      if (written % 10 === 0) await turn();
    }
    await logs.close();
    let total = 0;
    let dropped = 0;
    for (const name of names) {
      const lines = readFileSync(path.join(dir, `${name}.log`), 'utf8').split('\n');
      expect(lines.pop()).toBe('');
      let expected = 0;
      for (const line of lines) {
        const body = STAMPED.exec(line)?.[1];
        expect(body, line).toBeDefined();
        const gap = /^ps-run: (\d+) lines dropped here: the disk was slower than the output$/.exec(body as string);
        if (gap) {
          expected += Number(gap[1]);
          dropped += Number(gap[1]);
          continue;
        }
        expect(body).toBe(`${name} ${expected} ${payload}`);
        expected++;
        total++;
      }
      // Lines dropped after the last one written are not in the file; none should be at this pace.
      expect(expected).toBe(next.get(name));
    }
    expect(total + dropped).toBe(Object.values(Object.fromEntries(next)).reduce((a, b) => a + b, 0));
    console.log(`log files: ${total} lines written whole, ${dropped} dropped and marked`);
    expect(total + dropped).toBe(100_000);
    // A gap is possible on a slow disk, and then told once per file; on this one there was none.
    if (dropped === 0) expect(errors).toEqual([]);
    else expect(errors.every((m) => m.includes('is written slower than')) && errors.length <= names.length).toBe(true);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const name of names) expect(statSync(path.join(dir, `${name}.log`)).mode & 0o777).toBe(0o600);
  });

  it('appends to a file that exists, and goes on at the end after logrotate copytruncate', async () => {
    const dir = temp();
    const file = path.join(dir, 'web.1.log');
    writeFileSync(file, 'old\n');
    const logs = new LogFiles(dir, { onError: (m) => expect.fail(m) });
    logs.write('web.1', Buffer.from('before\n'), 0);
    await logs.flush();
    expect(readFileSync(file, 'utf8')).toBe('old\n1970-01-01T00:00:00.000Z before\n');
    truncateSync(file, 0); // what copytruncate does after copying
    logs.write('web.1', Buffer.from('after\n'), 0);
    await logs.close();
    // After close(), nothing is opened or written.
    logs.write('web.1', Buffer.from('late\n'), 0);
    logs.write('web.2', Buffer.from('late\n'), 0);
    await logs.flush();
    expect(existsSync(path.join(dir, 'web.2.log'))).toBe(false);
    // O_APPEND: no hole of zero bytes where the old content was.
    expect(readFileSync(file, 'utf8')).toBe('1970-01-01T00:00:00.000Z after\n');
  });

  it('a file where the directory should be: told once, and write() never throws', async () => {
    const blocker = path.join(temp(), 'logs');
    writeFileSync(blocker, 'not a directory\n');
    const errors: string[] = [];
    const logs = new LogFiles(blocker, { onError: (m) => errors.push(m) });
    for (let i = 0; i < 100; i++) logs.write(`web.${(i % 3) + 1}`, Buffer.from(`line ${i}\n`), 0);
    await logs.close();
    expect(errors).toEqual([`--log-dir: cannot create ${blocker}: EEXIST (file already exists); no log files are written`]);
  });

  it('/proc as the directory: each file told once', async () => {
    const errors: string[] = [];
    const logs = new LogFiles('/proc', { onError: (m) => errors.push(m) });
    for (let i = 0; i < 100; i++) logs.write(`web.${(i % 2) + 1}`, Buffer.from(`line ${i}\n`), 0);
    await logs.flush();
    logs.write('web.1', Buffer.from('later\n'), 0);
    await logs.close();
    expect(errors.sort()).toEqual([
      expect.stringMatching(/^--log-dir: cannot open \/proc\/web\.1\.log: E[A-Z]+ \(.+\); its lines are not written$/),
      expect.stringMatching(/^--log-dir: cannot open \/proc\/web\.2\.log: E[A-Z]+ \(.+\); its lines are not written$/),
    ]);
  });

  it('/dev/full as a log file: ENOSPC told once, the other files written', async () => {
    const dir = temp();
    symlinkSync('/dev/full', path.join(dir, 'web.1.log'));
    const errors: string[] = [];
    const logs = new LogFiles(dir, { onError: (m) => errors.push(m) });
    for (let i = 0; i < 1000; i++) {
      logs.write('web.1', Buffer.from(`line ${i}\n`), 0);
      logs.write('web.2', Buffer.from(`line ${i}\n`), 0);
      if (i % 100 === 0) await turn();
    }
    await logs.close();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      new RegExp(
        `^--log-dir: cannot write ${dir}/web\\.1\\.log: ENOSPC \\(no space left on device\\); \\d+ lines lost; ps-run keeps trying and says nothing more about this file$`,
      ),
    );
    expect(readFileSync(path.join(dir, 'web.2.log'), 'utf8').split('\n')).toHaveLength(1001);
  });
});
