// Bursts of changes -> one flush per type, after the quiet window or at the latest after the max wait.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../support/fake-clock.js';
import { Debouncer } from '../../src/watch/debounce.js';

function setup(quietMs = 200, maxWaitMs = 2000) {
  const clock = new FakeClock(1000);
  const flushed: [string, string[], number][] = [];
  const debouncer = new Debouncer({ clock, quietMs, maxWaitMs, flush: (key, paths) => flushed.push([key, paths, clock.now()]) });
  return { clock, flushed, debouncer };
}

describe('Debouncer', () => {
  it('an editor save (temp file, rename, chmod within ms) is one flush, after the quiet window', () => {
    const { clock, flushed, debouncer } = setup();
    debouncer.add('web', 'src/.a.js.swp');
    clock.advance(2);
    debouncer.add('web', 'src/a.js');
    clock.advance(1);
    debouncer.add('web', 'src/a.js');
    clock.advance(199);
    expect(flushed).toEqual([]);
    clock.advance(1);
    expect(flushed).toEqual([['web', ['src/.a.js.swp', 'src/a.js'], 1203]]);
    clock.advance(10_000);
    expect(flushed).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });

  it('a build writing files 50 ms apart is one flush', () => {
    const { clock, flushed, debouncer } = setup();
    for (let i = 0; i < 20; i++) {
      debouncer.add('web', `dist/${i}.js`);
      clock.advance(50);
    }
    clock.advance(200);
    expect(flushed).toHaveLength(1);
    expect(flushed[0]?.[1]).toHaveLength(20);
  });

  it('a stream that never goes quiet still flushes after the max wait, then starts a new burst', () => {
    const { clock, flushed, debouncer } = setup();
    for (let t = 0; t < 5000; t += 100) {
      debouncer.add('worker', 'app.log');
      clock.advance(100);
    }
    clock.advance(200);
    // Changes every 100 ms from 0 to 4900: flushes 2000 ms after the first change of each burst, and
    // the last burst (4000-4900) 200 ms after its last change.
    expect(flushed.map(([, , at]) => at - 1000)).toEqual([2000, 4000, 5100]);
  });

  it('keys are independent', () => {
    const { clock, flushed, debouncer } = setup();
    debouncer.add('web', 'a');
    clock.advance(150);
    debouncer.add('worker', 'b');
    clock.advance(50);
    expect(flushed.map(([key]) => key)).toEqual(['web']);
    clock.advance(150);
    expect(flushed.map(([key]) => key)).toEqual(['web', 'worker']);
  });

  it('cancel drops pending bursts and their timers', () => {
    const { clock, flushed, debouncer } = setup();
    debouncer.add('web', 'a');
    debouncer.cancel();
    expect(clock.pending).toBe(0);
    clock.advance(5000);
    expect(flushed).toEqual([]);
  });
});
