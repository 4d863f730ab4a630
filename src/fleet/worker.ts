/**
 * The worker-thread entry of a fleet's map step (its own module, so a bundler can list it as an entry
 * point): each thread is given the plan's simulation inputs once, then batches of sites of one
 * trial, and returns their outcomes in the batch's order. It imports only the simulation, not the
 * loaders, zod schemas, YAML parser or logger.
 */
import Tinypool from "tinypool";
import { cachedPlanner } from "../rules/plan-cache.js";
import type { Site } from "./load.js";
import { rollSite, type SiteOutcome, type SiteSimPlan } from "./map.js";

export interface SiteBatch {
  trial: number;
  sites: Site[];
  /** Each site's fault-free rollout time (where its faults are drawn). */
  predicted: number[];
}

const plan = (Tinypool.workerData as { plan: SiteSimPlan }).plan;
const planner = cachedPlanner({ rke2Quirk: plan.rke2Quirk });

export default function rollBatch(batch: SiteBatch): SiteOutcome[] {
  return batch.sites.map((site, i) => rollSite(plan, site, batch.trial, batch.predicted[i] ?? 0, planner));
}
