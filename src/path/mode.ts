import type { PlanOptions } from "../rules/types.js";
import type { DeliveryMode } from "../shared/types.js";

export type { DeliveryMode };

/**
 * The planner's options for a path step: the delivery mode is passed on as given (absent: the planner
 * infers it from the target's uri, as `edgesim plan` does), so `edgesim path` and `edgesim plan` can
 * never disagree about a step.
 */
export function planOptionsFor(mode: DeliveryMode | undefined, rke2Quirk: boolean): PlanOptions {
  return { rke2Quirk, ...(mode !== undefined ? { mode } : {}) };
}
