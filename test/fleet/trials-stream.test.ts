import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_CLUSTERS_OPTION } from "../../src/cli/fleet-options.js";
import { MAX_GENERATED_SITES } from "../../src/fleet/limits.js";
import { loadFleetPlan } from "../../src/fleet/load.js";
import type { SiteOutcome } from "../../src/fleet/map.js";
import { OutcomeStore, packOutcomes, TrialTable } from "../../src/fleet/outcome-store.js";
import { type ProgressSink, runFleetPlan, runFleetPlanOnThreads } from "../../src/fleet/run.js";
import { ensureBuilt } from "../fixtures/cli.js";

/** 300 sites × 12 trials with every fault rate on, a budget that halts some trials, two strategies. */
function faultyPlan(): string {
  const dir = mkdtempSync(join(tmpdir(), "edgesim-trials-"));
  const profiles = resolve("scenarios/profiles");
  const file = join(dir, "plan.yaml");
  writeFileSync(
    file,
    [
      "name: streamed-trials",
      `update: ${profiles}/k3s-registry-change.yaml`,
      `from: ${profiles}/k3s-base.yaml`,
      "start: 2026-12-07T00:00Z",
      "trials: 12",
      "inventory: { generate: { clusters: 300 } }",
      "faults:",
      "  nodeActionFailure: 0.05",
      "  kubernetesOutage: { probability: 0.1, duration: { min: 5m, max: 30m } }",
      "  agentRestart: 0.1",
      "strategies:",
      "  careful:",
      "    waves: [ { name: canary, count: 10, concurrency: 5, failureBudget: 0 }, { name: rest, rest: true, concurrency: 50, failureBudget: 5 } ]",
      "  wide:",
      "    waves: [ { name: all, rest: true, concurrency: 300 } ]",
      "",
    ].join("\n"),
  );
  return file;
}

/**
 * A run on threads answers as one thread does: the risk, each trial's figures, the first trial's schedule, and
 * its outcomes key for key in the order the schedule asked for them (faults drawn among them).
 */
function expectSameRun(threaded: ReturnType<typeof runFleetPlan>, single: ReturnType<typeof runFleetPlan>) {
  expect(JSON.stringify(threaded.strategies.map((s) => [s.risk, s.trials, s.first.schedule]))).toBe(
    JSON.stringify(single.strategies.map((s) => [s.risk, s.trials, s.first.schedule])),
  );
  const outcomes = (run: typeof single) =>
    JSON.stringify([...(run.strategies[0]?.first.outcomes.values() ?? [])]);
  expect(outcomes(threaded)).toBe(outcomes(single));
  expect(outcomes(single)).toContain('"faults":["');
}

describe("trials streamed", () => {
  it("keep a few numbers per trial and the first trial in full, with the risk of one thread on threads", async () => {
    ensureBuilt();
    const plan = loadFleetPlan(faultyPlan());
    const single = runFleetPlan(plan);
    const units: string[] = [];
    const progress: ProgressSink = (_done, _total, unit) => units.push(unit);
    const threaded = await runFleetPlanOnThreads(plan, { threads: 2, progress });
    expectSameRun(threaded, single);
    const careful = single.strategies[0];
    expect(careful?.trials).toHaveLength(12);
    // Faults happened and halted some trials: the summaries carry what the risk reads.
    expect(careful?.risk.haltProbability).toBeGreaterThan(0);
    expect(careful?.trials.filter((t) => t.haltedWave !== undefined).length).toBe(
      Math.round((careful?.risk.haltProbability ?? 0) * 12),
    );
    for (const t of careful?.trials ?? []) expect(Object.keys(t)).not.toContain("schedule");
    expect(units.at(-1)).toBe("site simulations, trial 12 of 12");
  });

  it("answer the same when each batch carries its sites (one trial)", async () => {
    ensureBuilt();
    // 12 trials on 2 threads: each thread is given its slice of the sites once, a batch is a range of them.
    // One trial: each batch carries its sites. Both must answer as one thread does.
    const plan = { ...loadFleetPlan(faultyPlan()), trials: 1 };
    const single = runFleetPlan(plan);
    expectSameRun(await runFleetPlanOnThreads(plan, { threads: 2 }), single);
  });
});

