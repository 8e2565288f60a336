// The router's table of instances: who is in the rotation, who is draining or down (and being probed
// back), requests in flight per instance, and requests waiting for any instance to be ready.
import type { Clock } from '../supervisor/clock.js';
import { chooseInstance, type Balance } from './balance.js';
import { DEFAULT_PROBE_SCHEDULE, probeDelay, type PortProbe, type ProbeSchedule } from './probe.js';

/** in: gets new requests; draining: finishing its own, none new; out: admitted before, now held out; down: refused or reset, being probed. */
export type MemberState = 'in' | 'out' | 'draining' | 'down';

export interface Member {
  readonly name: string;
  readonly port: number;
  state: MemberState;
  /** Requests in flight plus upgraded connections open. */
  inflight: number;
  /** Bumped on every admit/remove, so a probe or drain that outlived its member does nothing. */
  generation: number;
  probeAttempt: number;
  probeTimer: unknown;
  drainDone: (() => void) | undefined;
}

export interface RotationOptions {
  balance: Balance;
  clock: Clock;
  probe: PortProbe;
  probeSchedule?: ProbeSchedule;
  /** Called when a member enters or leaves (the router keeps a connection pool per member). */
  onLeave?: (member: Member) => void;
}

export class Rotation {
  private readonly members = new Map<string, Member>();
  private cursor = 0;
  private readonly waiters = new Set<() => void>();
  private generations = 0;

  constructor(private readonly options: RotationOptions) {}

  list(): Member[] {
    return [...this.members.values()];
  }

  get(name: string): Member | undefined {
    return this.members.get(name);
  }

  admit(name: string, port: number): Member {
    const old = this.members.get(name);
    if (old && old.port !== port) this.remove(name);
    const member = this.members.get(name) ?? this.create(name, port);
    this.stopProbing(member);
    member.generation = ++this.generations;
    this.finishDrain(member);
    member.state = 'in';
    this.wake();
    return member;
  }

  remove(name: string): void {
    const member = this.members.get(name);
    if (!member) return;
    this.stopProbing(member);
    member.generation = ++this.generations;
    this.members.delete(name);
    this.finishDrain(member);
    this.options.onLeave?.(member);
  }

  /** The next instance for a request, by the balance policy; undefined when none is in. */
  pick(): Member | undefined {
    const ready: Member[] = [];
    for (const member of this.members.values()) if (member.state === 'in') ready.push(member);
    const choice = chooseInstance(ready, this.options.balance, this.cursor);
    if (!choice) return undefined;
    this.cursor = choice.cursor;
    return ready[choice.index];
  }

  /** Resolves with an instance as soon as one is in, or undefined after `ms`. */
  waitForReady(ms: number): Promise<Member | undefined> {
    const now = this.pick();
    if (now || ms <= 0) return Promise.resolve(now);
    return new Promise((resolve) => {
      const { clock } = this.options;
      const waiter = (): void => {
        const member = this.pick();
        if (!member) return;
        clock.clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(member);
      };
      const timer = clock.setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(undefined);
      }, ms);
      this.waiters.add(waiter);
    });
  }

  /** Wakes every waiting request; used by close(), where they answer 503. */
  releaseWaiters(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  begin(member: Member): void {
    member.inflight++;
  }

  end(member: Member): void {
    member.inflight--;
    if (member.inflight === 0 && member.state === 'draining') this.finishDrain(member);
  }

  /** No new requests; resolves when its requests in flight and upgraded connections are done, or after timeoutMs. */
  drain(name: string, timeoutMs: number): Promise<void> {
    const member = this.members.get(name);
    if (!member) return Promise.resolve();
    this.stopProbing(member);
    this.finishDrain(member);
    if (member.inflight === 0) {
      member.state = 'out';
      return Promise.resolve();
    }
    member.state = 'draining';
    return new Promise((resolve) => {
      const { clock } = this.options;
      const timer = clock.setTimeout(() => this.finishDrain(member), timeoutMs);
      member.drainDone = () => {
        clock.clearTimeout(timer);
        member.drainDone = undefined;
        if (member.state === 'draining') member.state = 'out';
        resolve();
      };
    });
  }

  /** The instance refused or reset a connection: out at once, then probed until it accepts again. */
  markDown(member: Member): void {
    if (member.state !== 'in' || this.members.get(member.name) !== member) return;
    member.state = 'down';
    member.probeAttempt = 0;
    this.scheduleProbe(member);
  }

  close(): void {
    for (const name of [...this.members.keys()]) this.remove(name);
    this.releaseWaiters();
  }

  private create(name: string, port: number): Member {
    const member: Member = {
      name,
      port,
      state: 'out',
      inflight: 0,
      generation: 0,
      probeAttempt: 0,
      probeTimer: undefined,
      drainDone: undefined,
    };
    this.members.set(name, member);
    return member;
  }

  private scheduleProbe(member: Member): void {
    const { clock, probe } = this.options;
    const generation = member.generation;
    const delay = probeDelay(member.probeAttempt, this.options.probeSchedule ?? DEFAULT_PROBE_SCHEDULE);
    member.probeTimer = clock.setTimeout(() => {
      member.probeTimer = undefined;
      void probe(member.port).then((ok) => {
        if (member.generation !== generation || member.state !== 'down') return;
        if (ok) {
          member.state = 'in';
          this.wake();
        } else {
          member.probeAttempt++;
          this.scheduleProbe(member);
        }
      });
    }, delay);
  }

  private stopProbing(member: Member): void {
    if (member.probeTimer !== undefined) this.options.clock.clearTimeout(member.probeTimer);
    member.probeTimer = undefined;
  }

  private finishDrain(member: Member): void {
    member.drainDone?.();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
