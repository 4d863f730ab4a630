import { describe, expect, it } from "vitest";
import { logTimeline } from "../../src/log/policy.js";
import { InputError } from "../../src/shared/diagnostics.js";
import type { Behavior } from "../../src/shared/types.js";
import { withVariation } from "../../src/shared/variation.js";
import { createBus } from "../../src/sim/bus.js";
import { simulate } from "../../src/sim/simulate.js";
import type {
  NodeAction,
  SimulationResult,
  TimelineEntry,
  TimelineEntryOf,
  TimelineEventName,
} from "../../src/sim/types.js";
import { fakePlan, makeInput, simProfile } from "../sim/fixtures.js";

const MIN = 60_000;
const ACTIONS: NodeAction[] = ["repave", "reboot", "service-restart", "config-reload"];

const of = <E extends TimelineEventName>(r: SimulationResult, event: E) =>
  r.timeline.filter((e): e is TimelineEntryOf<E> => e.event === event);
const firstStarts = (r: SimulationResult) =>
  of(r, "action-started")
    .filter((e) => e.attempt === 1)
    .map((e) => e.node);

/** Peak number of nodes (matching `which`) out of Ready at once, from the timeline alone. */
function peakUnavailable(timeline: TimelineEntry[], which: (node: string) => boolean): number {
  const out = new Set<string>();
  let peak = 0;
  for (const e of timeline) {
    if (!e.node || !which(e.node)) continue;
    if (e.event === "node-cordoned" || e.event === "node-draining" || e.event === "action-started")
      out.add(e.node);
    if (e.event === "node-rejoined" || e.event === "node-ready") out.delete(e.node);
    peak = Math.max(peak, out.size);
  }
  return peak;
}

const isWorker = (n: string) => n.startsWith("worker-");
const isControlPlane = (n: string) => n.startsWith("cp-");

/**
 * Before 4.9.14 a rollout an outage paused was retargeted to the update pending when Kubernetes came back;
 * since, it completes first (Release Notes, 4.9.14, Edge bug fixes). The retarget is kept as the
 * `retarget-after-outage` variation (a mutant), and its tests run under it.
 */
const retargeting = <T>(run: () => T) => withVariation({ kind: "retarget-after-outage" }, run);

