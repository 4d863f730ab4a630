import type { TimelineEntry } from "../controller/types.js";

/**
 * The one definition of "unavailable" (disrupted), used by `expect.maxUnavailable`,
 * `expect.noDisruptionWhileKubernetesDown` and the invariant tests: a node is unavailable from the entry
 * that takes it out of Ready — `node-cordoned`; `node-draining` (or `node-drain-skipped`) when the drain
 * policy does not cordon;
 * `action-started` for a config reload, which neither cordons nor drains — until `node-rejoined` or
 * `node-ready`. A Failed node stays unavailable (cordoned, drained) until a retry brings it back; a repave
 * that fell back (A/B partitions) ends its unavailability at `node-rejoined` on the old image.
 */
export function leavesReady(entry: TimelineEntry): boolean {
  return (
    entry.event === "node-cordoned" ||
    entry.event === "node-draining" ||
    entry.event === "node-drain-skipped" ||
    entry.event === "action-started"
  );
}

export function backInService(entry: TimelineEntry): boolean {
  return entry.event === "node-rejoined" || entry.event === "node-ready";
}

/** One step of a walk over the timeline: which nodes are unavailable after `entry`. */
export interface AvailabilityStep {
  entry: TimelineEntry;
  index: number;
  /** The entry took its node out of Ready (it was available just before). */
  begins: boolean;
  unavailable: ReadonlySet<string>;
}

/** Walks the timeline, calling `visit` after each entry with the live set (copy it to keep it). */
export function walkAvailability(
  timeline: readonly TimelineEntry[],
  visit: (step: AvailabilityStep) => void,
): void {
  const unavailable = new Set<string>();
  timeline.forEach((entry, index) => {
    const node = entry.node;
    let begins = false;
    if (node !== undefined && leavesReady(entry) && !unavailable.has(node)) {
      unavailable.add(node);
      begins = true;
    } else if (node !== undefined && backInService(entry)) unavailable.delete(node);
    visit({ entry, index, begins, unavailable });
  });
}

/** The most nodes unavailable at once, when that peak was first reached, and which nodes. */
export function peakUnavailable(timeline: readonly TimelineEntry[]): {
  peak: number;
  at: number;
  nodes: string[];
} {
  let best = { peak: 0, at: 0, nodes: [] as string[] };
  walkAvailability(timeline, ({ entry, unavailable }) => {
    if (unavailable.size > best.peak) best = { peak: unavailable.size, at: entry.t, nodes: [...unavailable] };
  });
  return best;
}
