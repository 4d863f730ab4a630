import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeNodes, loadScenario } from "../../src/scenario/load.js";
import { runScenario } from "../../src/scenario/run.js";
import type { TimelineEntryOf } from "../../src/sim/types.js";
import { expectScenarioDiagnostic, workspace } from "./helpers.js";

const POOLS_HEADER = `name: t
cluster:
  controlPlanes: 1
  workerPools:
    - { name: core, workers: 1 }
    - { name: edge, workers: 2, skipWorkerUpdate: true }
profile: profiles/small-base.yaml
`;

// POOLS_HEADER is lines 1-7; `events:` is line 8, the first event line 9.
describe("loadScenario: worker pools, bad input at file:line:col", () => {
  it.each([
    {
      case: "both workers and workerPools",
      text: POOLS_HEADER.replace("controlPlanes: 1", "controlPlanes: 1\n  workers: 2"),
      line: 6,
      col: 5,
      message: /both workers and workerPools/,
    },
    {
      case: "neither workers nor workerPools",
      text: "name: t\ncluster:\n  controlPlanes: 1\nprofile: profiles/small-base.yaml\n",
      line: 3,
      col: 3,
      message: /needs workers: N or workerPools/,
    },
    {
      case: "duplicate pool names",
      text: POOLS_HEADER.replace("name: core", "name: edge"),
      line: 6,
      col: 15,
      message: /pool "edge" is named twice/,
    },
    {
      case: "a pool name that cannot name nodes",
      text: POOLS_HEADER.replace("name: core", "name: Core_Pool"),
      line: 5,
      col: 15,
      message: /DNS label/,
    },
    {
      case: "a pool named cp",
      text: POOLS_HEADER.replace("name: core", "name: cp"),
      line: 5,
      col: 15,
      message: /control planes' prefix/,
    },
    {
      case: "unknown pool in an event",
      text: `${POOLS_HEADER}events:\n  - { at: 1m, pool: gpu, skipWorkerUpdate: false }\n`,
      line: 9,
      col: 21,
      message: /pool "gpu" is not a worker pool of this cluster \(core, edge\)/,
    },
    {
      case: "pool event on a cluster without pools",
      text: `name: t\ncluster: { controlPlanes: 1, workers: 1 }\nprofile: profiles/small-base.yaml\nevents:\n  - { at: 1m, pool: edge, skipWorkerUpdate: false }\n`,
      line: 5,
      col: 21,
      message: /this cluster has no workerPools/,
    },
    {
      case: "pool event without the toggle",
      text: `${POOLS_HEADER}events:\n  - { at: 1m, pool: edge }\n`,
      line: 9,
      col: 5,
      message: /skipWorkerUpdate.*is required|is required/,
    },
    {
      case: "expect.nodes naming worker-1 in a pooled cluster",
      text: `${POOLS_HEADER}expect:\n  nodes: { worker-1: { state: Ready } }\n`,
      line: 9,
      col: 22,
      message: /^this cluster has no node "worker-1" \(its nodes are cp-1, core-1, edge-1\.\.edge-2\)$/,
    },
    {
      case: "unknown key in a pool",
      text: POOLS_HEADER.replace("workers: 1 }", "workers: 1, size: 3 }"),
      line: 5,
      col: 39,
      message: /unknown key "size"/,
    },
  ])("$case", ({ text, line, col, message }) => {
    expectScenarioDiagnostic(text, message, line, col);
  });

  it("names pool nodes <pool>-1..<pool>-N and counts them as workers", () => {
    const dir = workspace({
      "s.yaml": `${POOLS_HEADER}events:\n  - { at: 1m, pool: edge, skipWorkerUpdate: false }\n`,
    });
    const scenario = loadScenario(join(dir, "s.yaml"));
    expect(scenario.nodes).toEqual(["cp-1", "core-1", "edge-1", "edge-2"]);
    expect(scenario.workers).toBe(3);
    expect(scenario.workerPools).toEqual([
      { name: "core", workers: 1 },
      { name: "edge", workers: 2, skipWorkerUpdate: true },
    ]);
    expect(scenario.events).toEqual([
      { at: 60_000, type: "pool-toggle", pool: "edge", skipWorkerUpdate: false, index: 0 },
    ]);
  });

  it("describes pooled and plain clusters by prefix", () => {
    expect(describeNodes(["cp-1", "cp-2", "core-1", "edge-1", "edge-2"])).toBe(
      "cp-1..cp-2, core-1, edge-1..edge-2",
    );
    expect(describeNodes(["cp-1", "worker-1", "worker-2"])).toBe("cp-1, worker-1..worker-2");
  });
});

const SCENARIOS = join(import.meta.dirname, "../../scenarios");

describe("bundled skip-worker-pool stories", () => {
  it("a Kubernetes upgrade skips the edge pool, which stays on base", () => {
    const run = runScenario(join(SCENARIOS, "story-skip-worker-pool.yaml"));
    expect(run.passed, JSON.stringify(run.expectations, null, 2)).toBe(true);
    const skipped = run.timeline.filter((e) => e.event === "pool-skipped");
    expect(skipped).toEqual([
      expect.objectContaining({ pool: "edge", profile: "pxk-e-base", kubernetes: "1.30.5" }),
    ]);
    const byName = Object.fromEntries(run.nodes.map((n) => [n.name, n]));
    expect(byName["edge-1"]?.pool).toBe("edge");
    expect(byName["edge-1"]?.osImage).toContain("pxk-e-1.30.5");
    expect(byName["core-1"]?.osImage).toContain("pxk-e-1.31.1");
  });

  it("refuses an update that would leave the skipped pool past N-3, and the cluster stays", () => {
    const run = runScenario(join(SCENARIOS, "story-skip-worker-pool-skew-refused.yaml"));
    expect(run.passed, JSON.stringify(run.expectations, null, 2)).toBe(true);
    expect(run.result).toBe("converged");
    expect(run.refused).toEqual([
      expect.objectContaining({ profile: "sc-pxk-e-kubernetes-1-34", rule: "kubernetes.version-skew" }),
    ]);
    expect(run.refused[0]?.reason).toMatch(/pool edge .*1\.30\.5.*1\.34\.1/);
    expect(run.timeline.filter((e) => e.event === "action-started" && e.t >= 3_600_000)).toEqual([]);
  });

  it("turning the toggle off repaves the pool to the cluster's profile once Kubernetes is back", () => {
    const run = runScenario(join(SCENARIOS, "story-skip-worker-pool-catch-up.yaml"));
    expect(run.passed, JSON.stringify(run.expectations, null, 2)).toBe(true);
    const catchUp = run.timeline.find((e) => e.event === "pool-catch-up");
    expect(catchUp).toMatchObject({ pool: "edge", profile: "pxk-e-kubernetes-upgrade", nodes: 2 });
    const edgeStarts = run.timeline.filter(
      (e): e is TimelineEntryOf<"action-started"> =>
        e.event === "action-started" && String(e.node).startsWith("edge-"),
    );
    expect(edgeStarts.map((e) => [e.node, e.action])).toEqual([
      ["edge-1", "repave"],
      ["edge-2", "repave"],
    ]);
    // Kubernetes was down 1h50m–2h10m: nothing of the catch-up started before it came back.
    expect(edgeStarts.every((e) => e.t >= 2 * 3_600_000 + 10 * 60_000)).toBe(true);
  });
});
