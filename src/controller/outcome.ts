import type { AgentStateName } from "../machines/agent.js";
import type { Behavior } from "../shared/types.js";
import type { RolloutLifecycle } from "./lifecycle.js";
import type { FaultReport, NodeReport, SimulationOutcome, SimulationResult, TimelineEntry } from "./types.js";

/** What the controller knows at the end of a run; `simulate` adds the refusals made at publish time. */
export type ControllerOutcome = Omit<SimulationResult, "refused">;

export interface OutcomeFacts {
  nodes: NodeReport[];
  lifecycle: RolloutLifecycle<unknown>;
  agentState: AgentStateName;
  /** The profile the agent last applied (its record). */
  applied: string;
  behavior: Behavior;
  firstUpdateAt: number | undefined;
  lastRolloutEnd: number | undefined;
  faults: FaultReport[];
  timeline: TimelineEntry[];
}

/**
 * The run's result: `failed` when the rollout halted, `blocked` when the agent is not back to Idle (it
 * waits on Kubernetes, or holds a paused rollout), else `converged`. The final profile is the nodes' one
 * when they agree, else the agent's last applied. The duration runs from the first update to the end of
 * the last rollout; a blocked run's rollout never ended, so its duration runs to the last thing a node did
 * (nodes may have rebooted for minutes before Kubernetes went down: that time is not 0).
 */
export function buildOutcome(facts: OutcomeFacts): ControllerOutcome {
  const { nodes, lifecycle } = facts;
  const first = nodes[0]?.profile;
  const finalProfile = first !== undefined && nodes.every((n) => n.profile === first) ? first : facts.applied;
  let result: SimulationOutcome = "converged";
  if (lifecycle.phase === "halted") result = "failed";
  else if (facts.agentState !== "Idle") result = "blocked";
  const end = result === "blocked" ? lastNodeActivity(facts) : facts.lastRolloutEnd;
  const durationMs =
    facts.firstUpdateAt !== undefined && end !== undefined ? Math.max(0, end - facts.firstUpdateAt) : 0;
  const outcome: ControllerOutcome = {
    result,
    behavior: facts.behavior,
    finalProfile,
    nodes,
    timeline: facts.timeline,
    durationMs,
    faults: facts.faults,
  };
  if (lifecycle.phase === "halted" && lifecycle.failure) outcome.failure = lifecycle.failure;
  return outcome;
}

/** The end of the last rollout, or the last node event after it (a rollout paused and never resumed). */
function lastNodeActivity(facts: OutcomeFacts): number | undefined {
  let end = facts.lastRolloutEnd;
  for (const entry of facts.timeline)
    if (entry.node !== undefined && entry.event !== "failure-armed" && (end === undefined || entry.t > end))
      end = entry.t;
  return end;
}
