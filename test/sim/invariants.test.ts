import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Plan } from "../../src/rules/types.js";
import type { Behavior } from "../../src/shared/types.js";
import { backInService, leavesReady } from "../../src/sim/availability.js";
import { simulate } from "../../src/sim/simulate.js";
import {
  clusterNodes,
  type NodeAction,
  type SimInputEvent,
  type SimulationInput,
  type SimulationResult,
  type TimelineEntry,
} from "../../src/sim/types.js";
import { fakePlan, makeInput, simProfile } from "./fixtures.js";
import { runSeed, runsOf } from "./scenario-gen.js";

/*
 * Sequencing rules of the simulation as properties over random clusters, updates, outages, failures and
 * agent restarts. Each property runs on its own fixed seed so a failure reproduces; the input is generated
 * as a plain `Spec` (printable when fast-check shrinks) and turned into a SimulationInput by `toInput`.
 *
 * "Disrupted" (the definition every property below uses, read off the controller's busy counters): a node is
 * disrupted from the entry that takes it out of Ready — `node-cordoned`, or `node-draining` when the drain
 * policy does not cordon, or `action-started` for a config reload (no cordon, no drain; it reloads in place
 * but is still out of Ready while it runs) — until `node-rejoined` or `node-ready`, or the end of the run. A
 * Failed node stays disrupted (cordoned and drained) until a retry brings it back. A repave that fell back
 * (A/B partitions) ends its disruption at `node-rejoined` on the old image; its retry is a fresh disruption.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const PROFILES = ["base", "p1", "p2", "p3"] as const;
type ProfileId = (typeof PROFILES)[number];
const BEHAVIORS = ["repave", "reboot", "service-restart", "config-reload", "no-op"] as const;
type TableEntry = Behavior | "unsupported";

interface Spec {
  seed: number;
  controlPlanes: number;
  workers: number;
  maxUnavailable: number;
  retries: number;
  abPartitions: boolean;
  /** After an A/B fallback: wait for an operator (Known Issues, 2025) or rejoin by itself (default rejoin here). */
  abFallback?: "rejoin" | "operator";
  /** Operator recoveries (`node` indexes the nodes, modulo), with `abFallback: operator`. */
  recovers?: { at: number; node: number }[];
  /** Profiles whose drain policy does not cordon. */
  noCordon: ProfileId[];
  /** "from->to" for every ordered pair of distinct profiles. */
  table: Record<string, TableEntry>;
  updates: { at: number; profile: ProfileId }[];
  /** Outages; `forMs: null` = Kubernetes never comes back. */
  outages: { at: number; forMs: number | null }[];
  failures: { at: number; node: number; action: NodeAction | "any"; times: number }[];
  restarts: number[];
  /** Agent restarts placed inside an outage (`outage` indexes `outages`, modulo), `offsetMs` after it began. */
  outageRestarts: { outage: number; offsetMs: number }[];
  /** Worker pools instead of `workers` (when not empty): their workers and "skip worker node update". */
  workerPools: { name: string; workers: number; skipWorkerUpdate: boolean }[];
  /** Pairs ("from->to") whose plan changes the Kubernetes version: what skipping pools sit out. */
  bumps: string[];
  toggles: { at: number; pool: number; skipWorkerUpdate: boolean }[];
}

const pairs = PROFILES.flatMap((from) => PROFILES.filter((to) => to !== from).map((to) => `${from}->${to}`));

// Whole minutes make events collide with each other (same-instant ordering); raw ms land mid-step; the
// first 40 minutes (where most rollouts run) get extra weight so outages, failures and restarts hit them.
const timeArb = fc.oneof(
  fc.integer({ min: 0, max: 180 }).map((m) => m * MIN),
  // A whole minute plus a cordon's 2 s to a drain's 47 s: an outage here lands between cordon and action.
  fc
    .tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1_000, max: 47_000 }))
    .map(([m, s]) => m * MIN + s),
  fc.integer({ min: 0, max: 3 * HOUR }),
  fc.integer({ min: 0, max: 40 * MIN }),
);

const tableEntryArb: fc.Arbitrary<TableEntry> = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom<TableEntry>(...BEHAVIORS) },
  { weight: 1, arbitrary: fc.constant<TableEntry>("unsupported") },
);

