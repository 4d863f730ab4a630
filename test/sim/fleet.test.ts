import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { clusterSeed, maxConcurrent, placeWave, simulateFleet } from "../../src/sim/fleet.js";
import { makeInput } from "./fixtures.js";

describe("simulateFleet", () => {
  const clusters = [
    { name: "store-1", input: makeInput({ seed: 1 }) },
    { name: "store-2", input: makeInput({ seed: 2, table: { "base->next": "repave" } }) },
    {
      name: "store-3",
      input: makeInput({
        seed: 3,
        retries: 0,
        events: [
          { at: 0, type: "node-fail", node: "cp-1", action: "any" },
          { at: 60_000, type: "update", profile: "next" },
        ],
      }),
    },
    { name: "store-4", input: makeInput({ seed: 4, table: { "base->next": "config-reload" } }) },
  ];

  it("rolls at most `concurrency` clusters at once and summarises outcomes", async () => {
    const fleet = await simulateFleet(clusters, { concurrency: 2 });
    expect(fleet.clusters.map((c) => [c.name, c.result.result])).toEqual([
      ["store-1", "converged"],
      ["store-2", "converged"],
      ["store-3", "failed"],
      ["store-4", "converged"],
    ]);
    expect(fleet.summary.outcomes).toEqual({ converged: 3, blocked: 0, failed: 1 });
    expect(fleet.summary.maxConcurrent).toBe(2);
    const [a, b, c] = fleet.clusters;
    expect(a?.startMs).toBe(0);
    expect(b?.startMs).toBe(0);
    // store-3 takes the slot that frees first.
    expect(c?.startMs).toBe(Math.min(a?.endMs ?? 0, b?.endMs ?? 0));
    expect(fleet.summary.durationMs).toBe(Math.max(...fleet.clusters.map((x) => x.endMs)));
  });

  it("with concurrency 1, clusters roll one after another", async () => {
    const fleet = await simulateFleet(clusters, { concurrency: 1 });
    for (let i = 1; i < fleet.clusters.length; i++) {
      expect(fleet.clusters[i]?.startMs).toBe(fleet.clusters[i - 1]?.endMs);
    }
    expect(fleet.summary.maxConcurrent).toBe(1);
  });
});

describe("failure budget", () => {
  // store-2 fails fast (its first action fails, no retries); the others converge.
  const failing = (seed: number) =>
    makeInput({
      seed,
      retries: 0,
      events: [
        { at: 0, type: "node-fail", node: "cp-1", action: "any" },
        { at: 0, type: "update", profile: "next" },
      ],
    });
  const ok = (seed: number) => makeInput({ seed, events: [{ at: 0, type: "update", profile: "next" }] });
  const wave = [
    { name: "store-1", input: ok(1) },
    { name: "store-2", input: failing(2) },
    { name: "store-3", input: ok(3) },
    { name: "store-4", input: failing(4) },
    { name: "store-5", input: ok(5) },
  ];

  it("budget 0: the first failure halts the wave and the clusters not yet started are skipped", async () => {
    const fleet = await simulateFleet(wave, { concurrency: 2, failureBudget: 0 });
    const store2 = fleet.clusters.find((c) => c.name === "store-2");
    expect(store2?.result.result).toBe("failed");
    expect(fleet.halted).toEqual({ t: store2?.endMs, failed: ["store-2"] });
    // store-2 fails before store-1 finishes: nothing starts after it.
    expect(fleet.clusters.map((c) => c.name)).toEqual(["store-1", "store-2"]);
    expect(fleet.skipped.map((s) => s.name)).toEqual(["store-3", "store-4", "store-5"]);
    expect(fleet.summary.skipped).toBe(3);
    expect(fleet.timeline.map((e) => `${e.event} ${"cluster" in e ? e.cluster : ""}`)).toEqual([
      "cluster-started store-1",
      "cluster-started store-2",
      "cluster-finished store-2",
      "fleet-halted ",
      "cluster-skipped store-3",
      "cluster-skipped store-4",
      "cluster-skipped store-5",
      "cluster-finished store-1",
    ]);
  });

  it("budget 1: one failure is tolerated, the second halts the wave", async () => {
    // One at a time, so each failure has ended before the next cluster would start.
    const fleet = await simulateFleet(wave, { concurrency: 1, failureBudget: 1 });
    expect(fleet.clusters.map((c) => [c.name, c.result.result])).toEqual([
      ["store-1", "converged"],
      ["store-2", "failed"],
      ["store-3", "converged"],
      ["store-4", "failed"],
    ]);
    expect(fleet.skipped.map((s) => s.name)).toEqual(["store-5"]);
    expect(fleet.halted?.failed).toEqual(["store-2", "store-4"]);
    expect(fleet.halted?.t).toBe(fleet.clusters[3]?.endMs);
  });

  it("without a budget every cluster rolls, failures or not", async () => {
    const fleet = await simulateFleet(wave, { concurrency: 2 });
    expect(fleet.skipped).toEqual([]);
    expect(fleet.halted).toBeUndefined();
    expect(fleet.summary.outcomes).toEqual({ converged: 3, blocked: 0, failed: 2 });
    expect(fleet.timeline.filter((e) => e.event === "fleet-halted")).toEqual([]);
  });

  it("a failure is counted once it has ended, not when its cluster started", async () => {
    // store-1 converges slowly, store-2 fails fast; with concurrency 1 store-2 only starts after store-1.
    const fleet = await simulateFleet(wave.slice(0, 3), { concurrency: 1, failureBudget: 0 });
    expect(fleet.clusters.map((c) => c.name)).toEqual(["store-1", "store-2"]);
    expect(fleet.skipped.map((s) => s.name)).toEqual(["store-3"]);
  });

  it("is deterministic: the same inputs give the same result", async () => {
    const a = await simulateFleet(wave, { concurrency: 3, failureBudget: 1 });
    const b = await simulateFleet(wave, { concurrency: 3, failureBudget: 1 });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });
});

