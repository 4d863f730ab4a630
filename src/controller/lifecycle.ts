import type { Behavior, NodeAction } from "../shared/types.js";

/** A rollout in progress: where it goes and how far it got. */
export interface Rollout<N> {
  target: string;
  behavior: Behavior;
  /** A rollout whose every node plan is no-op: acknowledged, no node touched. */
  noOp: boolean;
  /**
   * Nodes not on the target when it began (or heading away from it, in a superseded rollout's action),
   * control planes first; `cursor` is the next to consider.
   */
  queue: N[];
  cursor: number;
  /** Workers the rollout reached while they were busy finishing a superseded rollout: started when Ready. */
  deferred: N[];
  /** Nodes of pools with "skip worker node update" left out because this update changes their Kubernetes version. */
  skipped: Set<N>;
}

/**
 * The controller's side of a rollout, as one state:
 * - `idle`: no rollout (none yet, or the last one finished or was refused); the agent may hold an update;
 * - `running`: nodes are being taken to the target;
 * - `paused`: Kubernetes went down mid-rollout; nothing new starts until it is back (then `running`, or
 *   a new rollout when the agent retargets it to a later update);
 * - `halted`: a node failed past its retries, or an update was rejected; final (an operator has to act).
 */
export type RolloutLifecycle<N> =
  | { phase: "idle" }
  | { phase: "running"; rollout: Rollout<N> }
  | { phase: "paused"; rollout: Rollout<N> }
  | { phase: "halted"; failure?: { node: string; action: NodeAction; reason: string } };

export const IDLE = { phase: "idle" } as const;

/** The rollout in progress, paused or not. */
export function currentRollout<N>(lifecycle: RolloutLifecycle<N>): Rollout<N> | null {
  return lifecycle.phase === "running" || lifecycle.phase === "paused" ? lifecycle.rollout : null;
}
