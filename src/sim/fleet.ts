import PQueue from "p-queue";
import { simulate } from "./simulate.js";
import type { SimulationInput, SimulationOutcome, SimulationResult } from "./types.js";

export interface FleetCluster {
  name: string;
  input: SimulationInput;
}

export interface FleetClusterResult {
  name: string;
  /** Virtual ms, on the fleet's clock, when this cluster's rollout began and ended. */
  startMs: number;
  endMs: number;
  result: SimulationResult;
}

export interface FleetResult {
  clusters: FleetClusterResult[];
  summary: {
    clusters: number;
    concurrency: number;
    outcomes: Record<SimulationOutcome, number>;
    /** Virtual ms from the first cluster's start to the last one's end. */
    durationMs: number;
    /** The most clusters rolling at the same virtual time (never above `concurrency`). */
    maxConcurrent: number;
  };
}

/**
 * Updates a fleet, at most `concurrency` clusters rolling at once. Each cluster is its own simulation (its own
 * virtual clock, from 0); the fleet places them on a fleet timeline: a cluster starts when a rollout slot
 * frees up, in input order. p-queue bounds how many cluster simulations run at once in wall time; the
 * virtual placement does not depend on wall-clock completion order, so the result is deterministic.
 */
export async function simulateFleet(
  inputs: readonly FleetCluster[],
  options: { concurrency: number },
): Promise<FleetResult> {
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  const queue = new PQueue({ concurrency });
  const results = await Promise.all(inputs.map((cluster) => queue.add(() => simulate(cluster.input))));

  // Slot i is free from slotFreeAt[i]; each cluster takes the earliest-free slot (lowest index on a tie).
  const slotFreeAt: number[] = Array.from({ length: concurrency }, () => 0);
  const clusters: FleetClusterResult[] = inputs.map((cluster, i) => {
    const result = results[i] as SimulationResult;
    let slot = 0;
    for (let s = 1; s < concurrency; s++)
      if ((slotFreeAt[s] as number) < (slotFreeAt[slot] as number)) slot = s;
    const startMs = slotFreeAt[slot] as number;
    const endMs = startMs + result.durationMs;
    slotFreeAt[slot] = endMs;
    return { name: cluster.name, startMs, endMs, result };
  });

  const outcomes: Record<SimulationOutcome, number> = { converged: 0, blocked: 0, failed: 0 };
  for (const cluster of clusters) outcomes[cluster.result.result]++;
  const points = clusters.flatMap((c) => [
    { t: c.startMs, delta: 1 },
    { t: c.endMs, delta: -1 },
  ]);
  // Ends before starts at the same instant: a slot handed over is not two clusters rolling.
  points.sort((a, b) => a.t - b.t || a.delta - b.delta);
  let rolling = 0;
  let maxConcurrent = 0;
  for (const point of points) {
    rolling += point.delta;
    maxConcurrent = Math.max(maxConcurrent, rolling);
  }
  return {
    clusters,
    summary: {
      clusters: clusters.length,
      concurrency,
      outcomes,
      durationMs: clusters.reduce((max, c) => Math.max(max, c.endMs), 0),
      maxConcurrent,
    },
  };
}
