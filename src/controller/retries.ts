import type { NodeAction } from "../shared/types.js";
import { varied } from "../shared/variation.js";

/** What retrying needs to know of a node that failed, or fell back to its old image. */
export interface AttemptedNode {
  /** Back Ready on its old image after a repave that did not boot (A/B partitions), not Failed. */
  fellBack: boolean;
  /** The profile its job takes it to; undefined without a job. */
  jobTarget: string | undefined;
  action: NodeAction | undefined;
  attempts: number;
  failureReason: string | null;
}

export type RetryDecision =
  /** A fallback of a superseded rollout's job: drop it, this rollout takes the node in its turn. */
  | { kind: "abandon" }
  | { kind: "retry"; action: NodeAction; attempt: number }
  /** Past its retries: the rollout halts. */
  | { kind: "halt"; action: NodeAction; reason: string };

/** A fallback is a failed attempt too: the same retries, the same halt (the node just is not left Failed). */
export function retryDecision(node: AttemptedNode, target: string, retries: number): RetryDecision {
  const action = node.action ?? "reboot";
  if (node.fellBack && node.jobTarget !== target) return { kind: "abandon" };
  if (node.attempts <= retries && !varied("retries-ignored"))
    return { kind: "retry", action, attempt: node.attempts + 1 };
  return { kind: "halt", action, reason: node.failureReason ?? "action failed" };
}