const specArb: fc.Arbitrary<Spec> = fc.record({
  seed: fc.integer({ min: 0, max: 1_000_000 }),
  controlPlanes: fc.integer({ min: 1, max: 5 }),
  workers: fc.integer({ min: 0, max: 8 }),
  maxUnavailable: fc.integer({ min: 1, max: 4 }),
  retries: fc.integer({ min: 0, max: 2 }),
  abPartitions: fc.boolean(),
  abFallback: fc.constantFrom<"rejoin" | "operator">("rejoin", "operator"),
  recovers: fc.array(fc.record({ at: timeArb, node: fc.nat({ max: 12 }) }), { maxLength: 3 }),
  noCordon: fc.subarray([...PROFILES]),
  table: fc.record(Object.fromEntries(pairs.map((pair) => [pair, tableEntryArb]))) as fc.Arbitrary<
    Record<string, TableEntry>
  >,
  // Profiles repeat: the same profile published again (mid-rollout, or at the same instant: a burst).
  updates: fc.array(
    fc.record({ at: timeArb, profile: fc.constantFrom<ProfileId>("p1", "p2", "p3", "base") }),
    {
      minLength: 1,
      maxLength: 4,
    },
  ),
  outages: fc.array(
    fc.record({
      at: timeArb,
      forMs: fc.option(fc.integer({ min: 1, max: 90 * MIN }), { freq: 5 }),
    }),
    { maxLength: 3 },
  ),
  failures: fc.array(
    fc.record({
      at: timeArb,
      node: fc.nat({ max: 12 }),
      action: fc.constantFrom<NodeAction | "any">(
        "repave",
        "reboot",
        "service-restart",
        "config-reload",
        "any",
      ),
      times: fc.integer({ min: 1, max: 3 }),
    }),
    { maxLength: 3 },
  ),
  restarts: fc.array(timeArb, { maxLength: 2 }),
  outageRestarts: fc.array(
    fc.record({ outage: fc.nat({ max: 2 }), offsetMs: fc.integer({ min: 0, max: 20 * MIN }) }),
    { maxLength: 2 },
  ),
  workerPools: fc.oneof(
    { weight: 2, arbitrary: fc.constant<Spec["workerPools"]>([]) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.record({ workers: fc.integer({ min: 0, max: 4 }), skipWorkerUpdate: fc.boolean() }),
          fc.record({ workers: fc.integer({ min: 1, max: 4 }), skipWorkerUpdate: fc.boolean() }),
        )
        .map(([a, b]) => [
          { name: "edge", ...a },
          { name: "store", ...b },
        ]),
    },
  ),
  bumps: fc.subarray(pairs),
  toggles: fc.array(fc.record({ at: timeArb, pool: fc.nat({ max: 1 }), skipWorkerUpdate: fc.boolean() }), {
    maxLength: 2,
  }),
});

function nodeNames(spec: Spec): string[] {
  return clusterNodes(spec).map((node) => node.name);
}

function planOf(spec: Spec, from: string, to: string): Plan {
  if (from === to) return fakePlan(from, to, "no-op");
  const entry = spec.table[`${from}->${to}`] ?? "no-op";
  if (entry === "unsupported") {
    const plan = fakePlan(from, to, "repave");
    plan.unsupported = [
      { layer: "network", rule: "network.pack-switch", reason: "CNI pack switch is not supported" },
    ];
    return plan;
  }
  const plan = fakePlan(from, to, entry, entry === "service-restart" ? ["networking"] : []);
  if (spec.bumps.includes(`${from}->${to}`))
    plan.changes.push({
      layer: "kubernetes",
      path: "@version",
      behavior: entry,
      rule: "kubernetes.version",
      reason: "a new Kubernetes version",
      unclassified: false,
    });
  return plan;
}

