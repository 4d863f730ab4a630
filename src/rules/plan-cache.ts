import type { Profile } from "../profile/types.js";
import { planUpdate } from "./plan.js";
import type { Plan, PlanOptions } from "./types.js";

/** What a simulation asks of the rules: the plan from one profile to another. */
export type Planner = (from: Profile, to: Profile) => Plan;

/**
 * One plan per distinct (from, to) pair for as long as the planner lives, with the options fixed at
 * creation: a fleet shares one planner across every cluster (and the publish-time refusals), so a
 * pair is classified once however many clusters roll it. Keyed by the profiles themselves: a loaded
 * profile is one object for every cluster that names it.
 */
export function cachedPlanner(options: PlanOptions = {}): Planner & { size: () => number } {
  const plans = new Map<Profile, Map<Profile, Plan>>();
  let size = 0;
  const planner = (from: Profile, to: Profile): Plan => {
    let row = plans.get(from);
    if (!row) {
      row = new Map();
      plans.set(from, row);
    }
    let plan = row.get(to);
    if (!plan) {
      plan = planUpdate(from, to, options);
      row.set(to, plan);
      size++;
    }
    return plan;
  };
  return Object.assign(planner, { size: () => size });
}
