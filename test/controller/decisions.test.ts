import { describe, expect, it } from "vitest";
import type { Rollout } from "../../src/controller/lifecycle.js";
import { nextStarts, type StartStatus } from "../../src/controller/next-starts.js";
import { buildOutcome } from "../../src/controller/outcome.js";
import { planRollout, type RolloutNode } from "../../src/controller/plan-rollout.js";
import { catchUpDecision } from "../../src/controller/pool-toggle.js";
import { retryDecision } from "../../src/controller/retries.js";
import type { Plan } from "../../src/rules/types.js";
import type { Behavior } from "../../src/shared/types.js";
import { fakePlan } from "../sim/fixtures.js";

// The controller's decisions are pure functions of plain data: each is tested here without any actor.

interface Node extends RolloutNode {
  ready: boolean;
  profile: string;
}

function node(name: string, extra: Partial<Node> = {}): Node {
  const role = name.startsWith("cp-") ? "control-plane" : "worker";
  return { name, role, heading: "base", catchingUp: false, ready: true, profile: "base", ...extra };
}

function view(
  nodes: Node[],
  plans: Record<string, Behavior | Plan>,
  options: Partial<{ skip: string[]; versions: Record<string, string> }> = {},
) {
  return {
    nodes,
    skipWorkerUpdate: (pool: string) => options.skip?.includes(pool) ?? false,
    plan: (from: string, to: string): Plan => {
      const entry = plans[`${from}->${to}`] ?? "no-op";
      return typeof entry === "string" ? fakePlan(from, to, entry) : entry;
    },
    kubernetesVersion: (profile: string) => options.versions?.[profile],
  };
}

const k8sBump = (from: string, to: string): Plan => ({
  ...fakePlan(from, to, "reboot"),
  changes: [
    {
      layer: "kubernetes",
      path: "@version",
      behavior: "reboot",
      rule: "kubernetes.version",
      reason: "",
      unclassified: false,
    },
  ],
});

describe("planRollout", () => {
  it("queues the nodes not yet heading to the target, control planes first, at the most disruptive plan", () => {
    const nodes = [node("cp-1"), node("worker-1", { heading: "next" }), node("worker-2", { heading: "old" })];
    const decision = planRollout(view(nodes, { "base->next": "reboot", "old->next": "repave" }), "next");
    expect(decision.kind).toBe("started");
    if (decision.kind !== "started") return;
    expect(decision.queue.map((n) => n.name)).toEqual(["cp-1", "worker-2"]);
    expect(decision.behavior).toBe("repave");
  });

  it("leaves a skipping pool out of a Kubernetes version change, and refuses one that breaks N-3", () => {
    const nodes = [node("cp-1"), node("worker-1", { pool: "edge" })];
    const within = planRollout(
      view(
        nodes,
        { "base->next": k8sBump("base", "next") },
        { skip: ["edge"], versions: { base: "1.30.1", next: "1.33.0" } },
      ),
      "next",
    );
    expect(within.kind === "started" && within.skipped.map((n) => n.name)).toEqual(["worker-1"]);
    const beyond = planRollout(
      view(
        nodes,
        { "base->next": k8sBump("base", "next") },
        { skip: ["edge"], versions: { base: "1.30.1", next: "1.34.0" } },
      ),
      "next",
    );
    expect(beyond.kind).toBe("refused");
    if (beyond.kind === "refused")
      expect(beyond.refusal).toMatchObject({ pool: "edge", poolKubernetes: "1.30.1" });
  });

  it("names the nodes that sit out when a superseded rollout left the skipping pool half-way", () => {
    // edge-1 is heading to "mid" (same Kubernetes as "next"), edge-2 and edge-3 are still on base (older).
    const nodes = [
      node("cp-1"),
      node("edge-1", { pool: "edge", heading: "mid" }),
      node("edge-2", { pool: "edge" }),
      node("edge-3", { pool: "edge" }),
      node("core-1", { pool: "core" }),
    ];
    const decision = planRollout(
      view(
        nodes,
        { "base->next": k8sBump("base", "next"), "mid->next": "reboot" },
        { skip: ["edge", "core"], versions: { base: "1.30.1", mid: "1.31.0", next: "1.31.0" } },
      ),
      "next",
    );
    expect(decision.kind).toBe("started");
    if (decision.kind !== "started") return;
    expect(decision.queue.map((n) => n.name)).toEqual(["cp-1", "edge-1"]);
    expect(decision.skippedPools).toEqual([
      { pool: "edge", profile: "base", kubernetes: "1.30.1", nodes: ["edge-2", "edge-3"] },
      { pool: "core", profile: "base", kubernetes: "1.30.1" },
    ]);
  });

  it("rejects a rollout when a node's plan is unsupported", () => {
    const unsupported = {
      ...fakePlan("base", "next", "repave"),
      unsupported: [{ layer: "network" as const, rule: "network.pack-switch", reason: "CNI switch" }],
    };
    const decision = planRollout(view([node("cp-1")], { "base->next": unsupported }), "next");
    expect(decision).toEqual({ kind: "rejected", reasons: ["CNI switch"] });
  });
});