function toInput(spec: Spec): SimulationInput {
  const names = nodeNames(spec);
  const events: SimInputEvent[] = [];
  for (const u of spec.updates) events.push({ at: u.at, type: "update", profile: u.profile });
  for (const o of spec.outages) {
    events.push({ at: o.at, type: "kubernetes", state: "down" });
    if (o.forMs !== null) events.push({ at: o.at + o.forMs, type: "kubernetes", state: "up" });
  }
  for (const f of spec.failures) {
    const node = names[f.node % names.length] as string;
    events.push({ at: f.at, type: "node-fail", node, action: f.action, times: f.times });
  }
  for (const at of spec.restarts) events.push({ at, type: "agent-restart" });
  for (const r of spec.recovers ?? [])
    events.push({ at: r.at, type: "operator-recover", node: names[r.node % names.length] as string });
  for (const { outage, offsetMs } of spec.outageRestarts) {
    const o = spec.outages[outage % Math.max(1, spec.outages.length)];
    if (o) events.push({ at: o.at + Math.min(offsetMs, o.forMs ?? offsetMs), type: "agent-restart" });
  }
  for (const toggle of spec.toggles) {
    const pool = spec.workerPools[toggle.pool % Math.max(1, spec.workerPools.length)];
    if (pool)
      events.push({
        at: toggle.at,
        type: "pool-toggle",
        pool: pool.name,
        skipWorkerUpdate: toggle.skipWorkerUpdate,
      });
  }
  const pools = spec.workerPools.length > 0 ? { workerPools: spec.workerPools } : {};
  return makeInput({
    seed: spec.seed,
    controlPlanes: spec.controlPlanes,
    workers: spec.workerPools.length > 0 ? spec.workerPools.reduce((n, p) => n + p.workers, 0) : spec.workers,
    ...pools,
    maxUnavailable: spec.maxUnavailable,
    retries: spec.retries,
    abPartitions: spec.abPartitions,
    // The automatic rejoin, or waiting for an operator (recovered by the generated `recovers`, or never).
    abFallback: spec.abFallback ?? "rejoin",
    profiles: PROFILES.map((id) => simProfile(id, { cordon: !spec.noCordon.includes(id) })),
    plan: (from, to) => planOf(spec, from.name, to.name),
    events,
  });
}

const run = (spec: Spec) => simulate(toInput(spec));
const isControlPlane = (node: string) => node.startsWith("cp-");
const ROLLOUT_BEGINS = new Set(["rollout-started", "update-acknowledged", "update-rejected"]);

interface Step {
  entry: TimelineEntry;
  index: number;
  /** The entry took its node out of Ready (it was not disrupted just before). */
  beginsDisruption: boolean;
  /** After the entry. */
  disrupted: ReadonlySet<string>;
  kubernetesUp: boolean;
  /** Profile each node is on after the entry (back in service on it, or `node-adopted`: a no-op plan). */
  profiles: ReadonlyMap<string, string>;
  /** Target of the rollout the entry falls in (after its begin entry, before its end), if any. */
  rollout: { target: string; begin: number } | null;
}

/** Walks the timeline once, keeping the state every property reads. */
function walk(spec: Spec, result: SimulationResult): Step[] {
  const disrupted = new Set<string>();
  const profiles = new Map(nodeNames(spec).map((n) => [n, "base"]));
  let kubernetesUp = true;
  let rollout: Step["rollout"] = null;
  const poolOf = new Map(clusterNodes(spec).map((n) => [n.name, n.pool]));
  const catchingUp = new Set<string>();
  return result.timeline.map((entry, index) => {
    const node = entry.node;
    let beginsDisruption = false;
    if (node !== undefined && leavesReady(entry) && !disrupted.has(node)) {
      beginsDisruption = true;
      disrupted.add(node);
    }
    if (node !== undefined && backInService(entry)) {
      disrupted.delete(node);
      catchingUp.delete(node);
      profiles.set(node, (entry as { profile?: string }).profile as string);
    }
    if (entry.event === "node-adopted") {
      // Taken untouched: only a Ready node, in a rollout to that profile, whose plan there is no-op, and
      // never a node of a pool being caught up (that is repaved whatever its plan says).
      const from = profiles.get(entry.node) as string;
      if (
        disrupted.has(entry.node) ||
        rollout?.target !== entry.profile ||
        catchingUp.has(entry.node) ||
        planOf(spec, from, entry.profile).behavior !== "no-op"
      )
        throw new Error(`${entry.node} on ${from} cannot adopt: ${show(entry)}`);
      profiles.set(entry.node, entry.profile);
    }
    if (entry.event === "kubernetes-down") kubernetesUp = false;
    if (entry.event === "kubernetes-up") kubernetesUp = true;
    if (entry.event === "rollout-started" || entry.event === "update-acknowledged")
      rollout = { target: entry.profile, begin: index };
    else if (ROLLOUT_BEGINS.has(entry.event) || entry.event === "rollout-finished") rollout = null;
    else if (entry.event === "rollout-halted") rollout = null;
    if (entry.event === "pool-catch-up") {
      for (const [name, pool] of poolOf) if (pool === entry.pool) catchingUp.add(name);
    }
    return {
      entry,
      index,
      beginsDisruption,
      disrupted: new Set(disrupted),
      kubernetesUp,
      profiles: new Map(profiles),
      rollout,
    };
  });
}

