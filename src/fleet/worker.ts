/**
 * The worker-thread entry of a fleet's map step (its own module, so a bundler can list it as an entry
 * point): each thread is given the plan's simulation inputs and the plans of its (from, to) pairs once,
 * then batches of sites of one trial, and returns their outcomes in the batch's order. It imports only
 * the simulation, not the loaders, zod schemas or logger; the rules (and the YAML parser they may use)
 * only if a batch names a pair it was not given a plan for.
 */
import Tinypool from "tinypool";
import type { Profile } from "../profile/types.js";
import { type Planner, planTable } from "../rules/plan-table.js";
import type { Plan } from "../rules/types.js";
import type { Site } from "./load.js";
import { type PackedOutcomes, packOutcomes, rollSite, type SiteOutcome, type SiteSimPlan } from "./map.js";

export interface SiteBatch {
  trial: number;
  sites: Site[];
  /** Each site's fault-free rollout time (where its faults are drawn). */
  predicted: number[];
  /** Send back three numbers a site (a trial not kept in full) rather than each outcome. */
  packed: boolean;
}

/** What each thread is given once: the simulation inputs, and the plans made by the main thread (by profile id). */
export interface WorkerData {
  plan: SiteSimPlan;
  plans: [from: string, to: string, plan: Plan][];
}

const { plan, plans } = Tinypool.workerData as WorkerData;
const profileOf = (id: string): Profile | undefined => plan.profiles.get(id)?.profile;
let rules: Planner | undefined;
const planner = planTable((from, to) => {
  if (!rules) throw new Error(`no plan from ${from.name} to ${to.name} was made for this thread`);
  return rules(from, to);
});
for (const [from, to, made] of plans) {
  const a = profileOf(from);
  const b = profileOf(to);
  if (a && b) planner.seed(a, b, made);
}

export default async function rollBatch(batch: SiteBatch): Promise<SiteOutcome[] | PackedOutcomes> {
  for (const site of batch.sites) {
    const from = profileOf(site.profile);
    const to = profileOf(site.update);
    if (rules || !from || !to || planner.has(from, to)) continue;
    const { cachedPlanner } = await import("../rules/plan-cache.js");
    rules = cachedPlanner({ rke2Quirk: plan.rke2Quirk });
  }
  const outcomes = batch.sites.map((site, i) =>
    rollSite(plan, site, batch.trial, batch.predicted[i] ?? 0, planner),
  );
  return batch.packed ? packOutcomes(outcomes) : outcomes;
}
