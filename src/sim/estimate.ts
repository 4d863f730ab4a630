import type { Profile } from "../profile/types.js";
import { planUpdate } from "../rules/plan.js";
import type { Plan, PlanOptions } from "../rules/types.js";
import { type SimCluster, type SimRun, simulationInput, updateProfiles } from "./input.js";
import { simulate } from "./simulate.js";
import { clusterNodes, type SimulationResult, twoNodePlanRefusal } from "./types.js";

export interface RolloutEstimate {
  controlPlanes: number;
  workers: number;
  maxUnavailable: number;
  /** Virtual ms from the update to the last node Ready again (0 for a no-op). */
  durationMs: number;
  /** When each node begins its action and is Ready again, in the order the controller touches them. */
  nodes: { node: string; action: string; startMs: number; readyMs: number }[];
  /**
   * Two-node clusters: the leader, the node that went first (Palette picks it at random; this is the
   * estimate's draw), and how long writes were unavailable.
   */
  twoNode?: { leader: string; first: string; writeOutageMs: number };
}

/**
 * The fault-free rollout: the simulation itself with no jitter and only the events given (no faults
 * drawn), so every step takes its plain duration — what an operator would predict, and what estimates,
 * a fleet's predictions and its windows' fits are made of. The seed draws nothing without jitter.
 */
export function faultFreeRollout(cluster: SimCluster, run: Omit<SimRun, "seed">): SimulationResult {
  return simulate(
    simulationInput({ ...cluster, timings: { ...cluster.timings, jitter: 0 } }, { ...run, seed: 1 }),
  );
}

/**
 * How long applying `plan` takes on a cluster of the given shape, with the default timings (or the given
 * ones) and no jitter: the simulation itself, run once with no faults, so the estimate and `edgesim run`
 * can never disagree.
 */
export function estimateRollout(
  from: Profile,
  to: Profile,
  plan: Plan,
  cluster: Pick<SimCluster, "controlPlanes" | "workers" | "maxUnavailable" | "timings" | "twoNode">,
): RolloutEstimate {
  const maxUnavailable = cluster.maxUnavailable ?? 1;
  const pair = updateProfiles(from, to);
  const result = faultFreeRollout(
    { ...cluster, maxUnavailable },
    {
      initialProfile: pair.from.id,
      profiles: pair.profiles,
      plan: () => plan,
      events: [{ at: 0, type: "update", profile: pair.to.id }],
    },
  );
  const nodes = new Map<string, { node: string; action: string; startMs: number; readyMs: number }>();
  for (const entry of result.timeline) {
    if (entry.node === undefined) continue;
    if (entry.event === "action-started" && !nodes.has(entry.node)) {
      nodes.set(entry.node, {
        node: entry.node,
        action: String(entry.action),
        startMs: entry.t,
        readyMs: entry.t,
      });
    }
    const known = nodes.get(entry.node);
    if (known && (entry.event === "node-rejoined" || entry.event === "node-ready")) known.readyMs = entry.t;
  }
  const paused = result.timeline.find((entry) => entry.event === "liveness-probes-paused");
  return {
    controlPlanes: cluster.controlPlanes,
    workers: cluster.workers,
    maxUnavailable,
    durationMs: result.durationMs,
    nodes: [...nodes.values()],
    ...(cluster.twoNode
      ? {
          twoNode: {
            leader: cluster.twoNode.leader,
            first: paused?.event === "liveness-probes-paused" ? paused.first : cluster.twoNode.leader,
            writeOutageMs: result.writeOutageMs ?? 0,
          },
        }
      : {}),
  };
}

/**
 * What `edgesim plan` answers: the plan of an update (with the caller's `warnings` first) and, when the
 * plan can be applied, how long it takes on a cluster of the given shape.
 */