const show = (e: TimelineEntry) => JSON.stringify(e);

function checkConcurrency(spec: Spec, result: SimulationResult): void {
  for (const step of walk(spec, result)) {
    const nodes = [...step.disrupted];
    const controlPlanes = nodes.filter(isControlPlane).length;
    const workers = nodes.length - controlPlanes;
    if (controlPlanes > 1)
      throw new Error(`${controlPlanes} control planes disrupted at ${show(step.entry)}`);
    if (workers > spec.maxUnavailable)
      throw new Error(`${workers} workers disrupted (max ${spec.maxUnavailable}) at ${show(step.entry)}`);
  }
}

function checkControlPlanesFirst(spec: Spec, result: SimulationResult): void {
  for (const step of walk(spec, result)) {
    const node = step.entry.node;
    if (!step.rollout || !step.beginsDisruption || node === undefined || isControlPlane(node)) continue;
    const target = step.rollout.target;
    for (const [cp, profile] of step.profiles) {
      if (!isControlPlane(cp)) continue;
      // A control plane whose plan to the target is no-op takes it untouched (`node-adopted`) before any
      // worker is reached: it is on the target too.
      if (step.disrupted.has(cp) || profile !== target)
        throw new Error(`${node} began (${show(step.entry)}) while ${cp} was not done with ${target}`);
    }
  }
}

function checkNothingStartsWhileDown(spec: Spec, result: SimulationResult): void {
  // A node already in its action when Kubernetes goes down finishes it; one cordoned or draining waits,
  // drained, until Kubernetes is back. Nothing leaves Ready, begins an action or is retried meanwhile; and
  // no node comes back Ready either (it reports Ready through the API server): one whose action ends during
  // the outage waits to rejoin (`node-rejoin-waiting`) until Kubernetes is back.
  for (const step of walk(spec, result)) {
    if (step.kubernetesUp) continue;
    const event = step.entry.event;
    if (step.beginsDisruption || event === "action-retried" || event === "action-started")
      throw new Error(`started while Kubernetes was down: ${show(step.entry)}`);
    if (backInService(step.entry))
      throw new Error(`back Ready while Kubernetes was down: ${show(step.entry)}`);
  }
}

function checkOutcome(spec: Spec, result: SimulationResult): void {
  const timeline = result.timeline;
  const updates = timeline.filter((e) => e.event === "update-received");
  const refusedAtPublish = result.refused.filter((r) => r.rule !== "kubernetes.version-skew");
  const failedEvidence = timeline.some((e) => e.event === "rollout-halted" || e.event === "update-rejected");
  const kubernetes = timeline.filter((e) => e.event === "kubernetes-down" || e.event === "kubernetes-up");
  const downAtEnd = kubernetes.at(-1)?.event === "kubernetes-down";
  expect(updates.length + refusedAtPublish.length).toBe(spec.updates.length);
  switch (result.result) {
    case "converged": {
      expect(failedEvidence).toBe(false);
      // Nodes of pools with "skip worker node update" that the last rollout left out (the whole pool, or the
      // `nodes` listed) stay where they were, unless a catch-up (the toggle turned off) took them along since.
      // Each sat out only an update that changes its Kubernetes version.
      // A node left out while it finished a superseded rollout's repave stays on that profile, or, if the
      // repave fell back (A/B), on the one it rejoined on.
      const staying = new Map<string, string>();
      const fellBack = new Set<string>();
      const members = (pool: string) => result.nodes.filter((n) => n.pool === pool).map((n) => n.name);
      for (const entry of result.timeline) {
        if (ROLLOUT_BEGINS.has(entry.event)) staying.clear();
        if (entry.event === "pool-skipped") {
          if (!spec.bumps.includes(`${entry.profile}->${entry.target}`))
            throw new Error(`pool skipped an update that keeps its Kubernetes version: ${show(entry)}`);
          for (const name of entry.nodes ?? members(entry.pool)) staying.set(name, entry.profile);
        }
        if (entry.event === "pool-catch-up") for (const name of members(entry.pool)) staying.delete(name);
        if (entry.node === undefined || !staying.has(entry.node)) continue;
        if (entry.event === "image-fallback") fellBack.add(entry.node);
        if (entry.event === "node-rejoined" && fellBack.delete(entry.node))
          staying.set(entry.node, entry.profile);
      }
      for (const node of result.nodes) {
        const expected = staying.get(node.name) ?? result.finalProfile;
        expect(node.profile, node.name).toBe(expected);
        expect(node.state, node.name).toBe("Ready");
      }
      // Converged means no update was rejected, so the last one received is the one the cluster is on.
      expect(result.finalProfile).toBe(updates.at(-1)?.profile ?? "base");
      break;
    }
    case "failed":
      expect(failedEvidence).toBe(true);
      break;
    case "blocked": {
      // The agent is not Idle and nothing failed: it waits on Kubernetes, blocked or with a paused rollout,
      // or on an operator: a node that fell back waits out of the cluster (abFallback: operator).
      expect(failedEvidence).toBe(false);
      const awaiting = new Set<string>();
      for (const entry of timeline) {
        if (entry.event === "node-awaiting-operator") awaiting.add(entry.node);
        if (entry.event === "operator-recovered") awaiting.delete(entry.node);
      }
      if (!downAtEnd) {
        expect(spec.abFallback).toBe("operator");
        expect(awaiting.size, "blocked with Kubernetes up: a node must wait for an operator").toBeGreaterThan(
          0,
        );
      }
      for (const node of awaiting)
        expect(result.nodes.find((n) => n.name === node)?.state, node).toBe("AwaitingOperator");
      break;
    }
  }
}

