import { drainPolicy, osImage } from "../profile/drain.js";
import type { Profile } from "../profile/types.js";
import type { Plan } from "../rules/types.js";
import type { AbFallback } from "../shared/types.js";
import type { SimInputEvent, SimProfile, SimulationInput, Timings, TwoNode, WorkerPool } from "./types.js";

/**
 * The one place simulation input is made, whatever describes the cluster: a scenario's `cluster:`, a
 * fleet site, an estimate's shape, a quiz story. Profiles become `SimProfile`s here too.
 */

/** A profile as the simulation takes it, with what it needs read from it once; `id` is its name unless given. */
export function simProfile(profile: Profile, id: string = profile.name): SimProfile {
  return { id, profile, drain: drainPolicy(profile), osImage: osImage(profile) };
}

/**
 * An update's two profiles as the simulation's profiles (ids prefixed by `prefix`): two profiles with
 * one name would be one profile to the simulation, so the target then gets an id of its own.
 */
export function updateProfiles(
  from: Profile,
  to: Profile,
  prefix = "",
): { from: SimProfile; to: SimProfile; profiles: Map<string, SimProfile> } {
  const source = simProfile(from, `${prefix}${from.name}`);
  const target = simProfile(to, from.name === to.name ? `${prefix}${to.name} (new)` : `${prefix}${to.name}`);
  return {
    from: source,
    to: target,
    profiles: new Map([
      [source.id, source],
      [target.id, target],
    ]),
  };
}

/** What a simulated cluster is: its nodes and how its rollouts go. */
export interface SimCluster {
  controlPlanes: number;
  workers: number;
  workerPools?: WorkerPool[];
  maxUnavailable?: number;
  retries?: number;
  abPartitions?: boolean;
  abFallback?: AbFallback;
  twoNode?: TwoNode;
  timings?: Partial<Timings>;
}

/** What happens to the cluster: where it starts, the profiles it can be on, the planner and the events. */
export interface SimRun {
  seed: number;
  initialProfile: string;
  profiles: ReadonlyMap<string, SimProfile>;
  plan: (from: Profile, to: Profile) => Plan;
  events: SimInputEvent[];
  source?: string;
}

export function simulationInput(cluster: SimCluster, run: SimRun): SimulationInput {
  return {
    seed: run.seed,
    controlPlanes: cluster.controlPlanes,
    workers: cluster.workers,
    ...(cluster.workerPools ? { workerPools: cluster.workerPools } : {}),
    ...(cluster.maxUnavailable !== undefined ? { maxUnavailable: cluster.maxUnavailable } : {}),
    ...(cluster.retries !== undefined ? { retries: cluster.retries } : {}),
    ...(cluster.abPartitions ? { abPartitions: true } : {}),
    ...(cluster.abFallback !== undefined ? { abFallback: cluster.abFallback } : {}),
    ...(cluster.twoNode ? { twoNode: cluster.twoNode } : {}),
    ...(cluster.timings ? { timings: cluster.timings } : {}),
    initialProfile: run.initialProfile,
    profiles: run.profiles,
    plan: run.plan,
    events: run.events,
    ...(run.source !== undefined ? { source: run.source } : {}),
  };
}
