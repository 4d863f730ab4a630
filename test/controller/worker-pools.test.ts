import { describe, expect, it } from "vitest";
import { kubernetesSkew } from "../../src/controller/skew.js";
import type { Plan } from "../../src/rules/types.js";
import { InputError } from "../../src/shared/diagnostics.js";
import type { Behavior } from "../../src/shared/types.js";
import { simulate } from "../../src/sim/simulate.js";
import type {
  SimInputEvent,
  SimProfile,
  SimulationResult,
  TimelineEntryOf,
  WorkerPool,
} from "../../src/sim/types.js";
import { fakePlan, makeInput, simProfile } from "../sim/fixtures.js";

const MIN = 60_000;

/** A fake profile on Kubernetes `version`. */
function k8sProfile(id: string, version: string): SimProfile {
  const profile = simProfile(id);
  // Skip worker node update is for PXK-E (and Canonical) only: on K3s the update would be refused.
  profile.profile.distribution = "pxk-e";
  profile.profile.layers = [{ name: "kubernetes", pack: "edge-k8s", version, values: {}, rawValues: {} }];
  return profile;
}

/** `behavior`, plus a kubernetes `@version` change when the versions differ (as src/rules/plan.ts marks it). */
function versionPlan(from: SimProfile, to: SimProfile, behavior: Behavior): Plan {
  const plan = fakePlan(from.id, to.id, behavior);
  const a = from.profile.layers[0]?.version;
  const b = to.profile.layers[0]?.version;
  if (a !== b) {
    plan.changes = [
      {
        layer: "kubernetes",
        path: "@version",
        behavior,
        rule: "kubernetes.version",
        reason: "",
        unclassified: false,
        from: a,
        to: b,
      },
    ];
  }
  return plan;
}

const PROFILES = [
  k8sProfile("base", "1.30.5"),
  k8sProfile("k8s-31", "1.31.1"),
  k8sProfile("k8s-33", "1.33.0"),
  k8sProfile("k8s-34", "1.34.1"),
  k8sProfile("config-30", "1.30.5"),
];

function run(
  pools: WorkerPool[],
  events: SimInputEvent[],
  options: { behavior?: Behavior; maxUnavailable?: number } = {},
): SimulationResult {
  const byId = new Map(PROFILES.map((p) => [p.id, p]));
  return simulate(
    makeInput({
      controlPlanes: 1,
      workers: 0,
      workerPools: pools,
      profiles: PROFILES,
      events,
      ...(options.maxUnavailable ? { maxUnavailable: options.maxUnavailable } : {}),
      timings: { jitter: 0 },
      plan: (from, to) =>
        from.name === to.name
          ? fakePlan(from.name, to.name, "no-op")
          : versionPlan(
              byId.get(from.name) as SimProfile,
              byId.get(to.name) as SimProfile,
              options.behavior ?? "reboot",
            ),
    }),
  );
}

const update = (at: number, profile: string): SimInputEvent => ({ at, type: "update", profile });
const toggle = (at: number, pool: string, skipWorkerUpdate: boolean): SimInputEvent => ({
  at,
  type: "pool-toggle",
  pool,
  skipWorkerUpdate,
});
const profileOf = (r: SimulationResult, node: string) => r.nodes.find((n) => n.name === node)?.profile;
const started = (r: SimulationResult) =>
  r.timeline.filter((e) => e.event === "action-started").map((e) => `${e.node}:${e.action}`);

const POOLS: WorkerPool[] = [
  { name: "core", workers: 2 },
  { name: "edge", workers: 2, skipWorkerUpdate: true },
];