function checkCoalescing(_spec: Spec, result: SimulationResult): void {
  // Every rollout (started, acknowledged no-op or rejected) targets the latest update received so far, and
  // each takes at least one new update: so updates that piled up during an outage give one rollout, at the
  // latest of them, once Kubernetes is back.
  let latest: string | undefined;
  let fresh = 0;
  for (const entry of result.timeline) {
    if (entry.event === "update-received") {
      latest = (entry as { profile?: string }).profile as string;
      fresh++;
    }
    // A pool's toggle turned off with no rollout in progress: the agent gets the applied profile again.
    if (entry.event === "pool-catch-up") fresh++;
    if (!ROLLOUT_BEGINS.has(entry.event)) continue;
    if ((entry as { profile?: string }).profile !== latest)
      throw new Error(`rollout for a stale update (latest ${latest}): ${show(entry)}`);
    if (fresh === 0) throw new Error(`rollout without a new update: ${show(entry)}`);
    fresh = 0;
  }
  // A rollout the outage paused resumes once Kubernetes is back (also when it came back while the agent was
  // restarting), to its own target even when an update arrived since it began: no upgrade starts until the
  // previous one has completed (Release Notes, 4.9.14), so nothing is ever superseded and no rollout begins
  // while another is in progress. Publishing the profile being rolled out again adds nothing to apply.
  let paused = false;
  let pending = false;
  let inProgress: string | undefined;
  let target: string | undefined;
  for (const entry of result.timeline) {
    const event = entry.event;
    if (entry.event === "update-received") pending = entry.profile !== target || target === undefined;
    if (entry.event === "rollout-started" && inProgress !== undefined)
      throw new Error(`a rollout began while the one to ${inProgress} was not complete: ${show(entry)}`);
    if (entry.event === "rollout-started") inProgress = entry.profile;
    if (event === "rollout-finished" || event === "rollout-halted" || event === "update-rejected")
      inProgress = undefined;
    if (entry.event === "update-refused" && entry.rule === "kubernetes.version-skew") inProgress = undefined;
    if (ROLLOUT_BEGINS.has(event) || event === "rollout-halted") [paused, pending] = [false, false];
    if (entry.event === "rollout-started" || entry.event === "update-acknowledged") target = entry.profile;
    // A refusal ends the rollout only when the agent itself refused it (the Kubernetes skew check); an
    // unsupported update refused at publish time never reaches the cluster and leaves the rollout as it was.
    const agentRefused = entry.event === "update-refused" && entry.rule === "kubernetes.version-skew";
    if (event === "rollout-finished" || event === "rollout-halted" || agentRefused) target = undefined;
    if (event === "rollout-paused") paused = true;
    if (event === "rollout-finished" && paused) throw new Error(`finished without resuming: ${show(entry)}`);
    if (event === "rollout-resumed" || event === "rollout-superseded") {
      if (!paused || event === "rollout-superseded")
        throw new Error(`${event} (paused ${paused}, update pending ${pending}): ${show(entry)}`);
      paused = false;
    }
  }
  const kubernetes = result.timeline.filter(
    (e) => e.event === "kubernetes-down" || e.event === "kubernetes-up",
  );
  if (paused && kubernetes.at(-1)?.event === "kubernetes-up")
    throw new Error("a paused rollout never resumed although Kubernetes came back");
}