describe("rollout order", () => {
  it.each(ACTIONS)("%s: control planes first, one at a time, then workers", (action) => {
    const r = simulate(
      makeInput({ controlPlanes: 3, workers: 6, maxUnavailable: 2, table: { "base->next": action } }),
    );
    expect(r.result).toBe("converged");
    expect(r.behavior).toBe(action);
    expect(firstStarts(r)).toEqual([
      "cp-1",
      "cp-2",
      "cp-3",
      "worker-1",
      "worker-2",
      "worker-3",
      "worker-4",
      "worker-5",
      "worker-6",
    ]);
    expect(peakUnavailable(r.timeline, isControlPlane)).toBe(1);
    expect(peakUnavailable(r.timeline, isWorker)).toBe(2);
    // Health gate: each control plane starts only after the previous one is Ready again.
    const ready = (n: string) =>
      r.timeline.find((e) => e.node === n && (e.event === "node-rejoined" || e.event === "node-ready"));
    const started = (n: string) => r.timeline.find((e) => e.node === n && e.event === "action-started");
    const disrupted = (n: string) =>
      r.timeline.find(
        (e) => e.node === n && ["node-cordoned", "node-draining", "action-started"].includes(e.event),
      );
    expect((disrupted("cp-2") as TimelineEntry).t).toBeGreaterThanOrEqual((ready("cp-1") as TimelineEntry).t);
    expect((disrupted("cp-3") as TimelineEntry).t).toBeGreaterThanOrEqual((ready("cp-2") as TimelineEntry).t);
    expect((disrupted("worker-1") as TimelineEntry).t).toBeGreaterThanOrEqual(
      (ready("cp-3") as TimelineEntry).t,
    );
    expect(started("worker-1")).toBeDefined();
    expect(r.finalProfile).toBe("next");
    for (const node of r.nodes) expect(node.actions).toEqual({ [action]: 1 });
  });

  it.each([1, 3, 5])("never has more than maxUnavailable=%i workers out of Ready", (maxUnavailable) => {
    const r = simulate(makeInput({ controlPlanes: 1, workers: 10, maxUnavailable }));
    expect(peakUnavailable(r.timeline, isWorker)).toBe(maxUnavailable);
    expect(r.result).toBe("converged");
  });

  it("config reload neither cordons nor drains", () => {
    const r = simulate(makeInput({ table: { "base->next": "config-reload" } }));
    expect(of(r, "node-cordoned")).toEqual([]);
    expect(of(r, "node-draining")).toEqual([]);
    expect(of(r, "node-ready")).toHaveLength(5);
    expect(r.nodes.every((n) => n.profile === "next")).toBe(true);
  });

  it("skips cordon when the target's drain policy says cordon: false", () => {
    const r = simulate(
      makeInput({ profiles: [simProfile("base"), simProfile("next", { cordon: false, timeoutMs: 10_000 })] }),
    );
    expect(of(r, "node-cordoned")).toEqual([]);
    expect(of(r, "node-draining").every((e) => e.cordoned === false)).toBe(true);
    // Drain time is capped by the policy's timeout.
    for (const drained of of(r, "node-drained")) {
      const draining = r.timeline.find(
        (e) => e.node === drained.node && e.event === "node-draining",
      ) as TimelineEntry;
      expect(drained.t - draining.t).toBeLessThanOrEqual(10_000);
    }
  });

  // Skip Node Draining During Upgrades (spectrocloud/librarium docs/docs-content/clusters/edge/
  // cluster-management/skip-draining.md): drainPods auto (the default) does not drain a single-node cluster.
  it("drainPods auto (the default): a single-node cluster is cordoned, not drained, and the timeline says why", () => {
    const r = simulate(makeInput({ controlPlanes: 1, workers: 0, table: { "base->next": "reboot" } }));
    expect(of(r, "node-draining")).toEqual([]);
    expect(of(r, "node-drained")).toEqual([]);
    const skipped = of(r, "node-drain-skipped");
    expect(skipped.map((e) => [e.node, e.reason])).toEqual([
      ["cp-1", "drainPods auto: a single-node cluster is not drained"],
    ]);
    const started = of(r, "action-started")[0] as TimelineEntry;
    expect(started.t).toBe(skipped[0]?.t);
    expect(r.result).toBe("converged");
  });

  it("drainPods auto drains a cluster of two nodes or more; true drains even one node; false drains none", () => {
    const two = simulate(makeInput({ controlPlanes: 1, workers: 1, table: { "base->next": "reboot" } }));
    expect(of(two, "node-draining")).toHaveLength(2);
    expect(of(two, "node-drain-skipped")).toEqual([]);
    const forced = simulate(
      makeInput({
        controlPlanes: 1,
        workers: 0,
        table: { "base->next": "reboot" },
        profiles: [simProfile("base"), simProfile("next", { drainPods: "true", podSelector: "app!=kiosk" })],
      }),
    );
    expect(of(forced, "node-draining").map((e) => e.podSelector)).toEqual(["app!=kiosk"]);
    const never = simulate(
      makeInput({
        controlPlanes: 3,
        workers: 2,
        table: { "base->next": "reboot" },
        profiles: [simProfile("base"), simProfile("next", { drainPods: "false", cordon: false })],
      }),
    );
    expect(of(never, "node-draining")).toEqual([]);
    expect(of(never, "node-drain-skipped").map((e) => e.reason)).toEqual(Array(5).fill("drainPods false"));
    // Not cordoned, not drained: the node leaves Ready at node-drain-skipped, one control plane at a time.
    expect(peakUnavailable(never.timeline, (n) => n.startsWith("cp-"))).toBe(1);
  });

  it("a skipped drain draws the same jitter: the other nodes' times do not move", () => {
    const drained = simulate(makeInput({ controlPlanes: 1, workers: 2, table: { "base->next": "reboot" } }));
    const skipped = simulate(
      makeInput({
        controlPlanes: 1,
        workers: 2,
        table: { "base->next": "reboot" },
        profiles: [simProfile("base"), simProfile("next", { drainPods: "false" })],
      }),
    );
    const durations = (r: SimulationResult) =>
      of(r, "action-finished").map((e) => {
        const start = of(r, "action-started").find((s) => s.node === e.node) as TimelineEntry;
        return e.t - start.t;
      });
    expect(durations(skipped)).toEqual(durations(drained));
  });

  it("repave re-images every node; reboot keeps the image", () => {
    const repave = simulate(makeInput({ table: { "base->next": "repave" } }));
    expect(repave.nodes.every((n) => n.osImage === "image:next")).toBe(true);
    const reboot = simulate(makeInput({ table: { "base->next": "reboot" } }));
    expect(reboot.nodes.every((n) => n.osImage === "image:base" && n.profile === "next")).toBe(true);
  });

  it("service restart restarts the plan's services only", () => {
    const r = simulate(
      makeInput({
        table: { "base->next": fakePlan("base", "next", "service-restart", ["networking", "storage"]) },
      }),
    );
    expect(of(r, "rollout-started")[0]).toMatchObject({
      behavior: "service-restart",
      services: ["networking", "storage"],
    });
    expect(
      of(r, "action-started").every((e) => JSON.stringify(e.services) === '["networking","storage"]'),
    ).toBe(true);
  });

  it("no-op touches no node but is acknowledged", () => {
    const r = simulate(makeInput({ table: {} }));
    expect(r.result).toBe("converged");
    expect(r.behavior).toBe("no-op");
    expect(of(r, "update-acknowledged")).toEqual([
      { t: MIN, event: "update-acknowledged", profile: "next", from: "base" },
    ]);
    expect(of(r, "action-started")).toEqual([]);
    expect(of(r, "rollout-started")).toEqual([]);
    // Each node takes the profile untouched, control planes first, and says so.
    expect(of(r, "node-adopted").map((e) => [e.t, e.node, e.profile])).toEqual(
      r.nodes.map((n) => [MIN, n.name, "next"]),
    );
    expect(r.nodes[0]?.role).toBe("control-plane");
    expect(r.finalProfile).toBe("next");
    expect(r.durationMs).toBe(0);
  });

  it("durationMs runs from the first update to the end of the last rollout", () => {
    const r = simulate(makeInput());
    const finished = of(r, "rollout-finished")[0] as TimelineEntry;
    expect(r.durationMs).toBe(finished.t - MIN);
    expect(r.durationMs).toBeGreaterThan(5 * 4 * MIN);
  });

  it("an update during a rollout is applied after it", () => {
    const r = simulate(
      makeInput({
        events: [
          { at: MIN, type: "update", profile: "next" },
          { at: 5 * MIN, type: "update", profile: "latest" },
        ],
      }),
    );
    expect(of(r, "rollout-started").map((e) => e.profile)).toEqual(["next", "latest"]);
    const finishedNext = of(r, "rollout-finished")[0] as TimelineEntry;
    const startedLatest = of(r, "rollout-started")[1] as TimelineEntry;
    expect(startedLatest.t).toBeGreaterThanOrEqual(finishedNext.t);
    expect(r.finalProfile).toBe("latest");
    for (const node of r.nodes) expect(node.actions).toEqual({ reboot: 2 });
  });
});

