import PQueue from "p-queue";
import type { Behavior } from "../shared/types.js";
import { varied } from "../shared/variation.js";
import { simulate } from "./simulate.js";
import type { SimulationInput, SimulationOutcome, SimulationResult } from "./types.js";

/** One line of a fleet's timeline (on the fleet's clock); `cluster` names the cluster. */
export type FleetTimelineEntry =
  | { t: number; event: "cluster-started"; cluster: string }
  | {
      t: number;
      event: "cluster-finished";
      cluster: string;
      result: SimulationOutcome;
      behavior: Behavior;
      finalProfile: string;
    }
  | { t: number; event: "fleet-halted"; failed: string[]; failureBudget: number | undefined; skipped: number }
  | { t: number; event: "cluster-skipped"; cluster: string };

export interface FleetCluster {
  name: string;
  input: SimulationInput;
}

export interface FleetClusterResult {
  name: string;
  /** Position of the cluster in the wave (its index in the input). */
  index: number;
  /** Virtual ms, on the fleet's clock, when this cluster's rollout began and ended. */
  startMs: number;
  endMs: number;
  result: SimulationResult;
}

export interface FleetOptions {
  /** Clusters rolling at once. */
  concurrency: number;
  /**
   * Failed clusters the wave tolerates: once more than this many have ended failed, clusters not yet
   * started are skipped. Absent: the wave never halts.
   */
  failureBudget?: number;
}

export interface FleetResult {
  /** Clusters that were started (simulated), in wave order. */
  clusters: FleetClusterResult[];
  /** Clusters the halted wave never started, in wave order; they were not simulated. */
  skipped: { name: string; index: number }[];
  /** When the failure budget was exceeded with clusters left to start. */
  halted?: { t: number; failed: string[] };
  /** cluster-started, cluster-finished, fleet-halted, cluster-skipped on the fleet's clock; `cluster` names it. */
  timeline: FleetTimelineEntry[];
  summary: {
    clusters: number;
    concurrency: number;
    failureBudget?: number;
    outcomes: Record<SimulationOutcome, number>;
    skipped: number;
    /** Virtual ms from the first cluster's start to the last one's end. */
    durationMs: number;
    /** The most clusters rolling at the same virtual time (never above `concurrency`). */
    maxConcurrent: number;
  };
}

/** What the wave needs to know of a finished cluster. */
export interface WaveOutcome {
  /** How long the cluster holds its rollout slot. */
  durationMs: number;
  failed: boolean;
}

export interface WavePlacement {
  started: { index: number; startMs: number; endMs: number }[];
  /** Indices never started because the wave halted. */
  skipped: number[];
  /** When failures first exceeded the budget (set only when clusters were skipped). */
  haltedAtMs?: number;
}

/**
 * The wave on the fleet's virtual clock, as a generator so that how clusters are simulated (p-queue,
 * synchronously in tests) stays out of it: it yields the indices of the clusters that start at the
 * next instant a slot frees up, and is resumed with their outcomes in the same order. Clusters start
 * in input order; a cluster takes the earliest-free slot (lowest slot on a tie). Before each start,
 * the failures that have ended by then are counted against the budget.
 *
 * A batch is everything that starts at one instant, so it can be simulated in parallel; only a
 * cluster that fails in zero time could halt the wave inside its batch, in which case the rest of
 * the batch was simulated for nothing and is reported as skipped all the same.
 */
export function* waveSteps(
  count: number,
  options: FleetOptions,
): Generator<number[], WavePlacement, WaveOutcome[]> {
  // More slots than clusters change nothing: a concurrency of 1e9 allocates no billion slots.
  const concurrency = Math.min(
    varied("concurrency-ignored") ? count : normaliseConcurrency(options.concurrency),
    Math.max(1, count),
  );
  const budget = varied("failure-budget-ignored") ? undefined : options.failureBudget;
  const slotFreeAt: number[] = Array.from({ length: concurrency }, () => 0);
  const started: WavePlacement["started"] = [];
  const failedEnds: number[] = [];
  let next = 0;
  while (next < count) {
    // A loop, not Math.min(...slots): spreading 200,000 arguments overflows the stack.
    let t = Number.POSITIVE_INFINITY;
    for (const free of slotFreeAt) if (free < t) t = free;
    const slots = slotFreeAt.flatMap((free, slot) => (free === t ? [slot] : []));
    const batch: number[] = [];
    for (let k = 0; k < slots.length && next + k < count; k++) batch.push(next + k);
    const outcomes = yield batch;
    for (let k = 0; k < batch.length; k++) {
      const index = batch[k] as number;
      const haltedAtMs = haltTime(failedEnds, budget, t);
      if (haltedAtMs !== undefined) {
        const skipped: number[] = [];
        for (let i = index; i < count; i++) skipped.push(i);
        return { started, skipped, haltedAtMs };
      }
      const outcome = outcomes[k];
      if (!outcome) throw new Error(`wave: no outcome for cluster ${index}`);
      const endMs = t + Math.max(0, outcome.durationMs);
      slotFreeAt[slots[k] as number] = endMs;
      started.push({ index, startMs: t, endMs });
      if (outcome.failed) failedEnds.push(endMs);
      next++;
    }
  }
  return { started, skipped: [] };
}

/** The instant the (budget+1)-th failure ended, if it ended by `t`. */
function haltTime(failedEnds: readonly number[], budget: number | undefined, t: number): number | undefined {
  if (budget === undefined) return undefined;
  const ended = failedEnds.filter((end) => end <= t).sort((a, b) => a - b);
  return ended.length > budget ? ended[budget] : undefined;
}

