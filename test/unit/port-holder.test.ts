// Listening sockets from /proc/net/tcp{,6} text: only LISTEN rows (state 0A) count, IPv4 and IPv6.
import { describe, expect, it } from 'vitest';
import { parseListening } from '../../src/port-holder.js';

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
const TCP4 = [
  HEADER,
  '   0: 0100007F:1388 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0',
  '   1: 0100007F:A3B2 0100007F:1388 01 00000000:00000000 00:00000000 00000000     0        0 4343 1 0000000000000000 20 4 30 10 -1',
  '   2: 0100007F:13EC 0100007F:9C40 06 00000000:00000000 03:00000F3A 00000000     0        0 0 3 0000000000000000',
].join('\n');
const TCP6 = [
  HEADER,
  '   0: 00000000000000000000000000000000:1389 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 5151 1 0000000000000000 100 0 0 10 0',
].join('\n');

describe('parseListening', () => {
  it('maps each listening port to its socket inodes, from both tables', () => {
    const sockets = parseListening([TCP4, TCP6]);
    expect([...sockets.keys()].sort()).toEqual([5000, 5001]);
    expect(sockets.get(5000)).toEqual(new Set(['4242']));
    expect(sockets.get(5001)).toEqual(new Set(['5151']));
  });

  it('ignores connected and TIME_WAIT rows, even on a port of interest', () => {
    const sockets = parseListening([TCP4]);
    expect(sockets.has(0xa3b2)).toBe(false);
    expect(sockets.has(0x13ec)).toBe(false);
  });

  it('reads nothing from empty tables', () => {
    expect(parseListening([HEADER, '']).size).toBe(0);
  });
});