describe("kubernetes down", () => {
  it("nothing is disrupted while down; the latest of two updates is applied once after it returns", () => {
    const r = simulate(
      makeInput({
        events: [
          { at: MIN, type: "kubernetes", state: "down" },
          { at: 2 * MIN, type: "update", profile: "next" },
          { at: 3 * MIN, type: "update", profile: "latest" },
          { at: 20 * MIN, type: "kubernetes", state: "up" },
        ],
      }),
    );
    const disruptive = r.timeline.filter((e) =>
      ["node-cordoned", "node-draining", "action-started"].includes(e.event),
    );
    expect(disruptive.length).toBeGreaterThan(0);
    expect(disruptive.every((e) => e.t >= 20 * MIN)).toBe(true);
    expect(of(r, "agent-blocked")).toHaveLength(1);
    expect(of(r, "update-coalesced")).toEqual([
      { t: 3 * MIN, event: "update-coalesced", profile: "latest", superseded: "next" },
    ]);
    expect(of(r, "rollout-started").map((e) => e.profile)).toEqual(["latest"]);
    for (const node of r.nodes) expect(node.actions).toEqual({ reboot: 1 });
    expect(r.result).toBe("converged");
    expect(r.finalProfile).toBe("latest");
  });

  // Found by test/sim/invariants.test.ts: cp-1 was still on "base" when the rollout was retargeted to
  // "base", so it was left out of the new rollout, finished its repave to "next" and stayed there while the
  // result said converged.
  it("a node still in a superseded rollout's action is brought back to the new target (retargeting)", async () => {
    const r = await retargeting(() =>
      simulate(
        makeInput({
          controlPlanes: 1,
          workers: 1,
          table: { "base->next": "repave", "next->base": "reboot" },
          events: [
            { at: 0, type: "update", profile: "next" },
            { at: 30_000, type: "kubernetes", state: "down" },
            { at: MIN, type: "update", profile: "base" },
            { at: 2 * MIN, type: "kubernetes", state: "up" },
          ],
        }),
      ),
    );
    expect(of(r, "rollout-superseded")).toEqual([expect.objectContaining({ profile: "next", by: "base" })]);
    expect(of(r, "rollout-started").at(-1)).toMatchObject({ profile: "base", behavior: "reboot" });
    expect(of(r, "action-started").map((e) => [e.node, e.action, e.profile])).toEqual([
      ["cp-1", "repave", "next"],
      ["cp-1", "reboot", "base"],
    ]);
    expect(r.result).toBe("converged");
    expect(r.finalProfile).toBe("base");
    expect(r.nodes.map((n) => n.profile)).toEqual(["base", "base"]);
  });

  it("an update that never gets past the outage is blocked, the cluster untouched", () => {
    const r = simulate(
      makeInput({
        events: [
          { at: MIN, type: "kubernetes", state: "down" },
          { at: 2 * MIN, type: "update", profile: "next" },
        ],
      }),
    );
    expect(r.result).toBe("blocked");
    expect(r.finalProfile).toBe("base");
    expect(of(r, "action-started")).toEqual([]);
    expect(r.durationMs).toBe(0);
  });

  it("an outage mid-rollout pauses it: running actions finish, nothing new starts until it is back", () => {
    const r = simulate(
      makeInput({
        events: [
          { at: MIN, type: "update", profile: "next" },
          { at: 10 * MIN, type: "kubernetes", state: "down" },
          { at: 60 * MIN, type: "kubernetes", state: "up" },
        ],
      }),
    );
    const starts = r.timeline.filter((e) =>
      ["node-cordoned", "node-draining", "action-started"].includes(e.event),
    );
    expect(starts.some((e) => e.t > 10 * MIN && e.t < 60 * MIN)).toBe(false);
    expect(of(r, "rollout-paused")).toHaveLength(1);
    expect(of(r, "rollout-resumed")).toHaveLength(1);
    expect(r.result).toBe("converged");
    for (const node of r.nodes) expect(node.actions).toEqual({ reboot: 1 });
  });

  it.each([
    ["cp-1", 5 * MIN],
    ["cp-3", 14 * MIN],
  ])("a blip while %s is mid-action starts neither the next control plane nor any worker", (_node, at) => {
    const r = simulate(
      makeInput({
        timings: { jitter: 0 },
        events: [
          { at: MIN, type: "update", profile: "next" },
          { at, type: "kubernetes", state: "down" },
          { at: at + 1_000, type: "kubernetes", state: "up" },
        ],
      }),
    );
    expect(of(r, "kubernetes-up")).toHaveLength(1);
    expect(peakUnavailable(r.timeline, isControlPlane)).toBe(1);
    const lastControlPlaneReady = of(r, "node-rejoined")
      .filter((e) => isControlPlane(e.node as string))
      .at(-1);
    const firstWorker = r.timeline.find((e) => isWorker(e.node ?? "") && e.event === "node-cordoned");
    expect(firstWorker?.t).toBeGreaterThanOrEqual(lastControlPlaneReady?.t ?? Number.POSITIVE_INFINITY);
    expect(firstStarts(r)).toEqual(["cp-1", "cp-2", "cp-3", "worker-1", "worker-2"]);
  });

  it("an update that arrives during a mid-rollout outage waits until the paused rollout is complete (4.9.14)", () => {
    const r = simulate(
      makeInput({
        table: { "base->next": "reboot", "base->latest": "repave", "next->latest": "config-reload" },
        events: [
          { at: MIN, type: "update", profile: "next" },
          { at: 10 * MIN, type: "kubernetes", state: "down" },
          { at: 20 * MIN, type: "update", profile: "latest" },
          { at: 60 * MIN, type: "kubernetes", state: "up" },
        ],
      }),
    );
    expect(of(r, "rollout-superseded")).toEqual([]);
    expect(of(r, "rollout-resumed")).toEqual([expect.objectContaining({ t: 60 * MIN, profile: "next" })]);
    const finished = of(r, "rollout-finished");
    expect(finished.map((e) => e.profile)).toEqual(["next", "latest"]);
    // The latest rollout starts once the paused one is complete, not before.
    const latest = of(r, "rollout-started").find((e) => e.profile === "latest") as TimelineEntry;
    expect(latest.t).toBe((finished[0] as TimelineEntry).t);
    expect(r.finalProfile).toBe("latest");
    expect(r.result).toBe("converged");
    // Every node takes next (a reboot), then next→latest (a config reload).
    for (const node of r.nodes) expect(node.actions).toEqual({ reboot: 1, "config-reload": 1 });
  });

  it("an update that arrives during a mid-rollout outage retargets the rest to the latest profile (retargeting)", async () => {
    const r = await retargeting(() =>
      simulate(
        makeInput({
          table: { "base->next": "reboot", "base->latest": "repave", "next->latest": "config-reload" },
          events: [
            { at: MIN, type: "update", profile: "next" },
            { at: 10 * MIN, type: "kubernetes", state: "down" },
            { at: 20 * MIN, type: "update", profile: "latest" },
            { at: 60 * MIN, type: "kubernetes", state: "up" },
          ],
        }),
      ),
    );
    expect(of(r, "rollout-superseded")).toHaveLength(1);
    expect(r.finalProfile).toBe("latest");
    expect(r.result).toBe("converged");
    // cp-1 had finished `next` before the outage: only the next→latest step remains for it.
    const cp1 = r.nodes.find((n) => n.name === "cp-1");
    expect(cp1?.actions).toEqual({ reboot: 1, "config-reload": 1 });
    // Workers never started `next`: they go straight to latest.
    for (const node of r.nodes.filter((n) => n.role === "worker"))
      expect(node.actions).toEqual({ repave: 1 });
  });
});

