import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { fleetVerdict, loadFleetSource, rollFleet } from "../../src/fleet/orchestrate.js";
import { whatIfPlan } from "../../src/fleet/what-if.js";
import { InputError } from "../../src/shared/diagnostics.js";

const profiles = resolve("scenarios/profiles");
const update = `${profiles}/k3s-os-uri-change.yaml`;

function diagnosticsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return error.diagnostics.map((d) => `${d.file}: ${d.message}`);
    throw error;
  }
  return [];
}

describe("a what-if (edgesim fleet --clusters N --update PROFILE)", () => {
  it("is a fleet plan as data: a 1 % canary (at least one site), then the rest", () => {
    const plan = whatIfPlan({ clusters: 500, update, from: `${profiles}/k3s-base.yaml` });
    expect(plan.cluster).toEqual({ shape: "1+3" });
    expect(plan.inventory).toEqual({ generate: { clusters: 500 } });
    expect(plan.strategy?.waves).toEqual([
      { name: "canary", count: 5, concurrency: 5, failureBudget: 0 },
      { name: "rest", rest: true, concurrency: 50, failureBudget: "2%" },
    ]);
    expect(whatIfPlan({ clusters: 10, update, from: update }).strategy?.waves?.[0]?.count).toBe(1);
  });

  it("of one site is its canary alone, and rolls it", async () => {
    expect(whatIfPlan({ clusters: 1, update, from: update }).strategy?.waves).toEqual([
      { name: "canary", count: 1, concurrency: 1, failureBudget: 0 },
    ]);
    expect(whatIfPlan({ clusters: 2, update, from: update }).strategy?.waves?.map((w) => w.name)).toEqual([
      "canary",
      "rest",
    ]);
    const run = await rollFleet(loadFleetSource({ whatIf: { clusters: 1, update } }), { from: "process" });
    expect(fleetVerdict(run).passed).toBe(true);
    expect(run.strategies[0]?.first.schedule.waves.map((w) => [w.name, w.sites, w.counts.converged])).toEqual(
      [["canary", 1, 1]],
    );
  });

  it("takes the update's distribution's bundled base when --from is not given", () => {
    const plan = loadFleetSource({ whatIf: { clusters: 3, update } });
    expect(plan.sites.map((s) => s.profile)).toEqual(["k3s-base", "k3s-base", "k3s-base"]);
    expect(plan.sites.every((s) => s.controlPlanes === 1 && s.workers === 3)).toBe(true);
  });

  it("names the option at fault, not a place in a file nobody wrote", () => {
    expect(
      diagnosticsOf(() =>
        loadFleetSource({ whatIf: { clusters: 3, update: resolve("nope.yaml"), from: update } }),
      ),
    ).toEqual([`--update: profile ${resolve("nope.yaml")} does not load: file not found`]);
    expect(diagnosticsOf(() => loadFleetSource({ whatIf: { clusters: 3, update, shape: "0+1" } }))).toEqual([
      "--shape: a site has 1..100 control planes and at most 10000 workers",
    ]);
    expect(diagnosticsOf(() => loadFleetSource({ whatIf: { clusters: 3, update, shape: "x" } }))).toEqual([
      '--shape: expected CONTROL_PLANES+WORKERS (e.g. 1+3), got "x"',
    ]);
  });

  it("rolls the same in this process and on threads", async () => {
    const plan = loadFleetSource({ whatIf: { clusters: 12, update } }, { trials: 2 });
    const here = await rollFleet(plan, { from: "process" });
    const threads = await rollFleet(plan, { from: "threads", threads: 2 });
    expect(JSON.stringify(threads.strategies)).toBe(JSON.stringify(here.strategies));
    expect(fleetVerdict(here).passed).toBe(true);
  });
});
