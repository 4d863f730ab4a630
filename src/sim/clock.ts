/**
 * A discrete-event virtual clock. Pending events sit in a binary min-heap ordered by (time, sequence);
 * the sequence number makes events due at the same instant run in the order they were scheduled, which
 * is what keeps a run deterministic. Time only moves when an event runs, so simulated hours take
 * milliseconds.
 *
 * It also implements xstate's `Clock` (`setTimeout` / `clearTimeout`), so every actor created with
 * `createActor(machine, { clock })` runs its delayed (`after`) transitions here. xstate's own
 * `SimulatedClock` re-sorts every pending timeout at each step, which is far too slow for thousands of
 * node actors; a heap is O(log n) per event.
 */

import { MinHeap } from "../shared/heap.js";

/** Runs more events than `limit` in one `runUntilIdle`: almost always a scheduling loop. */
export class RunawayClockError extends Error {
  constructor(limit: number, now: number) {
    super(`virtual clock ran more than ${limit} events (now ${now} ms): runaway event loop`);
    this.name = "RunawayClockError";
  }
}

interface TimedEvent {
  at: number;
  seq: number;
  fn: (arg: never) => void;
  arg: unknown;
  cancelled: boolean;
}

const NOTHING = (): void => {};

/** Events kept for reuse at most: a site's rollout has a few dozen pending at once. */
const SPARE_EVENTS = 1024;

/** Default event cap of `runUntilIdle`: far above any real scenario, low enough to stop a loop quickly. */
export const DEFAULT_EVENT_LIMIT = 5_000_000;

export class VirtualClock {
  private readonly heap = new MinHeap<TimedEvent>((a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq));
  /**
   * Events still pending by id, kept only once something has been cancelled (until then no event is
   * looked up by id, so none is tracked: a clock that never cancels pays nothing per event for it).
   */
  private byId: Map<number, TimedEvent> | undefined;
  /** Cancelled events still in the heap; they are skipped (lazily) when they surface. */
  private cancelledInHeap = 0;
  private nextSeq = 0;
  private current = 0;
  private executed = 0;
  /**
   * Events that ran, kept to be filled again: a fleet's sites run millions of events, each otherwise a
   * new object for the garbage collector. An event is reused only once it is out of the heap and of
   * `byId`, after its function returned: ids are sequence numbers, never the objects.
   */
  private readonly spare: TimedEvent[] = [];

  /** Virtual ms since the start. */
  get now(): number {
    return this.current;
  }

  /** Events run so far (for benchmarks). */
  get executedCount(): number {
    return this.executed;
  }

  /** Events scheduled and neither run nor cancelled. */
  get pendingCount(): number {
    return this.heap.size - this.cancelledInHeap;
  }

  /** Runs `fn` after `delayMs` of virtual time; returns an id for `cancel`. */
  schedule(delayMs: number, fn: () => void): number {
    return this.call(delayMs, fn, undefined);
  }

  /**
   * Runs `fn(arg)` after `delayMs` of virtual time, in the same order as `schedule` (the two share one
   * sequence): a caller with many timers passes one function and each timer's subject instead of
   * making a closure per timer. Returns an id for `cancel`.
   */
  call<A>(delayMs: number, fn: (arg: A) => void, arg: A): number {
    if (!Number.isFinite(delayMs) || delayMs < 0) delayMs = 0;
    const seq = this.nextSeq++;
    const at = this.current + delayMs;
    let event = this.spare.pop();
    if (event) {
      event.at = at;
      event.seq = seq;
      event.fn = fn as (arg: never) => void;
      event.arg = arg;
      event.cancelled = false;
    } else event = { at, seq, fn: fn as (arg: never) => void, arg, cancelled: false };
    this.heap.push(event);
    this.byId?.set(seq, event);
    return seq;
  }

  /**
   * Whether an event (cancelled or not) is due at the current instant. With none, an event scheduled now
   * with no delay would be the next to run: a caller at the end of its handler may run it inline instead.
   */
  dueNow(): boolean {
    const top = this.heap.peek();
    return top !== undefined && top.at <= this.current;
  }

  /** Runs `fn` at absolute virtual time `at` (or now, if that is in the past). */
  scheduleAt(at: number, fn: () => void): number {
    return this.call(at - this.current, fn, undefined);
  }

  /** Cancels a pending event; an id already run or cancelled is a no-op. */
  cancel(id: number): void {
    if (!this.byId) {
      this.byId = new Map();
      for (const event of this.heap.values()) if (!event.cancelled) this.byId.set(event.seq, event);
    }
    const event = this.byId.get(id);
    if (!event) return;
    this.byId.delete(id);
    event.cancelled = true;
    this.cancelledInHeap++;
  }

  // xstate's Clock interface.
  setTimeout(fn: (...args: unknown[]) => void, timeout: number): number {
    return this.schedule(timeout, fn);
  }

  clearTimeout(id: unknown): void {
    if (typeof id === "number") this.cancel(id);
  }

  /** Runs the next due event; false when none is left. */
  step(): boolean {
    for (;;) {
      const event = this.heap.pop();
      if (!event) return false;
      if (event.cancelled) {
        this.cancelledInHeap--;
        this.keep(event);
        continue;
      }
      this.byId?.delete(event.seq);
      this.current = event.at;
      this.executed++;
      event.fn(event.arg as never);
      this.keep(event);
      return true;
    }
  }

  /** An event out of the heap and of `byId`, its function returned: kept for a later `call`. */
  private keep(event: TimedEvent): void {
    if (this.spare.length >= SPARE_EVENTS) return;
    event.fn = NOTHING;
    event.arg = undefined;
    this.spare.push(event);
  }

  /** Drops every pending event and goes back to virtual 0, as a new clock (for a clock reused run after run). */
  reset(): void {
    if (this.heap.size > 0) this.heap.clear();
    this.byId = undefined;
    this.cancelledInHeap = 0;
    this.nextSeq = 0;
    this.current = 0;
    this.executed = 0;
  }

  /** Runs events until none is left; throws `RunawayClockError` after `limit` events. Returns how many ran. */
  runUntilIdle(limit = DEFAULT_EVENT_LIMIT): number {
    let ran = 0;
    while (this.step()) {
      ran++;
      if (ran > limit) throw new RunawayClockError(limit, this.current);
    }
    return ran;
  }
}