describe("worker pools with skip worker node update", () => {
  it("a Kubernetes version change leaves the skipped pool on its profile", () => {
    const r = run(POOLS, [update(MIN, "k8s-31")]);
    expect(r.result).toBe("converged");
    expect(started(r)).toEqual(["cp-1:reboot", "core-1:reboot", "core-2:reboot"]);
    expect(r.nodes.map((n) => [n.name, n.pool, n.profile])).toEqual([
      ["cp-1", undefined, "k8s-31"],
      ["core-1", "core", "k8s-31"],
      ["core-2", "core", "k8s-31"],
      ["edge-1", "edge", "base"],
      ["edge-2", "edge", "base"],
    ]);
    expect(r.finalProfile).toBe("k8s-31");
    expect(r.timeline.filter((e) => e.event === "pool-skipped")).toEqual([
      expect.objectContaining({ pool: "edge", profile: "base", kubernetes: "1.30.5", target: "k8s-31" }),
    ]);
  });

  it("an update that keeps the Kubernetes version reaches every pool", () => {
    const r = run(POOLS, [update(MIN, "config-30")]);
    expect(started(r)).toEqual([
      "cp-1:reboot",
      "core-1:reboot",
      "core-2:reboot",
      "edge-1:reboot",
      "edge-2:reboot",
    ]);
    expect(r.timeline.some((e) => e.event === "pool-skipped")).toBe(false);
  });

  it("without the toggle every pool upgrades; maxUnavailable counts across pools", () => {
    const r = run(
      [
        { name: "core", workers: 2 },
        { name: "edge", workers: 2 },
      ],
      [update(MIN, "k8s-31")],
      { maxUnavailable: 2 },
    );
    expect(r.nodes.every((n) => n.profile === "k8s-31")).toBe(true);
    let out = 0;
    let peak = 0;
    for (const e of r.timeline) {
      if (e.node === "cp-1") continue;
      if (e.event === "node-cordoned") out++;
      if (e.event === "node-rejoined") out--;
      peak = Math.max(peak, out);
    }
    expect(peak).toBe(2);
  });

  it.each([
    { target: "k8s-33", refused: false, skew: 3 },
    { target: "k8s-34", refused: true, skew: 4 },
  ])("a skipped pool $skew minor versions behind: refused $refused", ({ target, refused }) => {
    const r = run(POOLS, [update(MIN, target), update(3 * 60 * MIN, "config-30")]);
    const refusal = r.timeline.find((e) => e.event === "update-refused");
    if (!refused) {
      expect(refusal).toBeUndefined();
      expect(profileOf(r, "core-1")).toBe("config-30");
      return;
    }
    expect(refusal).toMatchObject({
      profile: "k8s-34",
      rule: "kubernetes.version-skew",
      pool: "edge",
      poolKubernetes: "1.30.5",
      controlPlaneKubernetes: "1.34.1",
    });
    expect(String(refusal?.reason)).toMatch(/edge.*1\.30\.5.*1\.34\.1/);
    // The cluster stays, and the agent takes the next update as usual.
    expect(r.result).toBe("converged");
    expect(started(r).filter((s) => s.startsWith("edge"))).toEqual(["edge-1:reboot", "edge-2:reboot"]);
    expect(r.nodes.every((n) => n.profile === "config-30")).toBe(true);
  });

  it("turning the toggle off mid-rollout adds the pool to it, repaved", () => {
    const r = run(POOLS, [update(MIN, "k8s-31"), toggle(2 * MIN, "edge", false)]);
    expect(started(r)).toEqual([
      "cp-1:reboot",
      "core-1:reboot",
      "core-2:reboot",
      "edge-1:repave",
      "edge-2:repave",
    ]);
    expect(r.nodes.every((n) => n.profile === "k8s-31")).toBe(true);
    expect(r.behavior).toBe("repave");
    expect(r.timeline.filter((e) => e.event === "rollout-finished")).toHaveLength(1);
  });

  it("turning the toggle off later repaves the pool, blocked while Kubernetes is down", () => {
    const r = run(POOLS, [
      update(MIN, "k8s-31"),
      { at: 2 * 60 * MIN, type: "kubernetes", state: "down" },
      toggle(2 * 60 * MIN + MIN, "edge", false),
      { at: 3 * 60 * MIN, type: "kubernetes", state: "up" },
    ]);
    const edge = r.timeline.filter(
      (e): e is TimelineEntryOf<"action-started"> =>
        e.event === "action-started" && e.node.startsWith("edge"),
    );
    expect(edge.map((e) => e.action)).toEqual(["repave", "repave"]);
    expect(edge.every((e) => e.t >= 3 * 60 * MIN)).toBe(true);
    expect(r.timeline.some((e) => e.event === "agent-blocked")).toBe(true);
    expect(r.nodes.every((n) => n.profile === "k8s-31")).toBe(true);
    expect(r.result).toBe("converged");
  });

  it("turning the toggle on only sets it; off with nothing behind does nothing", () => {
    const r = run(
      [{ name: "edge", workers: 1 }],
      [
        toggle(MIN, "edge", true),
        toggle(2 * MIN, "edge", false),
        toggle(3 * MIN, "edge", true),
        update(4 * MIN, "k8s-31"),
      ],
    );
    expect(r.timeline.filter((e) => e.event === "pool-toggled")).toHaveLength(3);
    expect(r.timeline.some((e) => e.event === "pool-catch-up")).toBe(false);
    expect(started(r)).toEqual(["cp-1:reboot"]);
    expect(profileOf(r, "edge-1")).toBe("base");
  });

  it("rejects a toggle for a pool the cluster does not have, and duplicate pool names", () => {
    expect(() => run(POOLS, [toggle(MIN, "gpu", false)])).toThrow(InputError);
    expect(() =>
      run(
        [
          { name: "edge", workers: 1 },
          { name: "edge", workers: 1 },
        ],
        [],
      ),
    ).toThrow(/named twice/);
  });
});

describe("kubernetesSkew", () => {
  it.each([
    ["1.34.1", "1.30.5", 4],
    ["v1.31.0+k3s1", "1.30.5", 1],
    ["1.30.5", "1.30.1", 0],
    ["2.0.0", "1.30.0", Number.POSITIVE_INFINITY],
    ["latest", "1.30.0", undefined],
  ])("%s over %s: %s", (cp, pool, skew) => {
    expect(kubernetesSkew(cp, pool)).toBe(skew);
  });
});
