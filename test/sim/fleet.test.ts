import { describe, expect, it } from "vitest";
import { simulateFleet } from "../../src/sim/fleet.js";
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