describe("placeWave (property)", () => {
  const outcomes = fc.array(
    fc.record({ durationMs: fc.integer({ min: 0, max: 10_000 }), failed: fc.boolean() }),
    { maxLength: 25 },
  );
  const options = fc.record(
    {
      concurrency: fc.integer({ min: 1, max: 6 }),
      failureBudget: fc.integer({ min: 0, max: 4 }),
    },
    { requiredKeys: ["concurrency"] },
  );

  it("never rolls more than `concurrency` clusters, starts them in order, and halts only past the budget", () => {
    fc.assert(
      fc.property(outcomes, options, (wave, opts) => {
        const placement = placeWave(wave, opts);
        const { started, skipped } = placement;
        // Every cluster is either started or skipped, started ones first, in wave order.
        expect([...started.map((s) => s.index), ...skipped]).toEqual(wave.map((_, i) => i));
        expect(maxConcurrent(started)).toBeLessThanOrEqual(opts.concurrency);
        for (let i = 0; i < started.length; i++) {
          const s = started[i] as (typeof started)[number];
          expect(s.endMs - s.startMs).toBe(wave[s.index]?.durationMs);
          if (i > 0) expect(s.startMs).toBeGreaterThanOrEqual((started[i - 1] as typeof s).startMs);
          // A cluster waits only for a slot: fewer than `concurrency` others still roll when it starts.
          const rolling = started.filter(
            (o) => o.index < s.index && o.startMs <= s.startMs && o.endMs > s.startMs,
          );
          expect(rolling.length).toBeLessThan(opts.concurrency);
          if (s.startMs > 0)
            expect(started.some((o) => o.index < s.index && o.endMs === s.startMs)).toBe(true);
        }
        // Failures of clusters started before `index` that had ended by `t`.
        const failedEndsBy = (t: number, index = wave.length) =>
          started.filter((s) => s.index < index && wave[s.index]?.failed && s.endMs <= t).length;
        if (skipped.length === 0) {
          expect(placement.haltedAtMs).toBeUndefined();
        } else {
          expect(opts.failureBudget).toBeDefined();
          const halt = placement.haltedAtMs as number;
          expect(failedEndsBy(halt)).toBeGreaterThan(opts.failureBudget as number);
          // Nothing starts once the budget is exceeded, and every start happened within it.
          for (const s of started) {
            expect(failedEndsBy(s.startMs, s.index)).toBeLessThanOrEqual(opts.failureBudget as number);
          }
        }
      }),
    );
  });

  it("with concurrency 1 the wave is a chain", () => {
    const placement = placeWave(
      [
        { durationMs: 5, failed: false },
        { durationMs: 7, failed: false },
        { durationMs: 1, failed: false },
      ],
      { concurrency: 1 },
    );
    expect(placement.started.map((s) => [s.startMs, s.endMs])).toEqual([
      [0, 5],
      [5, 12],
      [12, 13],
    ]);
  });
});

describe("clusterSeed", () => {
  it("differs per cluster and per fleet seed, and is stable", () => {
    const seeds = [0, 1, 2, 3].map((i) => clusterSeed(4, i));
    expect(new Set(seeds).size).toBe(4);
    expect(clusterSeed(4, 0)).not.toBe(clusterSeed(5, 0));
    expect(clusterSeed(4, 2)).toBe(seeds[2]);
    for (const seed of seeds) expect(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32).toBe(true);
  });
});
