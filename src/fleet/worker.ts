/**
 * The worker-thread entry of a fleet's map step (its own module, so a bundler can list it as an entry
 * point): each thread is given the plan's simulation inputs and the plans of its (from, to) pairs once
 * (and its slice of the sites, when there are enough trials), then batches of one trial's sites (or
 * ranges of the sites it was given), and returns their outcomes in the batch's order. It imports only
 * the simulation, not the loaders, zod schemas or logger; the rules (and the YAML parser they may use)
 * only if a batch names a pair it was not given a plan for.
 */
import Tinypool from "tinypool";
import type { Profile } from "../profile/types.js";
import { type Planner, planTable } from "../rules/plan-table.js";
import type { Plan } from "../rules/types.js";
import type { DeliveryMode } from "../shared/types.js";
import type { Site } from "./load.js";
import { rollSite, type SiteSimPlan } from "./map.js";
import { type PackedOutcomes, packOutcomes } from "./outcome-store.js";
import { sitePlanner } from "./site-planner.js";

/**
 * A batch of one trial's sites: the sites themselves, or a range of the sites the thread was given once
 * (`WorkerData.given`).
 */
export type SiteBatch = {
  trial: number;
  /** A trial kept in full: each site's behavior and details are sent back too, not only its three numbers. */
  inFull: boolean;
} & (
  | {
      sites: Site[];
      /** Each site's fault-free rollout time (where its faults are drawn). */
      predicted: number[];
    }
  | { from: number; to: number }
);

/** The sites a thread simulates (its slice), given once when they would otherwise be sent with each trial. */
export interface GivenSites {
  sites: Site[];
  predicted: number[];
}

/**
 * What each thread is given once: the simulation inputs, and the plans made by the main thread (by profile
 * id, and the delivery mode they were made for: null for the fleet's default).
 */
export interface WorkerData {
  plan: SiteSimPlan;
  plans: [from: string, to: string, mode: DeliveryMode | null, plan: Plan][];
  given?: GivenSites;
}

const { plan, plans, given } = Tinypool.workerData as WorkerData;
const profileOf = (id: string): Profile | undefined => plan.profiles.get(id)?.profile;
/** The rules, loaded only when a batch names a pair (and mode) this thread was not given a plan for. */
let rules: ((mode: DeliveryMode | undefined) => Planner) | undefined;
const missing =
  (mode?: DeliveryMode): Planner =>
  (from, to) => {
    if (!rules) throw new Error(`no plan from ${from.name} to ${to.name} was made for this thread`);
    return rules(mode)(from, to);
  };
const planner = planTable(missing(), missing);
for (const [from, to, mode, made] of plans) {
  const a = profileOf(from);
  const b = profileOf(to);
  if (a && b) (mode === null ? planner : planner.forMode(mode)).seed(a, b, made);
}

export default async function rollBatch(batch: SiteBatch): Promise<PackedOutcomes> {
  const { sites, predicted } =
    "sites" in batch
      ? batch
      : {
          sites: (given as GivenSites).sites.slice(batch.from, batch.to),
          predicted: (given as GivenSites).predicted.slice(batch.from, batch.to),
        };
  for (const site of sites) {
    const from = profileOf(site.profile);
    const to = profileOf(site.update);
    if (rules || !from || !to || sitePlanner(site, planner).has(from, to)) continue;
    const { planUpdate } = await import("../rules/plan.js");
    const rke2Quirk = plan.rke2Quirk;
    rules = (mode) => (a, b) => planUpdate(a, b, { rke2Quirk, ...(mode !== undefined ? { mode } : {}) });
  }
  const outcomes = sites.map((site, i) => rollSite(plan, site, batch.trial, predicted[i] ?? 0, planner));
  return packOutcomes(outcomes, batch.inFull);
}
