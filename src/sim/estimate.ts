import { drainPolicy, osImage } from "../profile/drain.js";
import type { Profile } from "../profile/types.js";
import type { Plan } from "../rules/types.js";
import { simulate } from "./simulate.js";
import type { SimProfile, Timings, TwoNode } from "./types.js";

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

export const simProfile = (profile: Profile): SimProfile => ({
  id: profile.name,
  profile,
  drain: drainPolicy(profile),
  osImage: osImage(profile),
});

/**
 * How long applying `plan` takes on a cluster of the given shape, with the default timings (or the given
 * ones) and no jitter: the simulation itself, run once with no faults, so the estimate and `edgesim run`
 * can never disagree.
 */
export function estimateRollout(
  from: Profile,
  to: Profile,
  plan: Plan,
  cluster: {
    controlPlanes: number;
    workers: number;
    maxUnavailable?: number;
    timings?: Partial<Timings>;
    twoNode?: TwoNode;
  },
): RolloutEstimate {
  const maxUnavailable = cluster.maxUnavailable ?? 1;
  // Two profiles with one name would be one profile to the simulation: give the target its own id.
  const target = { ...simProfile(to), id: from.name === to.name ? `${to.name} (new)` : to.name };
  const result = simulate({
    seed: 1,
    controlPlanes: cluster.controlPlanes,
    workers: cluster.workers,
    maxUnavailable,
    ...(cluster.twoNode ? { twoNode: cluster.twoNode } : {}),
    timings: { ...cluster.timings, jitter: 0 },
    initialProfile: from.name,
    profiles: new Map([
      [from.name, simProfile(from)],
      [target.id, target],
    ]),
    plan: () => plan,
    events: [{ at: 0, type: "update", profile: target.id }],
  });
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
  cluster: { controlPlanes: number; workers: number; maxUnavailable?: number; timings?: Partial<Timings> },
): RolloutEstimate {
  const maxUnavailable = cluster.maxUnavailable ?? 1;
  const pool = "pool";
  const target = {
    ...simProfile(controlPlaneProfile),
    id:
      poolProfile.name === controlPlaneProfile.name
        ? `${controlPlaneProfile.name} (new)`
        : controlPlaneProfile.name,
  };
  const result = simulate({
    seed: 1,
    controlPlanes: cluster.controlPlanes,
    workers: cluster.workers,
    workerPools: [{ name: pool, workers: cluster.workers, skipWorkerUpdate: true }],
    maxUnavailable,
    timings: { ...cluster.timings, jitter: 0 },
    initialProfile: poolProfile.name,
    profiles: new Map([
      [poolProfile.name, simProfile(poolProfile)],
      [target.id, target],
    ]),
    plan: planner,
    events: [
      { at: 0, type: "update", profile: target.id },
      { at: CATCH_UP_AT_MS, type: "pool-toggle", pool, skipWorkerUpdate: false },
    ],
  });
  const nodes = new Map<string, { node: string; action: string; startMs: number; readyMs: number }>();
  let lastReady = CATCH_UP_AT_MS;
  for (const entry of result.timeline) {
    if (entry.node === undefined || entry.t < CATCH_UP_AT_MS || !entry.node.startsWith(`${pool}-`)) continue;
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
