import type { AgentStateName } from "../machines/agent.js";
import type { Rollout } from "./lifecycle.js";
import type { RolloutNode } from "./plan-rollout.js";

export type CatchUpDecision<N> =
  | { kind: "none" }
  /** The pool's nodes the rollout in progress skipped join the end of its queue (after its own workers). */
  | { kind: "join-rollout"; behind: N[] }
  /** No rollout in progress: the pool's nodes behind the applied profile get a rollout of it of their own. */
  | { kind: "own-rollout"; behind: N[]; profile: string };

/**
 * Turning "skip worker node update" off repaves the pool's nodes that are not on the cluster's profile:
 * within the rollout in progress, or as a rollout of the applied profile of its own — through the agent, so
 * it waits while Kubernetes is down and coalesces with updates like any other. A busy agent (an update
 * pending, a rollout about to begin) or a halted one (Failed: an operator has to act) catches nothing up.
 */
export function catchUpDecision<N extends RolloutNode>(
  members: readonly N[],
  rollout: Rollout<N> | null,
  agent: { state: AgentStateName; applied: string; pending: string | null },
): CatchUpDecision<N> {
  if (rollout) {
    const behind = members.filter((node) => rollout.skipped.has(node));
    return behind.length === 0 ? { kind: "none" } : { kind: "join-rollout", behind };
  }
  const quiet = agent.state === "Idle" || (agent.state === "Restarting" && agent.pending === null);
  const behind = members.filter((node) => node.heading !== agent.applied);
  if (!quiet || behind.length === 0) return { kind: "none" };
  return { kind: "own-rollout", behind, profile: agent.applied };
}
