import type { Behavior } from "../shared/types.js";
import type { PathShape, PathState, PathStep, PoolPolicy } from "./enumerate.js";

/**
 * What a path costs, from what the planner and the simulation say of each of its steps (asked through a
 * `StepOracle`, which memoises them: paths share most of their steps). Pure given the oracle.
 */

/** The planner's answer for one revision, as the path needs it. */
export interface StepPlan {
  behavior: Behavior;
  /** The revision changes the Kubernetes pack version: what "skip worker node update" pools sit out. */
  changesKubernetes: boolean;
  /** Refusals (a CNI or storage pack switch): such a revision can never be published. */
  unsupported: readonly { layer: string; rule: string; reason: string }[];
}

/** When each node of a rollout is disrupted (action start to Ready), from the simulation. */
export interface StepTiming {
  durationMs: number;
  controlPlaneMs: readonly number[];
  /** The workers in the order they were given (plain workers first, then each following pool's). */
  workerMs: readonly number[];
}

export interface StepOracle {
  plan(from: PathState, to: PathState): StepPlan;
  /** A revision rolled on the control planes and `workers` workers. */
  rollout(from: PathState, to: PathState, workers: number): StepTiming;
  /** A skipped pool of `workers` nodes on `from` repaved to the control plane's `to`. */
  catchUp(from: PathState, to: PathState, workers: number): StepTiming;
}

export interface ClusterShape {
  controlPlanes: number;
  /** Workers outside named pools: they follow every revision. */
  workers: number;
  pools: readonly { name: string; workers: number }[];
}

/** The node groups a path reports on: control planes, plain workers, then each pool. */
export const CONTROL_PLANE_GROUP = "control-plane";
export const WORKER_GROUP = "workers";

export type GroupAction = Behavior | "skipped" | "untouched";

export interface EvaluatedStep {
  step: PathStep;
  /** The cluster's state before the step (the control planes'). */
  from: PathState;
  to: PathState;
  /** The rollout's behavior: the plan's for a revision, repave for a catch-up. */
  behavior: Behavior;
  plan?: StepPlan;
  groups: { group: string; nodes: number; action: GroupAction }[];
  durationMs: number;
  nodeHours: number;
}

export interface GroupCounts {
  group: string;
  nodes: number;
  policy?: PoolPolicy;
  repaves: number;
  reboots: number;
  restarts: number;
}

export interface EvaluatedPath {
  shape: PathShape;
  steps: EvaluatedStep[];
  groups: GroupCounts[];
  /** The most any node is repaved (rebooted, restarted) along the path. */
  repavesPerNode: number;
  rebootsPerNode: number;
  restartsPerNode: number;
  /** Repaves (reboots) summed over every node. */
  totalRepaves: number;
  totalReboots: number;
  /** Hours nodes spend out of service (action start to Ready), summed over nodes and steps. */
  nodeHours: number;
  /** Rollouts one after the other, each finished before the next: the sum of their durations. */
  durationMs: number;
  /** One maintenance window per rollout (without a fleet plan). */
  windows: number;
  /** The first revision a refused change (CNI or storage switch) is in, if any. */
  refused?: { step: number; unsupported: StepPlan["unsupported"] };
}

const HOUR_MS = 3_600_000;

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

function sameState(a: PathState, b: PathState): boolean {
  return a.kubernetes === b.kubernetes && a.os === b.os && a.other === b.other;
}

