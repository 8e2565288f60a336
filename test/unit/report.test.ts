// The smoke run's closing words (summary table, failure report) and the tail of output they show.
import { describe, expect, it } from 'vitest';
import { failureReport, summaryTable } from '../../src/output/report.js';
import { TailKeeper } from '../../src/output/tail.js';
import type { ReadinessState } from '../../src/readiness/tracker.js';
import { parseReadyCheck } from '../../src/readiness/spec.js';

function state(name: string, port: number, check: string, extra: Partial<ReadinessState> = {}): ReadinessState {
  const [type = name] = name.split('.');
  return {
    plan: { name, type, index: 1, command: 'true', port, env: {} },
    check: parseReadyCheck(check, check),
    status: 'ready',
    running: true,
    ...extra,
  };
}

describe('summaryTable', () => {
  it('lines up process, port, check, ready after and state in columns', () => {
    const table = summaryTable([
      state('web.1', 5000, 'http:/health', { afterMs: 412 }),
      state('worker.1', 5100, 'alive', { afterMs: 1000 }),
      state('migrate.1', 5200, 'exit', { afterMs: 2345, running: false, exitCode: 0 }),
    ]);
    expect(table).toBe(
      [
        'process    port  check         ready after  state',
        'web.1      5000  http:/health  412 ms       running',
        'worker.1   5100  alive         1000 ms      running',
        'migrate.1  5200  exit          2345 ms      exited 0',
        '',
      ].join('\n'),
    );
  });

  it('shows - for a process that never got ready, and how each one ended', () => {
    const table = summaryTable([
      state('a.1', 1, 'port', { status: 'failed', running: false, exitCode: 3 }),
      state('b.1', 2, 'log:up', { status: 'failed', running: false, exitCode: null, exitSignal: 'SIGKILL' }),
      state('c.1', 3, 'port', { status: 'waiting', running: false }),
    ]);
    const rows = table.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^process\s+port\s+check\s+ready after\s+state$/);
    expect(rows.slice(1).map((row) => row.split(/\s{2,}/))).toEqual([
      ['a.1', '1', 'port', '-', 'exited 3'],
      ['b.1', '2', 'log:up', '-', 'killed by SIGKILL'],
      ['c.1', '3', 'port', '-', 'not started'],
    ]);
  });

  it('has no trailing blanks', () => {
    const table = summaryTable([state('web.1', 5000, 'port', { afterMs: 1 })]);
    for (const row of table.split('\n')) expect(row).toBe(row.trimEnd());
  });
});

describe('failureReport', () => {
  it('starts with one ps-run line naming the process and the reason, then its last lines', () => {
    expect(failureReport('web.1', 'exited with code 3 before it was ready', ['a', 'b'])).toBe(
      'ps-run: smoke failed: web.1 exited with code 3 before it was ready\nlast 2 lines of web.1:\n  a\n  b\n',
    );
  });

  it('says "line" for one line', () => {
    expect(failureReport('w.1', 'x', ['only'])).toBe('ps-run: smoke failed: w.1 x\nlast 1 line of w.1:\n  only\n');
  });

  it('says when the process printed nothing', () => {
    expect(failureReport('web.1', 'was not ready after 2 s (check port)', [])).toBe(
      'ps-run: smoke failed: web.1 was not ready after 2 s (check port)\n(web.1 printed nothing)\n',
    );
  });
});

describe('TailKeeper', () => {
  const feed = (tail: TailKeeper, name: string, text: string, stream: 'stdout' | 'stderr' = 'stdout'): void =>
    tail.data(name, stream, Buffer.from(text));

  it('keeps the last 20 lines of each process by default', () => {
    const tail = new TailKeeper();
    for (let i = 0; i < 30; i++) feed(tail, 'web.1', `web ${i}\n`);
    feed(tail, 'worker.1', 'w 0\nw 1\n');
    expect(tail.lines('web.1')).toEqual(Array.from({ length: 20 }, (_, i) => `web ${i + 10}`));
    expect(tail.lines('worker.1')).toEqual(['w 0', 'w 1']);
    expect(tail.lines('clock.1')).toEqual([]);
  });

  it('keeps the last lines of one big block', () => {
    const tail = new TailKeeper(3);
    feed(tail, 'a.1', Array.from({ length: 1000 }, (_, i) => `l${i}\n`).join(''));
    expect(tail.lines('a.1')).toEqual(['l997', 'l998', 'l999']);
  });

  it('joins a line split across chunks, per stream, and strips CR', () => {
    const tail = new TailKeeper(5);
    feed(tail, 'a.1', 'hel', 'stdout');
    feed(tail, 'a.1', 'err', 'stderr');
    feed(tail, 'a.1', 'lo\r\n', 'stdout');
    feed(tail, 'a.1', 'or\n', 'stderr');
    expect(tail.lines('a.1')).toEqual(['hello', 'error']);
  });

  it('keeps an unfinished last line when the stream ends', () => {
    const tail = new TailKeeper(5);
    feed(tail, 'a.1', 'one\ntwo');
    expect(tail.lines('a.1')).toEqual(['one']);
    tail.end('a.1', 'stdout');
    expect(tail.lines('a.1')).toEqual(['one', 'two']);
  });
});