function checkNoRepeats(spec: Spec, result: SimulationResult): void {
  const steps = walk(spec, result);
  // Per node, per rollout and per profile the action goes to: starts ≤ 1 + retries recorded. By profile
  // too, since a node cordoned before a retarget finishes the superseded rollout's action inside the new one.
  const starts = new Map<string, number>();
  const retries = new Map<string, number>();
  const lastProfile = new Map<string, unknown>();
  for (const step of steps) {
    const { entry } = step;
    if (entry.node === undefined) continue;
    const segment = `${step.rollout?.begin ?? "none"}/${entry.node}`;
    if (entry.event === "action-retried") {
      const key = `${segment}/${lastProfile.get(entry.node)}`;
      retries.set(key, (retries.get(key) ?? 0) + 1);
    }
    if (entry.event !== "action-started") continue;
    lastProfile.set(entry.node, entry.profile);
    const key = `${segment}/${entry.profile}`;
    const before = steps[step.index - 1]?.profiles.get(entry.node);
    if (entry.profile === before && entry.attempt === 1)
      throw new Error(`${entry.node} re-ran an action to the profile it is already on: ${show(entry)}`);
    starts.set(key, (starts.get(key) ?? 0) + 1);
    if ((starts.get(key) ?? 0) > 1 + (retries.get(key) ?? 0))
      throw new Error(`${entry.node} ran twice in one rollout without a retry: ${show(entry)}`);
  }
  // The per-node action counts agree with the timeline.
  for (const node of result.nodes) {
    const counted = Object.values(node.actions).reduce((a, b) => a + (b ?? 0), 0);
    const logged = result.timeline.filter((e) => e.node === node.name && e.event === "action-started").length;
    expect(counted, node.name).toBe(logged);
  }
}

function checkDeterminism(spec: Spec, result: SimulationResult): void {
  expect(JSON.stringify(run(spec))).toBe(JSON.stringify(result));
  for (let i = 1; i < result.timeline.length; i++) {
    const [a, b] = [result.timeline[i - 1] as TimelineEntry, result.timeline[i] as TimelineEntry];
    if (b.t < a.t) throw new Error(`time went back: ${show(a)} then ${show(b)}`);
  }
}

const allRepave = (overrides: Record<string, TableEntry> = {}) =>
  Object.fromEntries(pairs.map((pair) => [pair, overrides[pair] ?? "repave"])) as Record<string, TableEntry>;
const quiet: Pick<
  Spec,
  "noCordon" | "outages" | "failures" | "restarts" | "outageRestarts" | "workerPools" | "bumps" | "toggles"
> = {
  noCordon: [],
  outages: [],
  failures: [],
  restarts: [],
  outageRestarts: [],
  workerPools: [],
  bumps: [],
  toggles: [],
};