describe("failures", () => {
  it.each([
    { retries: 1, times: 1, result: "converged", reboots: 2 },
    { retries: 0, times: 1, result: "failed", reboots: 1 },
    { retries: 1, times: 2, result: "failed", reboots: 2 },
    { retries: 2, times: 2, result: "converged", reboots: 3 },
  ])("retries=$retries, failing $times time(s) → $result", ({ retries, times, result, reboots }) => {
    const r = simulate(
      makeInput({
        controlPlanes: 1,
        workers: 3,
        retries,
        events: [
          { at: 0, type: "node-fail", node: "worker-1", action: "reboot", times },
          { at: MIN, type: "update", profile: "next" },
        ],
      }),
    );
    expect(r.result).toBe(result);
    expect(r.nodes.find((n) => n.name === "worker-1")?.actions).toEqual({ reboot: reboots });
    expect(of(r, "action-retried")).toHaveLength(Math.min(retries, times));
    if (result === "failed") {
      expect(r.failure).toEqual({
        node: "worker-1",
        action: "reboot",
        reason: expect.stringMatching(/reboot/),
      });
      expect(of(r, "rollout-halted")).toHaveLength(1);
      // Untouched nodes stay on the old profile; the cluster is reported on the last fully applied one.
      for (const name of ["worker-2", "worker-3"]) {
        expect(r.nodes.find((n) => n.name === name)).toMatchObject({ profile: "base", actions: {} });
      }
      expect(r.nodes.find((n) => n.name === "worker-1")).toMatchObject({ profile: "base", state: "Failed" });
      expect(r.finalProfile).toBe("base");
    } else {
      expect(r.failure).toBeUndefined();
      expect(r.finalProfile).toBe("next");
    }
  });

  it("a failure armed for `any` action fails whichever comes", () => {
    const r = simulate(
      makeInput({
        retries: 0,
        table: { "base->next": "service-restart" },
        events: [
          { at: 0, type: "node-fail", node: "cp-2", action: "any" },
          { at: MIN, type: "update", profile: "next" },
        ],
      }),
    );
    expect(r.failure).toMatchObject({ node: "cp-2", action: "service-restart" });
    expect(firstStarts(r)).toEqual(["cp-1", "cp-2"]);
  });

  it("an unsupported update is refused when published and nothing is touched", () => {
    const plan = fakePlan("base", "next", "reboot");
    plan.unsupported = [{ layer: "network", rule: "network.@pack", reason: "CNI pack switch" }];
    const r = simulate(makeInput({ table: { "base->next": plan } }));
    expect(r.result).toBe("converged");
    expect(r.finalProfile).toBe("base");
    expect(of(r, "update-received")).toEqual([]);
    expect(of(r, "update-refused")).toEqual([
      { t: MIN, event: "update-refused", profile: "next", rule: "network.@pack", reason: "CNI pack switch" },
    ]);
    expect(r.refused).toEqual([
      { t: MIN, profile: "next", rule: "network.@pack", reason: "CNI pack switch" },
    ]);
    expect(of(r, "action-started")).toEqual([]);
  });

  it("an unsupported plan that still reaches the rollout (an injected planner) fails the cluster", () => {
    // base → next and next → latest are fine; base → latest is not: the rollout retargeted during an
    // outage plans cp-1 (still on base) towards latest.
    const bad = fakePlan("base", "latest", "reboot");
    bad.unsupported = [{ layer: "network", rule: "network.@pack", reason: "CNI pack switch" }];
    const r = simulate(
      makeInput({
        controlPlanes: 1,
        workers: 0,
        table: { "base->next": "reboot", "next->latest": "reboot", "base->latest": bad },
        events: [
          { at: 0, type: "kubernetes", state: "down" },
          { at: MIN, type: "update", profile: "next" },
          { at: 2 * MIN, type: "update", profile: "latest" },
          { at: 3 * MIN, type: "kubernetes", state: "up" },
        ],
      }),
    );
    expect(r.result).toBe("failed");
    expect(of(r, "update-rejected")).toHaveLength(1);
    expect(of(r, "action-started")).toEqual([]);
  });
});