describe("the generated-fleet cap", () => {
  it("is the same for --clusters and inventory.generate.clusters: a million sites", () => {
    expect(MAX_CLUSTERS_OPTION).toBe(MAX_GENERATED_SITES);
    expect(MAX_GENERATED_SITES).toBe(1_000_000);
  });
});

describe("a trial's outcomes", () => {
  const outcome = (result: SiteOutcome["result"], durationMs: number): SiteOutcome => ({
    result,
    behavior: "repave",
    durationMs,
    disruptedNodeMs: durationMs * 4,
    why: "cp-1 repave: failed",
    faults: ["cp-1 action fails ×1"],
  });

  it("are held in full in the first trial and as three numbers a site in the others", () => {
    const store = new OutcomeStore({ sites: new Array(5) });
    store.set(0, 3, outcome("failed", 1000.5));
    store.set(1, 3, outcome("failed", 1000.5));
    expect(store.get(0, 3)).toEqual(outcome("failed", 1000.5));
    expect(store.get(1, 3)).toEqual({ result: "failed", durationMs: 1000.5, disruptedNodeMs: 4002 });
    expect(store.get(1, 2)).toBeUndefined();
    expect(store.size).toBe(2);
    expect([...store.entries()].map(([trial, site]) => [trial, site])).toEqual([
      [0, 3],
      [1, 3],
    ]);
  });

  it("of a trial kept in full are packed: the details only for the sites that have any, the keys in their order", () => {
    const plain: SiteOutcome = {
      result: "converged",
      behavior: "reboot",
      durationMs: 5,
      disruptedNodeMs: 7,
      faults: [],
    };
    const refused: SiteOutcome = {
      result: "converged",
      behavior: "no-op",
      durationMs: 0,
      disruptedNodeMs: 0,
      why: "update to b refused: x (rule r)",
      writeOutageMs: 0,
      refused: true,
      faults: [],
    };
    const sent = [outcome("failed", 30), plain, refused];
    const packed = packOutcomes(sent, true);
    expect(packed.details?.map(([k]) => k)).toEqual([0, 2]);
    const table = new TrialTable(0, 10, true);
    table.setPacked([9, 2, 5], packed);
    const direct = new TrialTable(0, 10, true);
    [9, 2, 5].forEach((s, k) => {
      direct.set(s, sent[k] as SiteOutcome);
    });
    for (const t of [table, direct]) {
      expect([9, 2, 5].map((s) => JSON.stringify(t.get(s)))).toEqual(sent.map((o) => JSON.stringify(o)));
      // In the order they were set, not the inventory's.
      expect([...t.values()].map((o) => o.durationMs)).toEqual([30, 5, 0]);
      expect(t.disruptedNodeMs(9)).toBe(120);
    }
    // A site set again loses the details it had.
    direct.set(9, plain);
    expect(JSON.stringify(direct.get(9))).toBe(JSON.stringify(plain));
    expect(direct.size).toBe(3);
  });

  it("come back from a thread packed as they went in", () => {
    const sent = [outcome("converged", 10), outcome("blocked", 20), outcome("failed", 30)];
    const table = new TrialTable(4, 10, false);
    table.setPacked([7, 1, 4], packOutcomes(sent));
    expect([...table.sites()]).toEqual([1, 4, 7]);
    expect(table.get(7)).toEqual({ result: "converged", durationMs: 10, disruptedNodeMs: 40 });
    expect(table.get(1)?.result).toBe("blocked");
    expect(table.get(4)?.durationMs).toBe(30);
  });
});
