import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createActor, setup } from "xstate";
import { RunawayClockError, VirtualClock } from "../../src/sim/clock.js";

describe("VirtualClock", () => {
  it("says whether an event is due at the current instant", () => {
    const clock = new VirtualClock();
    const seen: boolean[] = [];
    expect(clock.dueNow()).toBe(false);
    clock.schedule(100, () => {
      seen.push(clock.dueNow()); // the other event at 100 is still pending
      clock.schedule(0, () => seen.push(clock.dueNow())); // the last at 100 (the one at 200 is later)
    });
    clock.schedule(100, () => seen.push(clock.dueNow()));
    clock.schedule(200, () => undefined);
    clock.runUntilIdle();
    expect(seen).toEqual([true, true, false]);
  });

  it("runs events in time order and advances now to each event's time", () => {
    const clock = new VirtualClock();
    const seen: [string, number][] = [];
    clock.schedule(300, () => seen.push(["c", clock.now]));
    clock.schedule(100, () => seen.push(["a", clock.now]));
    clock.schedule(200, () => seen.push(["b", clock.now]));
    expect(clock.runUntilIdle()).toBe(3);
    expect(seen).toEqual([
      ["a", 100],
      ["b", 200],
      ["c", 300],
    ]);
    expect(clock.now).toBe(300);
  });

  it("breaks ties by insertion order, including events scheduled from inside an event", () => {
    const clock = new VirtualClock();
    const seen: string[] = [];
    clock.schedule(10, () => {
      seen.push("first");
      clock.schedule(0, () => seen.push("nested"));
    });
    clock.schedule(10, () => seen.push("second"));
    clock.runUntilIdle();
    expect(seen).toEqual(["first", "second", "nested"]);
  });

  it("cancel removes a pending event; cancelling a spent id is harmless", () => {
    const clock = new VirtualClock();
    const seen: string[] = [];
    const a = clock.schedule(5, () => seen.push("a"));
    clock.schedule(5, () => seen.push("b"));
    clock.cancel(a);
    expect(clock.pendingCount).toBe(1);
    clock.runUntilIdle();
    clock.cancel(a);
    expect(seen).toEqual(["b"]);
    expect(clock.pendingCount).toBe(0);
  });

  it("reuses the events that ran, and an old id never reaches the event that took its place", () => {
    const clock = new VirtualClock();
    const seen: string[] = [];
    // Spent ids, before and after cancels began (an index by id kept from the first cancel on).
    const spent = [clock.schedule(1, () => seen.push("a")), clock.schedule(2, () => seen.push("b"))];
    clock.runUntilIdle();
    const c = clock.schedule(3, () => seen.push("c"));
    clock.schedule(3, () => {
      seen.push("d");
      // Scheduled from inside an event, while that event is still running: not handed out again yet.
      clock.schedule(1, () => seen.push("e"));
    });
    for (const id of spent) clock.cancel(id);
    expect(clock.pendingCount).toBe(2);
    clock.cancel(c);
    const cancelledThenRun = clock.schedule(10, () => seen.push("f"));
    clock.runUntilIdle();
    clock.cancel(cancelledThenRun);
    expect(seen).toEqual(["a", "b", "d", "e", "f"]);
    // A thousand and more rounds: the same order and times as new events would give.
    const times: number[] = [];
    for (let i = 0; i < 3000; i++) clock.schedule(i % 7, () => times.push(clock.now));
    clock.runUntilIdle();
    expect(times).toEqual([...times].sort((x, y) => x - y));
    expect(times).toHaveLength(3000);
    expect(clock.pendingCount).toBe(0);
  });

  it("stops a runaway loop with an error", () => {
    const clock = new VirtualClock();
    const loop = () => {
      clock.schedule(1, loop);
    };
    clock.schedule(0, loop);
    expect(() => clock.runUntilIdle(1000)).toThrow(RunawayClockError);
  });

  it("drives xstate `after` transitions as an xstate clock", () => {
    const machine = setup({}).createMachine({
      initial: "a",
      states: { a: { after: { 5000: "b" } }, b: { after: { 1000: "c" } }, c: {} },
    });
    const clock = new VirtualClock();
    const actor = createActor(machine, { clock });
    const seen: [string, number][] = [];
    actor.subscribe((s) => seen.push([String(s.value), clock.now]));
    actor.start();
    clock.runUntilIdle();
    expect(seen).toEqual([
      ["a", 0],
      ["b", 5000],
      ["c", 6000],
    ]);
  });

  it("property: events run sorted by time, ties in insertion order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 200 }),
        fc.array(fc.nat()),
        (delays, cancels) => {
          const clock = new VirtualClock();
          const ran: { at: number; index: number }[] = [];
          const ids = delays.map((delay, index) =>
            clock.schedule(delay, () => ran.push({ at: clock.now, index })),
          );
          const cancelled = new Set<number>();
          for (const c of cancels) {
            if (ids.length === 0) break;
            const index = c % ids.length;
            clock.cancel(ids[index] as number);
            cancelled.add(index);
          }
          clock.runUntilIdle();
          const expected = delays
            .map((delay, index) => ({ at: delay, index }))
            .filter((e) => !cancelled.has(e.index))
            .sort((a, b) => a.at - b.at || a.index - b.index);
          expect(ran).toEqual(expected);
        },
      ),
    );
  });
});