describe("A/B partitions: a repave whose image does not boot falls back", () => {
  const worker1 = (r: SimulationResult) => r.nodes.find((n) => n.name === "worker-1");
  const repaveWithFailures = (times: number, retries: number, abPartitions = true) =>
    simulate(
      makeInput({
        controlPlanes: 1,
        workers: 3,
        retries,
        abPartitions,
        abFallback: "rejoin",
        table: { "base->next": "repave" },
        events: [
          { at: 0, type: "node-fail", node: "worker-1", action: "repave", times },
          { at: MIN, type: "update", profile: "next" },
        ],
      }),
    );

  it.each([
    { retries: 1, times: 1, result: "converged", repaves: 2 },
    { retries: 0, times: 1, result: "failed", repaves: 1 },
    { retries: 1, times: 2, result: "failed", repaves: 2 },
    { retries: 2, times: 2, result: "converged", repaves: 3 },
  ])("retries=$retries, $times fallback(s) → $result", ({ retries, times, result, repaves }) => {
    const r = repaveWithFailures(times, retries);
    expect(r.result).toBe(result);
    expect(worker1(r)?.actions).toEqual({ repave: repaves });
    expect(of(r, "image-fallback")).toEqual(
      Array.from({ length: times }, () =>
        expect.objectContaining({ node: "worker-1", from: "image:next", to: "image:base" }),
      ),
    );
    expect(of(r, "action-retried")).toHaveLength(Math.min(retries, times));
    // Never Failed: every fallback brings the node back Ready.
    expect(r.nodes.every((n) => n.state === "Ready")).toBe(true);
    if (result === "failed") {
      expect(r.failure).toEqual({
        node: "worker-1",
        action: "repave",
        reason: "new image did not boot; fell back to the passive image",
      });
      expect(worker1(r)).toMatchObject({
        state: "Ready",
        profile: "base",
        osImage: "image:base",
        activeImage: "image:base",
        passiveImage: "image:base",
      });
      for (const name of ["worker-2", "worker-3"]) {
        expect(r.nodes.find((n) => n.name === name)).toMatchObject({ profile: "base", actions: {} });
      }
      expect(r.finalProfile).toBe("base");
    } else {
      expect(r.failure).toBeUndefined();
      expect(r.finalProfile).toBe("next");
      expect(worker1(r)).toMatchObject({
        osImage: "image:next",
        activeImage: "image:next",
        passiveImage: "image:base",
      });
    }
  });

  it("the fallback node rejoins on its old image before its retry cordons it again", () => {
    const r = repaveWithFailures(1, 1);
    const events = r.timeline.filter((e) => e.node === "worker-1").map((e) => e.event);
    expect(events).toEqual([
      "failure-armed",
      "node-cordoned",
      "node-draining",
      "node-drained",
      "action-started",
      "action-failed",
      "image-fallback",
      "node-rejoined",
      "action-retried",
      "node-cordoned",
      "node-draining",
      "node-drained",
      "action-started",
      "action-finished",
      "node-rejoined",
    ]);
    const rejoined = of(r, "node-rejoined").filter((e) => e.node === "worker-1");
    expect(rejoined.map((e) => [e.profile, e.osImage, e.passiveImage])).toEqual([
      ["base", "image:base", "image:base"],
      ["next", "image:next", "image:base"],
    ]);
    // The retry starts at once: no other worker slips in while worker-1 is briefly Ready.
    expect(firstStarts(r)).toEqual(["cp-1", "worker-1", "worker-2", "worker-3"]);
    expect(peakUnavailable(r.timeline, isWorker)).toBe(1);
  });

  it("a fallback while Kubernetes is down waits for it to come back before retrying", () => {
    const r = simulate(
      makeInput({
        controlPlanes: 1,
        workers: 1,
        retries: 1,
        abPartitions: true,
        abFallback: "rejoin",
        timings: { jitter: 0 },
        table: { "base->next": "repave" },
        events: [
          { at: 0, type: "node-fail", node: "worker-1", action: "repave" },
          { at: MIN, type: "update", profile: "next" },
          // worker-1's repave runs from about 15m to 27m; the outage covers its fallback.
          { at: 20 * MIN, type: "kubernetes", state: "down" },
          { at: 60 * MIN, type: "kubernetes", state: "up" },
        ],
      }),
    );
    const fallback = of(r, "image-fallback")[0] as TimelineEntry;
    const retried = of(r, "action-retried")[0] as TimelineEntry;
    expect(fallback.t).toBeGreaterThan(20 * MIN);
    expect(fallback.t).toBeLessThan(60 * MIN);
    // Back on its old image it cannot report Ready before the API server is: it waits, rejoins a rejoin
    // (1m) after Kubernetes is back, and is retried then.
    const waiting = of(r, "node-rejoin-waiting").filter((e) => e.node === "worker-1");
    expect(waiting.map((e) => e.t)).toEqual([fallback.t + MIN]);
    const rejoined = of(r, "node-rejoined").find((e) => e.node === "worker-1") as TimelineEntry;
    expect(rejoined.t).toBe(61 * MIN);
    expect(retried.t).toBe(61 * MIN);
    expect(r.result).toBe("converged");
  });

  // Found by test/sim/invariants.test.ts: the fallen-back worker was retried towards the superseded profile
  // at once, before the control plane had the latest one (and was then repaved a second time).
  it("a fallback left by a rollout the outage superseded is not retried towards the stale profile (retargeting)", async () => {
    const r = await retargeting(() =>
      simulate(
        makeInput({
          controlPlanes: 1,
          workers: 1,
          retries: 1,
          abPartitions: true,
          abFallback: "rejoin",
          table: { "base->next": "repave", "base->latest": "repave", "next->latest": "repave" },
          events: [
            { at: 0, type: "update", profile: "next" },
            { at: 0, type: "node-fail", node: "worker-1", action: "repave" },
            // worker-1 repaves from about 13m to 27m and falls back during the outage.
            { at: 20 * MIN, type: "kubernetes", state: "down" },
            { at: 25 * MIN, type: "update", profile: "latest" },
            { at: 40 * MIN, type: "kubernetes", state: "up" },
          ],
        }),
      ),
    );
    expect(r.result).toBe("converged");
    expect(of(r, "rollout-superseded")).toEqual([expect.objectContaining({ profile: "next", by: "latest" })]);
    expect(of(r, "action-retried")).toEqual([]);
    const afterUp = of(r, "action-started").filter((e) => e.t >= 40 * MIN);
    expect(afterUp.map((e) => [e.node, e.profile])).toEqual([
      ["cp-1", "latest"],
      ["worker-1", "latest"],
    ]);
    expect(worker1(r)).toMatchObject({ profile: "latest", actions: { repave: 2 } });
  });

  it.each(["reboot", "service-restart"] as const)("a failed %s still leaves the node Failed", (action) => {
    const r = simulate(
      makeInput({
        controlPlanes: 1,
        workers: 1,
        retries: 0,
        abPartitions: true,
        abFallback: "rejoin",
        table: { "base->next": action },
        events: [
          { at: 0, type: "node-fail", node: "worker-1", action },
          { at: MIN, type: "update", profile: "next" },
        ],
      }),
    );
    expect(r.result).toBe("failed");
    expect(worker1(r)).toMatchObject({
      state: "Failed",
      activeImage: "image:base",
      passiveImage: "image:base",
    });
    expect(of(r, "image-fallback")).toEqual([]);
  });

  it("off by default: a failed repave leaves the node Failed and reports no partitions", () => {
    const r = repaveWithFailures(2, 1, false);
    expect(r.result).toBe("failed");
    expect(worker1(r)?.state).toBe("Failed");
    expect(r.failure?.reason).toMatch(/injected failure/);
    expect(of(r, "image-fallback")).toEqual([]);
    for (const node of r.nodes) {
      expect(node).not.toHaveProperty("activeImage");
      expect(node).not.toHaveProperty("passiveImage");
    }
  });
});

