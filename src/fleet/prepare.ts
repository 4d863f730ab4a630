import { cachedPlanner, type PlanTable } from "../rules/plan-cache.js";
import { type Behavior, mostDisruptive } from "../shared/types.js";
import type { LoadedFleetPlan } from "./load.js";
import { Predictions } from "./map.js";
import { type ScheduleSite, WindowCalendar } from "./windows.js";

/**
 * The first stage of a fleet run, done once for every trial and strategy: the plans of the fleet's
 * (from, to) pairs, each kind of site's fault-free prediction, one window calendar per zone and window,
 * and the sites as the schedule sees them. The stages after it (outcomes.ts, trial.ts, aggregate.ts)
 * read these and compute none of them again.
 */
export interface PreparedFleet {
  plan: LoadedFleetPlan;
  /** The fleet's plans, one per (from, to) pair: threads are given them, made here once. */
  planner: PlanTable;
  predictions: Predictions;
  /** Each site as the schedule sees it, by inventory index. */
  scheduleSites: ScheduleSite[];
  /** Sites some wave of some strategy rolls (a site in no wave is never simulated), in inventory order. */
  rolled: number[];
  /** The most disruptive behavior predicted over the fleet. */
  behavior: Behavior;
}

export function prepareFleet(
  plan: LoadedFleetPlan,
  planner: PlanTable = cachedPlanner({ rke2Quirk: plan.rke2Quirk }),
): PreparedFleet {
  const predictions = new Predictions(plan, planner);
  const scheduleSites = scheduleSitesOf(plan, predictions);
  return {
    plan,
    planner,
    predictions,
    scheduleSites,
    rolled: rolledSites(plan),
    behavior: mostDisruptive(predictedBehaviors(plan, predictions)),
  };
}

/**
 * The behaviors predicted over the fleet in inventory order, a run of sites that share one said once
 * (the same most disruptive): a few for a generated fleet, not one per site.
 */
function predictedBehaviors(plan: LoadedFleetPlan, predictions: Predictions): Behavior[] {
  const behaviors: Behavior[] = [];
  const sites = plan.sites;
  for (let s = 0; s < sites.length; s++) {
    const behavior = predictions.of(sites[s] as LoadedFleetPlan["sites"][number]).behavior;
    if (behavior !== behaviors[behaviors.length - 1]) behaviors.push(behavior);
  }
  return behaviors;
}

/** Sites some wave of some strategy rolls, in inventory order. */
function rolledSites(plan: LoadedFleetPlan): number[] {
  // Marks by index rather than a set sorted: a million sites. These loops run once, mostly before they
  // are compiled: indexed loops (no iterator), and the list made at its size and filled (no push).
  const rolled = new Uint8Array(plan.sites.length);
  let count = 0;
  for (const strategy of plan.strategies)
    for (const wave of strategy.waves) {
      const sites = wave.sites;
      for (let i = 0; i < sites.length; i++) {
        const s = sites[i] as number;
        if (rolled[s] === 0) {
          rolled[s] = 1;
          count++;
        }
      }
    }
  const out: number[] = new Array(count);
  for (let s = 0, k = 0; k < count; s++) if (rolled[s] === 1) out[k++] = s;
  return out;
}

/** The bits a site pulls: one copy of the image per node (one for a site with a local registry), when the update changes the OS (a repave). */
function downloadBits(
  plan: LoadedFleetPlan,
  site: LoadedFleetPlan["sites"][number],
  behavior: Behavior,
): number {
  if (behavior !== "repave" || plan.imageGiB <= 0) return 0;
  const copies = site.localRegistry ? 1 : site.controlPlanes + site.workers;
  return plan.imageGiB * 8 * 1024 ** 3 * copies;
}

/** The sites as the schedule sees them: windows (one calendar per zone and window), prediction, download. */
function scheduleSitesOf(plan: LoadedFleetPlan, predictions: Predictions): ScheduleSite[] {
  // By window text, then zone: no key string made per site (the sites of a kind share both strings,
  // whose hashes are kept, so a lookup hashes nothing).
  const calendars = new Map<string, Map<string, WindowCalendar>>();
  const calendarOf = (zone: string, window: LoadedFleetPlan["sites"][number]["window"]) => {
    let byZone = calendars.get(window.text);
    if (!byZone) {
      byZone = new Map();
      calendars.set(window.text, byZone);
    }
    let c = byZone.get(zone);
    if (!c) {
      c = new WindowCalendar(window, zone, plan.startMs, plan.horizonMs);
      byZone.set(zone, c);
    }
    return c;
  };
  return plan.sites.map((site) => {
    const predicted = predictions.of(site);
    return {
      name: site.name,
      calendar: calendarOf(site.timeZone, site.window),
      predictedMs: predicted.durationMs,
      downloadBits: downloadBits(plan, site, predicted.behavior),
      linkBps: site.linkMbps * 1e6,
    };
  });
}
