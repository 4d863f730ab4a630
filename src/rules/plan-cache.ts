import { planUpdate } from "./plan.js";
import { type PlanTable, planTable } from "./plan-table.js";
import type { PlanOptions } from "./types.js";

export type { Planner, PlanTable } from "./plan-table.js";

/**
 * One plan per distinct (from, to) pair for as long as the planner lives, with the options fixed at
 * creation: a fleet shares one planner across every cluster (and the publish-time refusals), so a
 * pair is classified once however many clusters roll it.
 */
export function cachedPlanner(options: PlanOptions = {}): PlanTable {
  return planTable(
    (from, to) => planUpdate(from, to, options),
    (mode) => (from, to) => planUpdate(from, to, { ...options, mode }),
  );
}