describe("agent restart", () => {
  it("mid-rollout: resumes without repeating finished nodes, nothing new starts while it is down", () => {
    const base = makeInput({ controlPlanes: 3, workers: 4 });
    const plain = simulate(base);
    const cp3Ready = plain.timeline.find(
      (e) => e.node === "cp-3" && e.event === "node-rejoined",
    ) as TimelineEntry;
    const restartAt = cp3Ready.t + 30_000; // while the first worker is mid-rollout
    const r = simulate({
      ...base,
      timings: { agentRestartMs: 10 * MIN },
      events: [...base.events, { at: restartAt, type: "agent-restart" }],
    });
    expect(r.result).toBe("converged");
    for (const node of r.nodes) expect(node.actions).toEqual({ reboot: 1 });
    const resumed = of(r, "agent-resumed")[0] as TimelineEntryOf<"agent-resumed">;
    expect(resumed.t).toBe(restartAt + 10 * MIN);
    expect(resumed.doneNodes).toBe(3);
    const startedWhileDown = r.timeline.filter(
      (e) =>
        (e.event === "node-cordoned" || e.event === "node-draining") && e.t > restartAt && e.t < resumed.t,
    );
    // worker-1 was cordoned before the restart and carries on draining on its own; no other node starts.
    expect(startedWhileDown.every((e) => e.node === "worker-1")).toBe(true);
    expect(
      r.timeline.some((e) => e.node === "worker-1" && e.event === "node-rejoined" && e.t < resumed.t),
    ).toBe(true);
    expect(firstStarts(r)).toEqual(firstStarts(plain));
  });

  // Found by test/sim/invariants.test.ts' exploration: with Kubernetes back during the restart, the paused
  // rollout carried on to the stale profile (workers rebooted twice) and never said it resumed.
  it.each([
    {
      pending: true,
      retarget: false,
      starts: [
        "cp-1:next",
        "worker-1:next",
        "worker-2:next",
        "cp-1:latest",
        "worker-1:latest",
        "worker-2:latest",
      ],
    },
    {
      pending: true,
      retarget: true,
      starts: ["cp-1:next", "cp-1:latest", "worker-1:latest", "worker-2:latest"],
    },
    { pending: false, retarget: false, starts: ["cp-1:next", "worker-1:next", "worker-2:next"] },
  ])(
    "Kubernetes back while the agent restarts (update pending: $pending, retargeting: $retarget)",
    async ({ pending, retarget, starts }) => {
      const r = await withVariation(retarget ? { kind: "retarget-after-outage" } : undefined, () =>
        simulate(
          makeInput({
            controlPlanes: 1,
            workers: 2,
            table: { "base->next": "reboot", "base->latest": "reboot", "next->latest": "reboot" },
            events: [
              { at: 0, type: "update", profile: "next" },
              { at: 3 * MIN, type: "kubernetes", state: "down" },
              ...(pending ? [{ at: 5 * MIN, type: "update" as const, profile: "latest" }] : []),
              { at: 10 * MIN, type: "agent-restart" },
              { at: 10 * MIN + 10_000, type: "kubernetes", state: "up" },
            ],
          }),
        ),
      );
      expect(r.result).toBe("converged");
      expect(of(r, "action-started").map((e) => `${e.node}:${e.profile}`)).toEqual(starts);
      const resumed = of(r, retarget ? "rollout-superseded" : "rollout-resumed");
      expect(resumed).toEqual([expect.objectContaining({ t: 10 * MIN + 30_000, profile: "next" })]);
    },
  );

  it("keeps an update that arrives while the agent restarts", () => {
    const r = simulate(
      makeInput({
        events: [
          { at: MIN, type: "agent-restart" },
          { at: MIN + 1_000, type: "update", profile: "next" },
        ],
      }),
    );
    const resumed = of(r, "agent-resumed")[0] as TimelineEntry;
    const started = of(r, "rollout-started")[0] as TimelineEntry;
    expect(started.t).toBe(resumed.t);
    expect(r.finalProfile).toBe("next");
  });
});