describe("nextStarts", () => {
  const rollout = (queue: Node[]): Pick<Rollout<Node>, "queue" | "cursor" | "deferred"> => ({
    queue,
    cursor: 0,
    deferred: [],
  });
  const nodesOf = (done: Set<string> = new Set()) => ({
    status: (n: Node): StartStatus => ({ role: n.role, ready: n.ready, done: done.has(n.name) }),
    adopts: () => false,
  });
  const limits = { kubernetesUp: true, maxUnavailable: 2, busy: 0, busyWorkers: 0 };

  it("starts one control plane at a time, and no worker before every control plane is done", () => {
    const queue = [node("cp-1"), node("cp-2"), node("worker-1")];
    expect(nextStarts(rollout(queue), nodesOf(), limits).starts.map((n) => n.name)).toEqual(["cp-1"]);
    const second = nextStarts({ queue, cursor: 1, deferred: [] }, nodesOf(new Set(["cp-1"])), {
      ...limits,
      busy: 1,
    });
    expect(second.starts).toEqual([]);
  });

  it("starts workers maxUnavailable at a time, and nothing while Kubernetes is down", () => {
    const queue = [node("worker-1"), node("worker-2"), node("worker-3")];
    expect(nextStarts(rollout(queue), nodesOf(), limits).starts.map((n) => n.name)).toEqual([
      "worker-1",
      "worker-2",
    ]);
    expect(nextStarts(rollout(queue), nodesOf(), { ...limits, busy: 1, busyWorkers: 1 }).starts).toHaveLength(
      1,
    );
    const down = nextStarts(rollout(queue), nodesOf(), { ...limits, kubernetesUp: false });
    expect(down).toEqual({ starts: [], cursor: 0, deferred: [], finished: false });
  });

  it("defers a busy worker and finishes only when every node is done and none is busy", () => {
    const queue = [node("worker-1", { ready: false }), node("worker-2")];
    const first = nextStarts(rollout(queue), nodesOf(), { ...limits, busy: 1, busyWorkers: 1 });
    expect(first.deferred.map((n) => n.name)).toEqual(["worker-1"]);
    expect(first.finished).toBe(false);
    const all = new Set(["worker-1", "worker-2"]);
    expect(nextStarts({ queue, cursor: 2, deferred: [] }, nodesOf(all), limits).finished).toBe(true);
  });
});

describe("retryDecision", () => {
  const failed = { fellBack: false, jobTarget: "next", action: "repave" as const, failureReason: "boom" };
  it("retries while attempts are within retries, then halts with the reason", () => {
    expect(retryDecision({ ...failed, attempts: 1 }, "next", 1)).toEqual({
      kind: "retry",
      action: "repave",
      attempt: 2,
    });
    expect(retryDecision({ ...failed, attempts: 2 }, "next", 1)).toEqual({
      kind: "halt",
      action: "repave",
      reason: "boom",
    });
  });
  it("drops a fallback of a superseded rollout's job instead of retrying it", () => {
    expect(retryDecision({ ...failed, fellBack: true, attempts: 1 }, "later", 1)).toEqual({
      kind: "abandon",
    });
    expect(retryDecision({ ...failed, fellBack: false, attempts: 1 }, "later", 1).kind).toBe("retry");
  });
});

describe("catchUpDecision", () => {
  const pool = [
    node("worker-1", { pool: "edge", heading: "old" }),
    node("worker-2", { pool: "edge", heading: "next" }),
  ];
  it("joins the pool's skipped nodes to the rollout in progress", () => {
    const rollout: Rollout<Node> = {
      target: "next",
      behavior: "reboot",
      noOp: false,
      queue: [],
      cursor: 0,
      deferred: [],
      skipped: new Set([pool[0] as Node]),
    };
    const decision = catchUpDecision(pool, rollout, { state: "Applying", applied: "next", pending: null });
    expect(decision.kind === "join-rollout" && decision.behind.map((n) => n.name)).toEqual(["worker-1"]);
  });
  it("starts a rollout of the applied profile for the nodes behind it only when the agent is quiet", () => {
    const idle = catchUpDecision(pool, null, { state: "Idle", applied: "next", pending: null });
    expect(idle).toEqual({ kind: "own-rollout", behind: [pool[0]], profile: "next" });
    expect(catchUpDecision(pool, null, { state: "Failed", applied: "next", pending: null }).kind).toBe(
      "none",
    );
    expect(catchUpDecision(pool, null, { state: "Restarting", applied: "next", pending: "later" }).kind).toBe(
      "none",
    );
  });
});

describe("buildOutcome", () => {
  const report = (name: string, profile: string) => ({
    name,
    role: "worker" as const,
    state: "Ready" as const,
    profile,
    osImage: `image:${profile}`,
    actions: {},
  });
  const facts = {
    nodes: [report("worker-1", "next"), report("worker-2", "next")],
    lifecycle: { phase: "idle" } as const,
    agentState: "Idle" as const,
    applied: "next",
    behavior: "reboot" as const,
    firstUpdateAt: 1_000,
    lastRolloutEnd: 61_000,
    faults: [],
    timeline: [],
  };
  it("is converged on the nodes' common profile, timed from the first update to the last rollout's end", () => {
    expect(buildOutcome(facts)).toMatchObject({
      result: "converged",
      finalProfile: "next",
      durationMs: 60_000,
    });
  });
  it("is failed when halted (with the failure), blocked when the agent is not Idle", () => {
    const failure = { node: "worker-1", action: "reboot" as const, reason: "boom" };
    expect(buildOutcome({ ...facts, lifecycle: { phase: "halted", failure } })).toMatchObject({
      result: "failed",
      failure,
    });
    expect(buildOutcome({ ...facts, agentState: "BlockedKubernetesDown" }).result).toBe("blocked");
  });
  it("names the agent's applied profile when the nodes disagree", () => {
    const mixed = {
      ...facts,
      nodes: [report("worker-1", "next"), report("worker-2", "base")],
      applied: "base",
    };
    expect(buildOutcome(mixed).finalProfile).toBe("base");
  });
});
