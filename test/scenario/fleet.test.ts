import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadFleet, runFleet } from "../../src/fleet/file.js";
import { diagnosticsOf, workspace } from "./helpers.js";

const FLEET = `name: small-wave
seed: 3
fleet: { concurrency: 2, failureBudget: 0 }
update: profiles/small-reboot.yaml
clusters:
  - { name: a, profile: profiles/small-base.yaml, controlPlanes: 1, workers: 1 }
  - name: b
    profile: profiles/small-base.yaml
    controlPlanes: 1
    workers: 2
    retries: 0
    events: [{ at: 1s, node: worker-1, fail: reboot }]
  - { name: c, profile: profiles/small-base.yaml, controlPlanes: 1, workers: 0 }
expect:
  result: halted
  clusters: { a: converged, b: failed, c: skipped }
  maxConcurrentClusters: 2
`;

function fleetFile(text: string): string {
  const dir = workspace({ "fleet.yaml": text });
  return join(dir, "fleet.yaml");
}

/** `file:line:col path: message` lines, with the folder left out. */
function errorsOf(text: string): string[] {
  const file = fleetFile(text);
  return diagnosticsOf(() => loadFleet(file)).map(
    (d) => `${d.line ?? "-"}:${d.col ?? "-"} ${d.path ?? ""}: ${d.message.replaceAll(file, "FILE")}`,
  );
}

describe("loadFleet", () => {
  it("reads clusters in wave order with their own events, relative to their start", () => {
    const fleet = loadFleet(fleetFile(FLEET));
    expect(fleet.concurrency).toBe(2);
    expect(fleet.failureBudget).toBe(0);
    expect(fleet.update).toBe("small-reboot");
    expect(fleet.clusters.map((c) => [c.name, c.profile, c.controlPlanes, c.workers])).toEqual([
      ["a", "small-base", 1, 1],
      ["b", "small-base", 1, 2],
      ["c", "small-base", 1, 0],
    ]);
    expect(fleet.clusters[1]?.events).toEqual([
      { at: 1000, type: "node-fail", node: "worker-1", action: "reboot" },
    ]);
    expect(fleet.clusters[1]?.retries).toBe(0);
  });

  it.each([
    [
      "an unknown key in a cluster",
      FLEET.replace("workers: 0 }", "workers: 0, gpus: 2 }"),
      ['13:87 clusters[2].gpus: unknown key "gpus"'],
    ],
    [
      "a bad cluster event",
      FLEET.replace("fail: reboot", "fail: explode"),
      [
        '12:46 clusters[1].events[0].fail: must be one of repave, reboot, service-restart, config-reload, any (got "explode")',
      ],
    ],
    [
      "an update inside a cluster",
      FLEET.replace("node: worker-1, fail: reboot", "update: profiles/small-reboot.yaml"),
      [
        "12:14 clusters[1].events[0]: event has no kind: a cluster event has `at` and exactly one of `kubernetes: down|up`, `node: NAME` with `fail: ACTION`, `agent: restart` (the update comes from the fleet's `update:`)",
      ],
    ],
    [
      "an unknown fleet expectation",
      FLEET.replace("maxConcurrentClusters: 2", "order: [a, b]"),
      [
        '17:10 expect.order: unknown expectation "order" (known: result, behavior, clusters, maxConcurrentClusters, duration)',
      ],
    ],
    [
      "a missing concurrency",
      FLEET.replace("fleet: { concurrency: 2, failureBudget: 0 }", "fleet: { failureBudget: 0 }"),
      ["3:8 fleet.concurrency: is required"],
    ],
    [
      "a duplicate cluster name",
      FLEET.replace("name: c,", "name: a,"),
      [
        '13:13 clusters[2].name: cluster name "a" is already used by clusters[0]',
        '16:43 expect.clusters.c: expect.clusters names "c", which is not a cluster of this fleet (a, b)',
      ],
    ],
    [
      "an unknown cluster in expect",
      FLEET.replace("c: skipped", "store-9: skipped"),
      [
        '16:49 expect.clusters.store-9: expect.clusters names "store-9", which is not a cluster of this fleet (a, b, c)',
      ],
    ],
    [
      "a node the cluster does not have",
      FLEET.replace("node: worker-1", "node: worker-3"),
      [
        '12:30 clusters[1].events[0].node: cluster b has no node "worker-3" (its nodes are cp-1, worker-1..worker-2)',
      ],
    ],
    [
      "an update profile that does not exist",
      FLEET.replace("update: profiles/small-reboot.yaml", "update: profiles/nope.yaml"),
      ["4:9 update: profile "],
    ],
  ])("%s is an error at line:col", (_what, text, expected) => {
    const errors = errorsOf(text);
    expect(errors).toHaveLength(expected.length);
    for (const [i, line] of expected.entries())
      expect(errors[i]?.startsWith(line), errors.join("\n")).toBe(true);
  });

  it("a YAML syntax error names file:line:col", () => {
    const errors = errorsOf(`${FLEET}clusters: [\n`);
    expect(errors[0]).toMatch(/^\d+:\d+ : /);
  });
});