describe("determinism", () => {
  const scenario = (seed: number) =>
    makeInput({
      seed,
      workers: 5,
      maxUnavailable: 2,
      events: [
        { at: MIN, type: "update", profile: "next" },
        { at: 5 * MIN, type: "kubernetes", state: "down" },
        { at: 6 * MIN, type: "update", profile: "latest" },
        { at: 30 * MIN, type: "kubernetes", state: "up" },
        { at: 0, type: "node-fail", node: "worker-3", action: "reboot" },
      ],
    });

  it("same seed → identical result, byte for byte", () => {
    expect(JSON.stringify(simulate(scenario(42)))).toBe(JSON.stringify(simulate(scenario(42))));
  });

  it("a different seed changes the timings but not the story", () => {
    const a = simulate(scenario(1));
    const b = simulate(scenario(2));
    expect(a.timeline.map((e) => e.t)).not.toEqual(b.timeline.map((e) => e.t));
    expect(a.durationMs).not.toBe(b.durationMs);
    expect(firstStarts(a)).toEqual(firstStarts(b));
    expect(a.result).toBe(b.result);
  });

  it("zero jitter gives the documented timings exactly (drainPods true: a single node is drained too)", () => {
    const r = simulate(
      makeInput({
        controlPlanes: 1,
        workers: 0,
        timings: { jitter: 0 },
        profiles: [simProfile("base"), simProfile("next", { drainPods: "true" })],
      }),
    );
    const t = (event: TimelineEventName) => (of(r, event)[0] as TimelineEntry).t - MIN;
    expect([
      t("node-cordoned"),
      t("node-draining"),
      t("action-started"),
      t("action-finished"),
      t("node-rejoined"),
    ]).toEqual([0, 2_000, 47_000, 47_000 + 4 * MIN, 47_000 + 5 * MIN]);
  });
});

