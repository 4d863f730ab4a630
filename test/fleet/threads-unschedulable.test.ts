import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadFleetPlan } from "../../src/fleet/load.js";
import { type ProgressSink, runFleetPlan, runFleetPlanOnThreads } from "../../src/fleet/run.js";

// With threads every rolled site is simulated ahead of the schedule: not one that no window can ever take.
describe("the map step on threads", () => {
  it("simulates no site whose windows are all too short for it, and answers as one thread does", async () => {
    const dir = mkdtempSync(join(tmpdir(), "edgesim-unschedulable-"));
    const profiles = resolve("scenarios/profiles");
    const file = join(dir, "plan.yaml");
    writeFileSync(
      file,
      [
        "name: one-minute-windows",
        `update: ${profiles}/k3s-os-uri-change.yaml`,
        `from: ${profiles}/k3s-base.yaml`,
        "start: 2026-12-07T00:00Z",
        "inventory: { generate: { clusters: 400 } }",
        "windows: { default: 'Mon 01:00-01:01' }",
        "strategy: { waves: [ { name: all, rest: true, concurrency: 10 } ] }",
        "",
      ].join("\n"),
    );
    const plan = loadFleetPlan(file);
    const units = new Set<string>();
    const progress: ProgressSink = (_done, _total, unit) => units.add(unit);
    const threaded = await runFleetPlanOnThreads(plan, { threads: 2, progress });
    expect(units.has("site simulations")).toBe(false);
    const single = runFleetPlan(loadFleetPlan(file));
    expect(threaded.strategies[0]?.first.schedule.waves[0]?.counts.unschedulable).toBe(400);
    expect(JSON.stringify(threaded.strategies.map((s) => s.first.schedule))).toBe(
      JSON.stringify(single.strategies.map((s) => s.first.schedule)),
    );
  });
});