/** Inputs that once broke a property (shrunk), run first by every property. */
const EXAMPLES: Spec[] = [
  // A fallback left by a rollout the outage superseded was retried towards the stale profile, out of turn.
  {
    ...quiet,
    seed: 7,
    controlPlanes: 1,
    workers: 1,
    maxUnavailable: 1,
    retries: 1,
    abPartitions: true,
    table: allRepave(),
    updates: [
      { at: 0, profile: "p1" },
      { at: 25 * MIN, profile: "p2" },
    ],
    outages: [{ at: 20 * MIN, forMs: 20 * MIN }],
    failures: [{ at: 0, node: 1, action: "repave", times: 1 }],
  },
  // cp-1, on base and repaving to p1, was left out of the rollout retargeted to base: converged on p1.
  {
    ...quiet,
    seed: 0,
    controlPlanes: 1,
    workers: 0,
    maxUnavailable: 1,
    retries: 0,
    abPartitions: false,
    table: allRepave({ "p1->p3": "unsupported", "p3->p1": "unsupported" }),
    updates: [
      { at: 1, profile: "base" },
      { at: 0, profile: "p1" },
    ],
    outages: [{ at: 1, forMs: 1 }],
  },
  // Kubernetes came back while the agent restarted: the paused rollout carried on to the stale profile.
  {
    ...quiet,
    seed: 7,
    controlPlanes: 1,
    workers: 2,
    maxUnavailable: 1,
    retries: 1,
    abPartitions: false,
    table: Object.fromEntries(pairs.map((pair) => [pair, "reboot"])),
    updates: [
      { at: 0, profile: "p1" },
      { at: 5 * MIN, profile: "p2" },
    ],
    outages: [{ at: 3 * MIN, forMs: 7 * MIN + 10_000 }],
    restarts: [10 * MIN],
  },
  // A superseded rollout left the skipping pool half-way (store-1 heading p3, store-2 on base): only the
  // node whose plan to p1 changes Kubernetes sits out, and the pool-skipped entry names it.
  {
    ...quiet,
    seed: 0,
    controlPlanes: 1,
    workers: 0,
    maxUnavailable: 1,
    retries: 0,
    abPartitions: false,
    table: allRepave({ "p2->p3": "unsupported" }),
    updates: [
      { at: 1, profile: "p1" },
      { at: 0, profile: "p3" },
    ],
    outages: [{ at: 786_430, forMs: 1 }],
    workerPools: [
      { name: "edge", workers: 0, skipWorkerUpdate: false },
      { name: "store", workers: 2, skipWorkerUpdate: true },
    ],
    bumps: ["p3->p1"],
  },
  // base->p2 is no-op, but the rollout to p2 never reached cp-2 (behind cp-1's repave) before p1 replaced it:
  // cp-2 is still on base and is repaved to p1, which is no repeat.
  {
    ...quiet,
    seed: 0,
    controlPlanes: 2,
    workers: 0,
    maxUnavailable: 1,
    retries: 0,
    abPartitions: false,
    table: allRepave({ "base->p2": "no-op", "p2->p1": "no-op", "p1->p3": "unsupported" }),
    updates: [
      { at: 1, profile: "p2" },
      { at: MIN, profile: "p1" },
      { at: 0, profile: "p1" },
    ],
    outages: [
      { at: MIN, forMs: null },
      { at: 1000, forMs: 59_000 },
      { at: 1000, forMs: 1 },
    ],
  },
];

const NUM_RUNS = runsOf(Number(process.env.INVARIANT_RUNS ?? 150));
/** A fresh seed for this run (printed; INVARIANT_SEED replays it), next to each property's fixed one. */
const FRESH_SEED = runSeed("simulation invariants");
const property = (check: (spec: Spec, result: SimulationResult) => void) =>
  fc.property(specArb, (spec) => check(spec, run(spec)));

describe("simulation invariants (random clusters, updates, outages, failures, agent restarts)", () => {
  it.each([
    ["never more than one control plane nor maxUnavailable workers disrupted at once", 101, checkConcurrency],
    ["no worker begins before every control plane is done with the rollout", 102, checkControlPlanesFirst],
    [
      "nothing leaves Ready, begins an action, is retried or comes back Ready while Kubernetes is down",
      103,
      checkNothingStartsWhileDown,
    ],
    ["converged / failed / blocked agree with the nodes and the timeline", 104, checkOutcome],
    [
      "updates coalesce: each rollout targets the latest update, none twice, none before the previous completes; a paused one resumes",
      105,
      checkCoalescing,
    ],
    ["no node repeats an action without a retry (agent restarts included)", 106, checkNoRepeats],
    ["deterministic, and time never goes back", 107, checkDeterminism],
  ] as const)(
    "%s",
    (_name, seed, check) => {
      // A RunawayClockError (property 8: every run terminates) fails any of these. Today's fixed seed, then
      // this run's fresh one.
      for (const [runSeedValue, numRuns] of [
        [seed, NUM_RUNS],
        [FRESH_SEED, Math.ceil(NUM_RUNS / 2)],
      ] as const) {
        fc.assert(property(check), {
          seed: runSeedValue,
          numRuns,
          examples: EXAMPLES.map((spec) => [spec] as [Spec]),
        });
      }
    },
    60_000 * Number(process.env.INVARIANT_SCALE ?? 1),
  );
});
