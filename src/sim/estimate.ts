import { drainPolicy, osImage } from "../profile/drain.js";
import type { Profile } from "../profile/types.js";
import type { Plan } from "../rules/types.js";
import { simulate } from "./simulate.js";
import type { SimProfile, Timings } from "./types.js";

export interface RolloutEstimate {
  controlPlanes: number;
  workers: number;
  maxUnavailable: number;
  /** Virtual ms from the update to the last node Ready again (0 for a no-op). */
  durationMs: number;
  /** When each node begins its action and is Ready again, in the order the controller touches them. */
  nodes: { node: string; action: string; startMs: number; readyMs: number }[];
}

const simProfile = (profile: Profile): SimProfile => ({
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
  cluster: { controlPlanes: number; workers: number; maxUnavailable?: number; timings?: Partial<Timings> },
): RolloutEstimate {
  const maxUnavailable = cluster.maxUnavailable ?? 1;
  // Two profiles with one name would be one profile to the simulation: give the target its own id.
  const target = { ...simProfile(to), id: from.name === to.name ? `${to.name} (new)` : to.name };
  const result = simulate({
    seed: 1,
    controlPlanes: cluster.controlPlanes,
    workers: cluster.workers,
    maxUnavailable,
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
  return {
    controlPlanes: cluster.controlPlanes,
    workers: cluster.workers,
    maxUnavailable,
    durationMs: result.durationMs,
    nodes: [...nodes.values()],
  };
}
