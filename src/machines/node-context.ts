import { DEFAULT_AB_FALLBACK, type NodeAction } from "../shared/types.js";
import type { ArmedFailure, NodeContext, NodeInput } from "./node-types.js";

/* The node machine's context and the pure functions of it its actions use. */

/** A new node, Ready on its profile, with nothing armed and no job. */
export function initialContext(input: NodeInput): NodeContext {
  return {
    name: input.name,
    role: input.role,
    profile: input.profile,
    osImage: input.osImage,
    abPartitions: input.abPartitions ?? false,
    abFallback: input.abFallback ?? DEFAULT_AB_FALLBACK,
    passiveImage: input.passiveImage ?? input.osImage,
    fallback: null,
    job: null,
    armed: [],
    failing: false,
    failureReason: null,
    attempts: 0,
    started: {},
    fired: {},
    kubernetesUp: input.kubernetesUp ?? true,
  };
}

export function jobAction(context: NodeContext): NodeAction {
  if (!context.job) throw new Error(`node ${context.name} has no job`);
  return context.job.action;
}

/** Consumes the first armed failure that matches `action`; returns the remaining list and which one fired. */
export function consumeArmed(
  armed: ArmedFailure[],
  action: NodeAction,
): { armed: ArmedFailure[]; fired: number | null } {
  const index = armed.findIndex((a) => a.remaining > 0 && (a.action === action || a.action === "any"));
  if (index < 0) return { armed, fired: null };
  const next = armed
    .map((a, i) => (i === index ? { ...a, remaining: a.remaining - 1 } : a))
    .filter((a) => a.remaining > 0);
  return { armed: next, fired: (armed[index] as ArmedFailure).id };
}

export function failureReason(context: NodeContext): string {
  return context.failureReason ?? "action failed";
}
