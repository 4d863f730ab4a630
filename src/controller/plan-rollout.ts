import type { Plan } from "../rules/types.js";
import { type Behavior, mostDisruptive, type NodeRole, SERVICES, type Service } from "../shared/types.js";
import { varied } from "../shared/variation.js";
import { changesKubernetesVersion, kubernetesSkew, MAX_KUBERNETES_MINOR_SKEW } from "./skew.js";

/** What planning needs to know of one node. */
export interface RolloutNode {
  name: string;
  role: NodeRole;
  pool?: string;
  /** The profile the node ends on if its current job (if any) succeeds. */
  heading: string;
  /** Its pool's "skip worker node update" was turned off: it is repaved to catch up, whatever its plan. */
  catchingUp: boolean;
}

/** The cluster as a rollout towards `target` finds it; `nodes` in cluster order (control planes first). */
export interface RolloutView<N extends RolloutNode> {
  nodes: readonly N[];
  skipWorkerUpdate: (pool: string) => boolean;
  plan: (from: string, to: string) => Plan;
  kubernetesVersion: (profile: string) => string | undefined;
}

export interface SkewRefusal {
  reason: string;
  pool: string;
  poolKubernetes: string;
  controlPlaneKubernetes: string;
}

/**
 * Nodes of a pool with "skip worker node update" that sit out the rollout, on one profile. `nodes` is set
 * only when they are not the whole pool: a pool a superseded rollout left half-way holds nodes on two
 * profiles, and only those whose plan changes their Kubernetes version sit out.
 */
export interface SkippedPool {
  pool: string;
  profile: string;
  kubernetes: string | undefined;
  nodes?: string[];
}

export type RolloutDecision<N extends RolloutNode> =
  /** Palette blocks the update (a skipped pool past the Kubernetes N-3 skew): nothing moves. */
  | { kind: "refused"; refusal: SkewRefusal }
  /** A node's plan is unsupported: only an injected planner gets here (publish-time refusal catches the rest). */
  | { kind: "rejected"; reasons: string[] }
  | {
      kind: "started";
      /** Nodes to take to the target, control planes first. */
      queue: N[];
      /** Nodes of skipping pools left out because the update changes their Kubernetes version. */
      skipped: N[];
      behavior: Behavior;
      services: Service[];
      /** One per skipped pool and profile its nodes stay on (with that profile's Kubernetes version). */
      skippedPools: SkippedPool[];
    };

/**
 * Plans a rollout towards `target`. A retargeted rollout can begin while nodes are still in the superseded
 * one's action: such a node ends on that rollout's profile, so that is where its plan starts (and it is
 * queued even when it is on the new target now: it is about to leave it). Pools with "skip worker node
 * update" sit out an update that changes their Kubernetes version, unless that leaves them past N-3.
 */
export function planRollout<N extends RolloutNode>(view: RolloutView<N>, target: string): RolloutDecision<N> {
  const moving = view.nodes.filter((node) => node.heading !== target);
  const skipped = moving.filter(
    (node) =>
      node.pool !== undefined &&
      view.skipWorkerUpdate(node.pool) &&
      !node.catchingUp &&
      changesKubernetesVersion(view.plan(node.heading, target)),
  );
  const skippedSet = new Set(skipped);
  const kept = moving.filter((node) => !skippedSet.has(node));
  const queue = varied("workers-first") ? workersFirst(kept) : kept;
  const plans = new Map<string, Plan>();
  for (const node of queue) {
    if (!plans.has(node.heading)) plans.set(node.heading, view.plan(node.heading, target));
  }
  const tooFarBehind = skewViolation(view, skipped, target);
  if (tooFarBehind && [...plans.values()].every((plan) => plan.unsupported.length === 0))
    return { kind: "refused", refusal: tooFarBehind };
  const unsupported = [...plans.values()].flatMap((plan) => plan.unsupported);
  if (unsupported.length > 0) return { kind: "rejected", reasons: unsupported.map((u) => u.reason) };
  const catchingUp = queue.some((node) => node.catchingUp);
  const behavior = mostDisruptive([
    ...[...plans.values()].map((plan) => plan.behavior),
    ...(catchingUp ? (["repave"] as const) : []),
  ]);
  const services = SERVICES.filter((s) => [...plans.values()].some((plan) => plan.services.includes(s)));
  const skippedPools = groupSkipped(view, skipped);
  return { kind: "started", queue, skipped, behavior, services, skippedPools };
}

/** The skipped nodes by pool and profile, in cluster order. */
function groupSkipped<N extends RolloutNode>(view: RolloutView<N>, skipped: readonly N[]): SkippedPool[] {
  const groups = new Map<string, { pool: string; profile: string; nodes: string[] }>();
  for (const node of skipped) {
    const pool = node.pool as string;
    const key = `${pool}\u0000${node.heading}`;
    const group = groups.get(key) ?? { pool, profile: node.heading, nodes: [] };
    group.nodes.push(node.name);
    groups.set(key, group);
  }
  return [...groups.values()].map(({ pool, profile, nodes }) => {
    const whole = view.nodes.filter((node) => node.pool === pool).length === nodes.length;
    return { pool, profile, kubernetes: view.kubernetesVersion(profile), ...(whole ? {} : { nodes }) };
  });
}

/**
 * The first skipped pool that would trail the control plane (on `target`) by more than N-3 minor
 * versions; undefined when every pool stays within the skew (or a version cannot be read: no refusal
 * on a guess).
 */
function skewViolation<N extends RolloutNode>(
  view: RolloutView<N>,
  skipped: readonly N[],
  target: string,
): SkewRefusal | undefined {
  const controlPlane = view.kubernetesVersion(target);
  for (const node of skipped) {
    const version = view.kubernetesVersion(node.heading);
    const skew = kubernetesSkew(controlPlane, version);
    if (skew === undefined || skew <= MAX_KUBERNETES_MINOR_SKEW) continue;
    const pool = node.pool as string;
    return {
      reason: `worker pool ${pool} skips worker updates and would stay on Kubernetes ${version} while the control plane moves to ${controlPlane}: more than ${MAX_KUBERNETES_MINOR_SKEW} minor versions behind (Kubernetes N-3 skew)`,
      pool,
      poolKubernetes: version as string,
      controlPlaneKubernetes: controlPlane as string,
    };
  }
  return undefined;
}

/** Workers, then control planes, each in their order (a mutant of `edgesim test --mutate`). */
function workersFirst<N extends { role: NodeRole }>(nodes: N[]): N[] {
  return [
    ...nodes.filter((n) => n.role !== "control-plane"),
    ...nodes.filter((n) => n.role === "control-plane"),
  ];
}