/** Cost of one path shape on a cluster. */
export function evaluatePath(shape: PathShape, cluster: ClusterShape, oracle: StepOracle): EvaluatedPath {
  const start: PathState = { kubernetes: 0, os: 0, other: false };
  const counts: GroupCounts[] = [
    { group: CONTROL_PLANE_GROUP, nodes: cluster.controlPlanes, repaves: 0, reboots: 0, restarts: 0 },
    ...(cluster.workers > 0
      ? [{ group: WORKER_GROUP, nodes: cluster.workers, repaves: 0, reboots: 0, restarts: 0 }]
      : []),
    ...cluster.pools.map((pool) => ({
      group: pool.name,
      nodes: pool.workers,
      policy: shape.policies[pool.name] ?? "follow",
      repaves: 0,
      reboots: 0,
      restarts: 0,
    })),
  ];
  const byGroup = new Map(counts.map((c) => [c.group, c]));
  const count = (group: string, behavior: Behavior) => {
    const c = byGroup.get(group) as GroupCounts;
    if (behavior === "repave") c.repaves++;
    else if (behavior === "reboot") c.reboots++;
    else if (behavior === "service-restart") c.restarts++;
  };
  const poolState = new Map<string, PathState>(cluster.pools.map((pool) => [pool.name, start]));
  let cluster_ = start;
  const steps: EvaluatedStep[] = [];
  let refused: EvaluatedPath["refused"];

  for (const step of shape.steps) {
    if (step.kind === "catch-up") {
      const pool = cluster.pools.find((p) => p.name === step.pool);
      const from = poolState.get(step.pool) ?? start;
      const timing = pool ? oracle.catchUp(from, step.state, pool.workers) : undefined;
      if (pool) count(pool.name, "repave");
      poolState.set(step.pool, step.state);
      steps.push({
        step,
        from,
        to: step.state,
        behavior: "repave",
        groups: counts.map((c) => ({
          group: c.group,
          nodes: c.nodes,
          action: c.group === step.pool ? "repave" : "untouched",
        })),
        durationMs: timing?.durationMs ?? 0,
        nodeHours: timing ? sum(timing.workerMs) / HOUR_MS : 0,
      });
      continue;
    }
    const from = cluster_;
    const to = step.state;
    const plan = oracle.plan(from, to);
    if (plan.unsupported.length > 0 && refused === undefined) {
      refused = { step: steps.length + 1, unsupported: plan.unsupported };
    }
    const groups: EvaluatedStep["groups"] = [];
    let touchedWorkers = cluster.workers;
    const touchedPools: { name: string; workers: number }[] = [];
    groups.push({ group: CONTROL_PLANE_GROUP, nodes: cluster.controlPlanes, action: plan.behavior });
    count(CONTROL_PLANE_GROUP, plan.behavior);
    if (cluster.workers > 0) {
      groups.push({ group: WORKER_GROUP, nodes: cluster.workers, action: plan.behavior });
      count(WORKER_GROUP, plan.behavior);
    }
    for (const pool of cluster.pools) {
      const at = poolState.get(pool.name) ?? start;
      const skips = shape.policies[pool.name] === "skip";
      if (skips && (!sameState(at, from) || plan.changesKubernetes)) {
        groups.push({ group: pool.name, nodes: pool.workers, action: "skipped" });
        continue;
      }
      groups.push({ group: pool.name, nodes: pool.workers, action: plan.behavior });
      count(pool.name, plan.behavior);
      poolState.set(pool.name, to);
      touchedWorkers += pool.workers;
      touchedPools.push(pool);
    }
    const timing = oracle.rollout(from, to, touchedWorkers);
    cluster_ = to;
    steps.push({
      step,
      from,
      to,
      behavior: plan.behavior,
      plan,
      groups,
      durationMs: timing.durationMs,
      nodeHours: (sum(timing.controlPlaneMs) + sum(timing.workerMs)) / HOUR_MS,
    });
  }

  const withNodes = counts.filter((c) => c.nodes > 0);
  const max = (key: "repaves" | "reboots" | "restarts") => Math.max(0, ...withNodes.map((c) => c[key]));
  return {
    shape,
    steps,
    groups: counts,
    repavesPerNode: max("repaves"),
    rebootsPerNode: max("reboots"),
    restartsPerNode: max("restarts"),
    totalRepaves: sum(counts.map((c) => c.repaves * c.nodes)),
    totalReboots: sum(counts.map((c) => c.reboots * c.nodes)),
    nodeHours: sum(steps.map((s) => s.nodeHours)),
    durationMs: sum(steps.map((s) => s.durationMs)),
    windows: steps.length,
    ...(refused ? { refused } : {}),
  };
}

/** A path's cost over a fleet plan, from the fleet planner itself. */
export interface FleetPathCost {
  plan: string;
  sites: number;
  /** From the first rollout's start to the last site done in the last rollout. */
  durationMs: number;
  /** Distinct maintenance windows (per time zone and window) the rollouts started sites in. */
  windows: number;
  steps: { startMs: number; endMs: number; windows: number; result: string }[];
}

/** What a path can be ranked by. */
export const MINIMISE_KEYS = ["repaves", "node-hours", "windows", "duration"] as const;
export type MinimiseKey = (typeof MINIMISE_KEYS)[number];

/** Where in the order a path's changes land: earlier OS images and other changes first on a tie. */
function earliness(path: EvaluatedPath): number {
  let total = 0;
  let os = 0;
  let other = false;
  path.shape.revisions.forEach((revision, index) => {
    if (revision.os > os) total += index * (revision.os - os);
    if (revision.other && !other) total += index;
    os = revision.os;
    other = revision.other;
  });
  return total;
}

export function signature(path: EvaluatedPath): string {
  return path.steps
    .map((s) =>
      s.step.kind === "catch-up"
        ? `catch-up:${s.step.pool}`
        : `${s.to.kubernetes}.${s.to.os}.${s.to.other ? 1 : 0}:${Object.entries(path.shape.policies)
            .map(([pool, policy]) => `${pool}=${policy}`)
            .join(",")}`,
    )
    .join(" ");
}

/** The sort keys of a path for `minimise`, most important first (every list ends the same way). */
export function rankKeys(path: EvaluatedPath, minimise: MinimiseKey): number[] {
  const hours = Math.round(path.nodeHours * 1e6);
  const tail = [path.shape.revisions.length, earliness(path)];
  switch (minimise) {
    case "repaves":
      return [path.totalRepaves, path.repavesPerNode, path.totalReboots, hours, path.windows, ...tail];
    case "node-hours":
      return [hours, path.totalRepaves, path.windows, path.durationMs, ...tail];
    case "windows":
      return [path.windows, path.totalRepaves, hours, path.durationMs, ...tail];
    case "duration":
      return [path.durationMs, path.windows, path.totalRepaves, hours, ...tail];
  }
}

/** Paths best first for `minimise`; a tie is broken by the path's signature, so the order is stable. */
export function rankPaths(paths: readonly EvaluatedPath[], minimise: MinimiseKey): EvaluatedPath[] {
  const keyed = paths.map((path) => ({ path, keys: rankKeys(path, minimise), sig: signature(path) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < a.keys.length; i++) {
      const d = (a.keys[i] as number) - (b.keys[i] as number);
      if (d !== 0) return d;
    }
    return a.sig < b.sig ? -1 : a.sig > b.sig ? 1 : 0;
  });
  return keyed.map((k) => k.path);
}