function normaliseConcurrency(concurrency: number): number {
  return Math.max(1, Math.floor(concurrency));
}

/** Places a wave whose outcomes are known up front (tests, what-if tables). */
export function placeWave(outcomes: readonly WaveOutcome[], options: FleetOptions): WavePlacement {
  const steps = waveSteps(outcomes.length, options);
  let step = steps.next();
  while (!step.done) step = steps.next(step.value.map((i) => outcomes[i] as WaveOutcome));
  return step.value;
}

/**
 * How long a cluster holds its slot: until its rollout ended, or until its last recorded event when
 * that is later (a blocked cluster never finishes a rollout; the wave moves on once it has stalled).
 */
export function occupiedMs(result: SimulationResult): number {
  const last = result.timeline.at(-1)?.t ?? 0;
  return Math.max(result.durationMs, last);
}

/**
 * A cluster's seed from the fleet's seed and its place in the wave: clusters get different random
 * streams, and adding a cluster at the end changes nobody else's.
 */
export function clusterSeed(fleetSeed: number, index: number): number {
  let h = (Math.imul(fleetSeed | 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Updates a fleet, at most `concurrency` clusters rolling at once, halting once more than
 * `failureBudget` clusters have failed. Each cluster is its own simulation (its own virtual clock,
 * from 0); `waveSteps` places them on the fleet's clock. p-queue only bounds how many simulations
 * run at once in wall time: the placement never sees completion order, so the result is deterministic.
 */
export async function simulateFleet(
  inputs: readonly FleetCluster[],
  options: FleetOptions,
): Promise<FleetResult> {
  const concurrency = normaliseConcurrency(options.concurrency);
  const queue = new PQueue({ concurrency });
  const results = new Map<number, SimulationResult>();
  const steps = waveSteps(inputs.length, { ...options, concurrency });
  let step = steps.next();
  while (!step.done) {
    const batch = step.value;
    const simulated = (await Promise.all(
      batch.map((i) => queue.add(() => simulate((inputs[i] as FleetCluster).input))),
    )) as SimulationResult[];
    batch.forEach((i, k) => {
      results.set(i, simulated[k] as SimulationResult);
    });
    step = steps.next(simulated.map((r) => ({ durationMs: occupiedMs(r), failed: r.result === "failed" })));
  }
  const placement = step.value;

  const clusters: FleetClusterResult[] = placement.started.map(({ index, startMs, endMs }) => ({
    name: (inputs[index] as FleetCluster).name,
    index,
    startMs,
    endMs,
    result: results.get(index) as SimulationResult,
  }));
  const skipped = placement.skipped.map((index) => ({ name: (inputs[index] as FleetCluster).name, index }));
  const halted =
    placement.haltedAtMs !== undefined
      ? {
          t: placement.haltedAtMs,
          failed: clusters
            .filter((c) => c.result.result === "failed" && c.endMs <= (placement.haltedAtMs as number))
            .map((c) => c.name),
        }
      : undefined;

  const outcomes: Record<SimulationOutcome, number> = { converged: 0, blocked: 0, failed: 0 };
  for (const cluster of clusters) outcomes[cluster.result.result]++;
  return {
    clusters,
    skipped,
    ...(halted ? { halted } : {}),
    timeline: fleetTimeline(clusters, skipped, halted, options.failureBudget),
    summary: {
      clusters: inputs.length,
      concurrency,
      ...(options.failureBudget !== undefined ? { failureBudget: options.failureBudget } : {}),
      outcomes,
      skipped: skipped.length,
      durationMs: clusters.reduce((max, c) => Math.max(max, c.endMs), 0),
      maxConcurrent: maxConcurrent(clusters),
    },
  };
}

/** The most intervals [start, end) open at once; a slot handed over at an instant is not two clusters. */
export function maxConcurrent(intervals: readonly { startMs: number; endMs: number }[]): number {
  const points = intervals.flatMap((c) => [
    { t: c.startMs, delta: 1 },
    { t: c.endMs, delta: -1 },
  ]);
  points.sort((a, b) => a.t - b.t || a.delta - b.delta);
  let rolling = 0;
  let peak = 0;
  for (const point of points) {
    rolling += point.delta;
    peak = Math.max(peak, rolling);
  }
  return peak;
}

/** At one instant: clusters finish, then the wave halts, then skips, then the next clusters start. */
const RANK: Record<FleetTimelineEntry["event"], number> = {
  "cluster-finished": 0,
  "fleet-halted": 1,
  "cluster-skipped": 2,
  "cluster-started": 3,
};

function fleetTimeline(
  clusters: readonly FleetClusterResult[],
  skipped: FleetResult["skipped"],
  halted: FleetResult["halted"],
  failureBudget: number | undefined,
): FleetTimelineEntry[] {
  const entries: (FleetTimelineEntry & { order: number })[] = [];
  for (const c of clusters) {
    entries.push({ t: c.startMs, event: "cluster-started", cluster: c.name, order: c.index });
    entries.push({
      t: c.endMs,
      event: "cluster-finished",
      cluster: c.name,
      result: c.result.result,
      behavior: c.result.behavior,
      finalProfile: c.result.finalProfile,
      order: c.index,
    });
  }
  if (halted) {
    entries.push({
      t: halted.t,
      event: "fleet-halted",
      failed: halted.failed,
      failureBudget,
      skipped: skipped.length,
      order: -1,
    });
    for (const s of skipped)
      entries.push({ t: halted.t, event: "cluster-skipped", cluster: s.name, order: s.index });
  }
  entries.sort((a, b) => a.t - b.t || RANK[a.event] - RANK[b.event] || a.order - b.order);
  return entries.map(({ order: _order, ...entry }) => entry);
}
