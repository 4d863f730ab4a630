import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, spawnEdgesim } from "../fixtures/cli.js";

/**
 * A fleet file and a fleet plan go through one fleet planner, so `run`, `report` and `fleet` take both:
 * a fleet file is a plan with its clusters as sites, one wave, windows always open and one trial.
 */
const ROOT = resolve(import.meta.dirname, "../..");
const STOPS = "scenarios/fleet/retail-wave-stops-on-failure.yaml";
const PLAN = "scenarios/fleet-plans/regional-stores.yaml";
const cli = (args: string[]) => spawnEdgesim(args, { cwd: ROOT, timeoutMs: 120_000 });

beforeAll(() => ensureBuilt());

describe("one fleet engine behind every command", () => {
  it("`fleet FLEETFILE` rolls the file's clusters as one wave and checks what a plan can of its expectations", () => {
    const r = cli(["fleet", STOPS]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^sites {10}4 \(15 nodes, 1 time zone\)$/m);
    expect(r.stdout).toMatch(/^result {9}halted in wave retail-wave-stops-on-failure at /m);
    expect(r.stdout).toMatch(/store-002 \(retail-wave-stops-on-failure\): failed — worker-1 reboot/);
    expect(r.stdout).toContain("  ✓ result: result is halted\n");
    expect(r.stdout).toContain("  ✓ maxConcurrent: at most 2 sites at once (limit 2)\n");
  });

  it("`run FLEETFILE` and `fleet FLEETFILE` agree on every cluster's result and time (seeds by cluster name)", () => {
    const run = JSON.parse(cli(["run", STOPS, "--json"]).stdout);
    const fleet = cli(["fleet", STOPS, "--json"]);
    expect(fleet.status).toBe(0);
    const plan = JSON.parse(fleet.stdout);
    expect(run.result).toBe("halted");
    const rolled = run.clusters.filter((c: { result: string }) => c.result !== "skipped");
    expect(rolled.map((c: { name: string }) => c.name)).toEqual(["store-001", "store-002"]);
    // The plan's clock starts at its start; the fleet file's at 0: the same durations either way.
    expect(JSON.stringify(plan)).toContain(String(run.durationMs));
  });

  it("`run PLAN` prints what `fleet PLAN` prints, with the same exit code", () => {
    const run = cli(["run", PLAN, "-q"]);
    const fleet = cli(["fleet", PLAN, "-q"]);
    expect(run.status).toBe(fleet.status);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(fleet.stdout);
    expect(run.stdout).toContain("  ✓ unschedulable: 1 site fits no window (want 1)\n");
  });

  it("`run PLAN` refuses the scenario-only options in one sentence", () => {
    const r = cli(["run", PLAN, "--update"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      `error: ${PLAN}: --update is not for fleet plans; ${PLAN} is a fleet plan (see edgesim fleet)\n`,
    );
  });

  it("`report FLEETFILE` writes the fleet page", () => {
    const page = join(mkdtempSync(join(tmpdir(), "edgesim-one-engine-")), "wave.html");
    const r = cli(["report", STOPS, "-o", page]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`retail-wave-stops-on-failure: fleet report written to ${page}\n`);
    const html = readFileSync(page, "utf8");
    expect(html).toContain("retail-wave-stops-on-failure");
    expect(html).toContain("store-002");
  });
});