describe("hooks and input", () => {
  it("streams every timeline entry on the bus, and a line per entry to a logger listening there", () => {
    const bus = createBus();
    const seen: TimelineEntry[] = [];
    const transitions: string[] = [];
    bus.on("timeline", (e) => seen.push(e));
    bus.on("transition", (e) => transitions.push(`${e.actor}:${e.from}->${e.to}`));
    const lines: string[] = [];
    logTimeline(bus, { info: (_obj, msg) => lines.push(String(msg)) });
    const r = simulate(makeInput(), { bus });
    expect(seen).toEqual(r.timeline);
    expect(lines).toEqual(r.timeline.map((e) => e.event));
    expect(transitions).toContain("cp-1:Ready->Cordoned");
    expect(transitions).toContain("agent:Idle->Applying");
  });

  it.each([
    [
      { events: [{ at: 0, type: "node-fail" as const, node: "worker-9", action: "reboot" as const }] },
      "events[0].node",
    ],
    [{ events: [{ at: 0, type: "update" as const, profile: "nope" }] }, "events[0].update"],
    [{ initialProfile: "nope" }, "profile"],
    [{ controlPlanes: 0 }, "cluster.controlPlanes"],
  ])("bad input is an InputError naming the path (%#)", (overrides, path) => {
    try {
      simulate({ ...makeInput(), ...overrides, source: "scenarios/x.yaml" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).diagnostics[0]).toMatchObject({ file: "scenarios/x.yaml", path });
    }
  });
});

describe("scale", () => {
  // Speed is measured by bench/sim.ts (npm run bench), not asserted here: the machines are shared.
  it("4,000 node actors on one clock converge with 100 workers at a time", () => {
    const behavior: Behavior = "reboot";
    const input = makeInput({
      controlPlanes: 3,
      workers: 3_997,
      maxUnavailable: 100,
      table: { "base->next": behavior },
    });
    const r = simulate(input);
    expect(r.result).toBe("converged");
    expect(r.nodes.every((n) => n.profile === "next")).toBe(true);
    expect(peakUnavailable(r.timeline, isWorker)).toBe(100);
  });
});
