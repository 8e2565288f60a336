// The smoke run's closing words (summary table, failure report) and the tail of output they show.
import { describe, expect, it } from 'vitest';
import { failureReport, summaryTable } from '../../src/output/report.js';
import { lineEnds } from '../../src/output/lines.js';
import { LogRing, LogRings } from '../../src/output/ring.js';
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

describe('LogRings', () => {
  const feed = (rings: LogRings, name: string, text: string, stream: 'stdout' | 'stderr' = 'stdout'): void =>
    rings.lines(name, stream, Buffer.from(text), 0);

  it('keeps the last lines of each process, up to its line limit', () => {
    const rings = new LogRings(20);
    for (let i = 0; i < 30; i++) feed(rings, 'web.1', `web ${i}\n`);
    feed(rings, 'worker.1', 'w 0\nw 1\n');
    expect(rings.text('web.1', 100)).toEqual(Array.from({ length: 20 }, (_, i) => `web ${i + 10}`));
    expect(rings.text('worker.1', 100)).toEqual(['w 0', 'w 1']);
    expect(rings.text('clock.1', 100)).toEqual([]);
  });

  it('keeps the last lines of one big block, and strips CR', () => {
    const rings = new LogRings(3);
    feed(rings, 'a.1', Array.from({ length: 1000 }, (_, i) => `l${i}\r\n`).join(''));
    expect(rings.text('a.1', 3)).toEqual(['l997', 'l998', 'l999']);
  });

  it('is bounded by bytes too: a flood of long lines keeps at most the byte limit', () => {
    const rings = new LogRings(1000, 10_000);
    for (let i = 0; i < 100; i++) feed(rings, 'a.1', `${String(i).padStart(3, '0')}${'x'.repeat(996)}\n`);
    const kept = rings.tail('a.1', 1000);
    expect(kept.reduce((n, l) => n + l.line.length + 1, 0)).toBeLessThanOrEqual(10_000);
    expect(kept.at(-1)?.line.toString().slice(0, 3)).toBe('099');
    expect(kept.length).toBeGreaterThanOrEqual(9);
  });

  it('stays exact over many small blocks (the dropped entries are compacted away)', () => {
    const rings = new LogRings(100);
    for (let i = 0; i < 10_000; i++) feed(rings, 'a.1', `line ${i}\n`);
    expect(rings.text('a.1', 1000)).toEqual(Array.from({ length: 100 }, (_, i) => `line ${9900 + i}`));
  });

  it("counts lines by the hub's line ends as by its own scan, and by itself when it keeps only a block's tail", () => {
    const withEnds = new LogRings(20);
    const without = new LogRings(20);
    for (let i = 0; i < 30; i++) {
      const block = Buffer.from(`web ${i}\nmore ${i}\n`);
      withEnds.lines('web.1', 'stdout', block, 0, lineEnds(block));
      without.lines('web.1', 'stdout', block, 0);
    }
    expect(withEnds.text('web.1', 100)).toEqual(without.text('web.1', 100));
    expect(withEnds.text('web.1', 100)).toHaveLength(20);
    // A block over the byte limit: the ring keeps its tail (150 of its 300 lines) and counts that tail
    // itself; counted as 300, the line before it would be pushed out by the line limit.
    const rings = new LogRings(200, 1_506);
    const first = Buffer.from('first\n');
    rings.lines('a.1', 'stdout', first, 0, lineEnds(first));
    const big = Buffer.from(Array.from({ length: 300 }, (_, i) => `${String(i).padStart(9, '0')}\n`).join(''));
    rings.lines('a.1', 'stdout', big, 0, lineEnds(big));
    const kept = rings.text('a.1', 1000);
    expect(kept).toHaveLength(151);
    expect([kept[0], kept[1], kept.at(-1)]).toEqual(['first', '000000150', '000000299']);
  });

  it('matches a plain list of blocks over thousands of small and large blocks, shared chunks and all', () => {
    // The reference: every block kept as an object, trimmed by the same rule (drop the oldest while over
    // a limit, the newest always kept), lines cut at read time.
    let seed = 7;
    const random = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (const [maxLines, maxBytes] of [
      [1000, 1024 * 1024],
      [50, 2000],
      [5000, 30_000],
    ] as const) {
      const ring = new LogRing(maxLines, maxBytes);
      const kept: { time: number; stream: 'stdout' | 'stderr'; text: string }[] = [];
      for (let i = 0; i < 3000; i++) {
        const lines = random(10) === 0 ? 1 + random(400) : 1 + random(3);
        const text = Array.from({ length: lines }, (_, k) => `${i}.${k} ${'x'.repeat(random(60))}\n`).join('');
        const stream = random(4) === 0 ? 'stderr' : 'stdout';
        const block = Buffer.from(text);
        ring.add(stream, block, i, random(2) === 0 ? lineEnds(block) : undefined);
        // A line-sized block is copied into a shared chunk: the ring no longer needs the caller's buffer.
        if (block.length < 100) block.fill(0);
        kept.push({
          time: i,
          stream,
          text: text.length > maxBytes ? text.slice(text.indexOf('\n', text.length - maxBytes - 1) + 1) : text,
        });
        const count = (t: string): number => t.split('\n').length - 1;
        let lineSum = kept.reduce((n, b) => n + count(b.text), 0);
        let byteSum = kept.reduce((n, b) => n + b.text.length, 0);
        while (kept.length > 1 && (lineSum - count(kept[0]!.text) >= maxLines || byteSum > maxBytes)) {
          lineSum -= count(kept[0]!.text);
          byteSum -= kept[0]!.text.length;
          kept.shift();
        }
        if (i % 97 === 0 || i === 2999) {
          const want = kept.flatMap((b) =>
            b.text
              .split('\n')
              .slice(0, -1)
              .map((line) => `${b.time} ${b.stream} ${line}`),
          );
          const got = ring.tail(1_000_000).map((l) => `${l.time} ${l.stream} ${l.line.toString()}`);
          expect(got).toEqual(want.slice(Math.max(0, want.length - maxLines)));
        }
      }
    }
  });

  it('answers with the last n lines only, each with its stream and time', () => {
    const rings = new LogRings();
    rings.lines('a.1', 'stdout', Buffer.from('one\ntwo\n'), 5);
    rings.lines('a.1', 'stderr', Buffer.from('three\n'), 7);
    rings.lines('a.1', 'system', Buffer.from('ignored\n'), 8);
    expect(rings.tail('a.1', 2).map((l) => [l.line.toString(), l.stream, l.time])).toEqual([
      ['two', 'stdout', 5],
      ['three', 'stderr', 7],
    ]);
  });
});