export function planWithEstimate(
  from: Profile,
  to: Profile,
  options: PlanOptions & {
    cluster: Pick<SimCluster, "controlPlanes" | "workers" | "maxUnavailable" | "twoNode">;
    warnings?: readonly string[];
  },
): { plan: Plan; estimate?: RolloutEstimate } {
  const planned = planUpdate(from, to, {
    ...(options.rke2Quirk !== undefined ? { rke2Quirk: options.rke2Quirk } : {}),
    ...(options.mode !== undefined ? { mode: options.mode } : {}),
  });
  const warnings = options.warnings ?? [];
  const warned = warnings.length > 0 ? { ...planned, warnings: [...warnings, ...planned.warnings] } : planned;
  // A two-node cluster on a distribution or delivery mode the page excludes is refused like a pack switch.
  const twoNodeRefused = options.cluster.twoNode ? twoNodePlanRefusal(warned) : undefined;
  const plan: Plan = twoNodeRefused
    ? { ...warned, unsupported: [...warned.unsupported, { layer: "kubernetes", ...twoNodeRefused }] }
    : warned;
  if (plan.unsupported.length > 0) return { plan };
  return { plan, estimate: estimateRollout(from, to, plan, options.cluster) };
}

export type { Plan } from "../rules/types.js";

/** When a catch-up is simulated: long after the control planes' rollout has finished (virtual time is free). */
const CATCH_UP_AT_MS = 30 * 24 * 3_600_000;

/**
 * How long catching up a worker pool with "skip worker node update" takes: the cluster's control planes
 * move from `poolProfile` to `controlPlaneProfile` while the pool sits out (the update changes its
 * Kubernetes version), then the pool's toggle is turned off and the simulation repaves it. Only the
 * catch-up is reported: its nodes, and its duration from the toggle to the last node Ready.
 */
export function estimateCatchUp(
  poolProfile: Profile,
  controlPlaneProfile: Profile,
  planner: (from: Profile, to: Profile) => Plan,
  cluster: Pick<SimCluster, "controlPlanes" | "workers" | "maxUnavailable" | "timings">,
): RolloutEstimate {
  const maxUnavailable = cluster.maxUnavailable ?? 1;
  const pool = "pool";
  const pair = updateProfiles(poolProfile, controlPlaneProfile);
  const shape = {
    ...cluster,
    workerPools: [{ name: pool, workers: cluster.workers, skipWorkerUpdate: true }],
    maxUnavailable,
  };
  const members = new Set(
    clusterNodes(shape)
      .filter((node) => node.pool === pool)
      .map((node) => node.name),
  );
  const result = faultFreeRollout(shape, {
    initialProfile: pair.from.id,
    profiles: pair.profiles,
    plan: planner,
    events: [
      { at: 0, type: "update", profile: pair.to.id },
      { at: CATCH_UP_AT_MS, type: "pool-toggle", pool, skipWorkerUpdate: false },
    ],
  });
  const nodes = new Map<string, { node: string; action: string; startMs: number; readyMs: number }>();
  let lastReady = CATCH_UP_AT_MS;
  for (const entry of result.timeline) {
    if (entry.node === undefined || entry.t < CATCH_UP_AT_MS || !members.has(entry.node)) continue;
    if (entry.event === "action-started" && !nodes.has(entry.node)) {
      nodes.set(entry.node, {
        node: entry.node,
        action: String(entry.action),
        startMs: entry.t - CATCH_UP_AT_MS,
        readyMs: entry.t - CATCH_UP_AT_MS,
      });
    }
    const known = nodes.get(entry.node);
    if (known && (entry.event === "node-rejoined" || entry.event === "node-ready")) {
      known.readyMs = entry.t - CATCH_UP_AT_MS;
      lastReady = Math.max(lastReady, entry.t);
    }
  }
  return {
    controlPlanes: 0,
    workers: cluster.workers,
    maxUnavailable,
    durationMs: lastReady - CATCH_UP_AT_MS,
    nodes: [...nodes.values()],
  };
}

/** What `edgesim plan --two-node` needs to describe the cluster it estimates. */
export { DEFAULT_TWO_NODE_LEADER, TWO_NODE_CONTROL_PLANES } from "./types.js";
