import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { workspace } from "../scenario/helpers.js";

const BUNDLED = fileURLToPath(new URL("../../scenarios/fleet/", import.meta.url));

async function run(args: string[]) {
  const io = memoryIo();
  const code = await main(args, io);
  return { code, out: io.out, err: io.err, lines: io.out.trimEnd().split("\n") };
}

const FLEET = `name: cli-wave
seed: 3
fleet: { concurrency: 2, failureBudget: 0 }
update: profiles/small-reboot.yaml
clusters:
  - { name: a, profile: profiles/small-base.yaml, controlPlanes: 1, workers: 1 }
  - { name: b, profile: profiles/small-base.yaml, controlPlanes: 1, workers: 2, retries: 0,
      events: [{ at: 1s, node: worker-1, fail: reboot }] }
  - { name: c, profile: profiles/small-base.yaml, controlPlanes: 1, workers: 0 }
expect:
  result: halted
  clusters: { a: converged, b: failed, c: skipped }
`;

describe("edgesim run FLEET", () => {
  const stops = join(BUNDLED, "retail-wave-stops-on-failure.yaml");

  it("prints the cluster table, the fleet timeline, then the summary and expectations; exit 0", async () => {
    const { code, out, lines } = await run(["run", stops]);
    expect(code).toBe(0);
    expect(lines[0]).toMatch(/^cluster\s+nodes\s+start\s+end\s+result\s+behavior$/);
    expect(lines[1]).toMatch(/^store-001\s+1\+2\s+00:00:00\s+\S+\s+converged\s+reboot$/);
    expect(lines[3]).toMatch(/^store-003\s+1\+1\s+-\s+-\s+skipped\s+-$/);
    expect(out).toMatch(/store-002\s+cluster-finished\s+result=failed/);
    expect(out).toMatch(/fleet-halted\s+failed=\["store-002"\] failureBudget=0 skipped=2/);
    expect(out).toMatch(/store-004\s+cluster-skipped/);
    expect(out).toContain("  ✓ clusters: 4 cluster results match");
    expect(out.indexOf("cluster-started")).toBeLessThan(
      out.indexOf("fleet          retail-wave-stops-on-failure"),
    );
  });

  it("--json prints the documented fields; the same seed gives the same bytes", async () => {
    const first = await run(["run", stops, "--json"]);
    const again = await run(["run", stops, "--json"]);
    expect(first.code).toBe(0);
    expect(again.out).toBe(first.out);
    const json = JSON.parse(first.out);
    expect(Object.keys(json).slice(0, 6)).toEqual([
      "name",
      "result",
      "behavior",
      "clusters",
      "timeline",
      "expectations",
    ]);
    expect(json.clusters.map((c: { name: string; result: string }) => `${c.name}=${c.result}`)).toEqual([
      "store-001=converged",
      "store-002=failed",
      "store-003=skipped",
      "store-004=skipped",
    ]);
    expect(json.clusters[2]).toMatchObject({ startMs: null, endMs: null, finalProfile: "k3s-base" });
    expect(json.timeline[0]).toEqual({ t: 0, event: "cluster-started", cluster: "store-001" });
    const other = await run(["run", stops, "--json", "--seed", "8"]);
    expect(other.out).not.toBe(first.out);
  });

  it("--timelines adds each cluster's own timeline on the fleet's clock", async () => {
    const { out } = await run([
      "run",
      join(BUNDLED, "retail-wave-converges-two-at-a-time.yaml"),
      "--timelines",
    ]);
    const json = JSON.parse(
      (await run(["run", join(BUNDLED, "retail-wave-converges-two-at-a-time.yaml"), "--json"])).out,
    );
    const store3 = json.clusters[2];
    expect(store3.startMs).toBeGreaterThan(0);
    expect(out).toContain(`store-003 (from `);
    // store-003's first entry is shown at its start time on the fleet clock, not at 00:00:00.
    const section = out.slice(out.indexOf("store-003 (from "));
    const firstEntry = section.split("\n")[1] ?? "";
    expect(firstEntry.trim().startsWith("00:00:00")).toBe(false);
  });

  it("exits 4 when an expectation fails, and 1 with file:line:col on bad input", async () => {
    const dir = workspace({
      "wrong.yaml": FLEET.replace("c: skipped", "c: converged"),
      "bad.yaml": FLEET.replace("concurrency: 2", "concurrency: 0"),
    });
    const wrong = await run(["run", join(dir, "wrong.yaml"), "--quiet"]);
    expect(wrong.code).toBe(4);
    expect(wrong.out).toContain("✗ clusters: c: expected converged, got skipped");
    expect(wrong.out).not.toContain("cluster-started");
    const bad = await run(["run", join(dir, "bad.yaml")]);
    expect(bad.code).toBe(1);
    expect(bad.err).toBe(`error: ${join(dir, "bad.yaml")}:3:23: fleet.concurrency: must be at least 1\n`);
  });

  it("--log is for scenario files and says so (report draws a fleet file: see one-fleet-engine.test.ts)", async () => {
    const log = await run(["run", stops, "--log", "x.ndjson"]);
    expect(log.code).toBe(1);
    expect(log.err).toContain("--log is for scenario files");
  });
});

describe("edgesim test DIR with fleet files", () => {
  it("runs fleet files next to scenarios, one line each, broken ones reported as failed", async () => {
    const reboot = readFileSync(
      join(fileURLToPath(new URL("../fixtures/scenarios/", import.meta.url)), "reboot.yaml"),
      "utf8",
    );
    const dir = workspace({
      "a-fleet.yaml": FLEET,
      "b-broken-fleet.yaml": `${FLEET.replace("name: cli-wave", "name: broken-wave")}  bogus: true\n`,
      "c-scenario.yaml": reboot,
    });
    const { code, lines } = await run(["test", dir]);
    expect(code).toBe(1);
    expect(lines).toEqual([
      `✓ cli-wave (${join(dir, "a-fleet.yaml")})`,
      `✗ broken-wave (${join(dir, "b-broken-fleet.yaml")}): ${join(dir, "b-broken-fleet.yaml")}:13:10: expect.bogus: unknown expectation "bogus" (known: result, behavior, clusters, maxConcurrentClusters, duration)`,
      `✓ fixture-reboot (${join(dir, "c-scenario.yaml")})`,
      "2 passed, 1 failed",
    ]);
  });

  it("the bundled fleet scenarios pass, and --json lists cluster results", async () => {
    // The fleets refer to ../profiles: the folder above is the root their references may use.
    const { code, out } = await run(["test", BUNDLED, "--root", `${BUNDLED}..`, "--json"]);
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json.failed).toBe(0);
    expect(json.passed).toBeGreaterThanOrEqual(3);
    const stops = json.scenarios.find((s: { name: string }) => s.name === "retail-wave-stops-on-failure");
    expect(stops.clusters).toContainEqual({ name: "store-003", result: "skipped" });
  });
});