describe("runFleet", () => {
  it("rolls the update, halts on the failure and checks expectations", async () => {
    const run = await runFleet(fleetFile(FLEET));
    expect(run.clusters.map((c) => [c.name, c.result])).toEqual([
      ["a", "converged"],
      ["b", "failed"],
      ["c", "skipped"],
    ]);
    expect(run.result).toBe("halted");
    expect(run.behavior).toBe("reboot");
    expect(run.clusters[0]?.finalProfile).toBe("small-reboot");
    expect(run.clusters[2]).toMatchObject({ startMs: null, endMs: null, finalProfile: "small-base" });
    expect(run.halted?.failed).toEqual(["b"]);
    expect(run.expectations.every((e) => e.passed)).toBe(true);
    expect(run.passed).toBe(true);
    expect(Object.keys(run).slice(0, 6)).toEqual([
      "name",
      "result",
      "behavior",
      "clusters",
      "timeline",
      "expectations",
    ]);
    expect(Object.keys(run.clusters[0] ?? {}).slice(0, 6)).toEqual([
      "name",
      "result",
      "behavior",
      "startMs",
      "endMs",
      "finalProfile",
    ]);
  });

  it("fails expectations that do not hold, with a message per cluster", async () => {
    const run = await runFleet(
      fleetFile(FLEET.replace("c: skipped", "c: converged").replace("result: halted", "result: converged")),
    );
    expect(run.passed).toBe(false);
    expect(run.expectations.filter((e) => !e.passed).map((e) => `${e.name}: ${e.message}`)).toEqual([
      "result: expected converged, got halted",
      "clusters: c: expected converged, got skipped",
    ]);
  });

  it("is deterministic for a seed and each cluster gets its own seed", async () => {
    const file = fleetFile(FLEET.replace("failureBudget: 0", "failureBudget: 5"));
    const a = await runFleet(file);
    const b = await runFleet(file);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(new Set(a.clusters.map((c) => c.seed)).size).toBe(3);
    const other = await runFleet(file, { seed: 99 });
    expect(other.seed).toBe(99);
    expect(other.clusters[0]?.seed).not.toBe(a.clusters[0]?.seed);
  });

  it("an unsupported update is refused as in a scenario: the cluster stays, nothing fails", async () => {
    const run = await runFleet(
      fleetFile(
        FLEET.replace("update: profiles/small-reboot.yaml", "update: profiles/small-cni-switch.yaml"),
      ),
    );
    expect(run.clusters[0]?.result).toBe("converged");
    expect(run.clusters[0]?.finalProfile).toBe("small-base");
    expect(run.clusters[0]?.timeline?.filter((e) => e.event === "update-refused")).toHaveLength(1);
    expect(run.clusters[0]?.timeline?.some((e) => e.event === "action-started")).toBe(false);
  });

  it("a Kubernetes outage at 0s blocks the cluster; blocked is not a failure, the wave goes on", async () => {
    const text = FLEET.replace("node: worker-1, fail: reboot", "kubernetes: down").replace(
      "at: 1s",
      "at: 0s",
    );
    const run = await runFleet(fleetFile(text));
    expect(run.clusters.map((c) => c.result)).toEqual(["converged", "blocked", "converged"]);
    expect(run.result).toBe("blocked");
    expect(run.clusters[1]?.timeline?.some((e) => e.event === "action-started")).toBe(false);
  });
});
