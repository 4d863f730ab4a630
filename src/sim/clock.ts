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
  id: number;
  fn: () => void;
}

/** Default event cap of `runUntilIdle`: far above any real scenario, low enough to stop a loop quickly. */
export const DEFAULT_EVENT_LIMIT = 5_000_000;

export class VirtualClock {
  private readonly heap = new MinHeap<TimedEvent>((a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq));
  /** Ids of events cancelled while still in the heap; they are skipped (lazily) when they surface. */
  private cancelled = new Set<number>();
  /** Ids scheduled and not yet run or cancelled, so a late `cancel` of a spent id is a no-op. */
  private live = new Set<number>();
  private nextSeq = 0;
  private current = 0;
  private executed = 0;

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
    return this.live.size;
  }

  /** Runs `fn` after `delayMs` of virtual time; returns an id for `cancel`. */
  schedule(delayMs: number, fn: () => void): number {
    if (!Number.isFinite(delayMs) || delayMs < 0) delayMs = 0;
    const seq = this.nextSeq++;
    this.live.add(seq);
    this.heap.push({ at: this.current + delayMs, seq, id: seq, fn });
    return seq;
  }

  /** Runs `fn` at absolute virtual time `at` (or now, if that is in the past). */
  scheduleAt(at: number, fn: () => void): number {
    return this.schedule(at - this.current, fn);
  }

  cancel(id: number): void {
    if (this.live.delete(id)) this.cancelled.add(id);
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
      if (this.cancelled.delete(event.id)) continue;
      this.live.delete(event.id);
      this.current = event.at;
      this.executed++;
      event.fn();
      return true;
    }
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
