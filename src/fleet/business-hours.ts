import type { LoadedFleetPlan } from "./load.js";
import type { TrialRun } from "./result.js";
import { type MaintenanceWindow, parseWindow, type WindowInstance, windowInstances } from "./windows.js";

/**
 * What a rollout costs the people at a site: node-hours disrupted inside the site's local business
 * hours, and sites whose rollout began in local daytime — per time zone, for any strategy (waves in
 * local windows, a template in UTC windows), so a team sees what Palette's UTC windows cost.
 *
 * A rollout's disrupted node-hours (nodes away from Ready, summed) are spread evenly over its span:
 * the share inside business hours is the share of the span that is. (Per-node spans would be exact;
 * the fleet keeps only each rollout's total.)
 */
export const DEFAULT_BUSINESS_HOURS = "Mon-Fri 09:00-17:00";
/** Local daytime: a rollout that begins between these hours disturbs a site at work. */
export const DAYTIME = "daily 07:00-19:00";

export interface ZoneDisruption {
  zone: string;
  /** Sites that rolled at least once. */
  sites: number;
  /** Rollouts that began in local daytime. */
  daytimeStarts: number;
  rollouts: number;
  nodeHours: number;
  businessNodeHours: number;
}

export interface BusinessHoursFigure {
  businessHours: string;
  daytime: string;
  zones: ZoneDisruption[];
  total: Omit<ZoneDisruption, "zone">;
}

function parsed(text: string): MaintenanceWindow {
  const w = parseWindow(text);
  if (!w.ok) throw new Error(w.error);
  return w.value;
}

/** Each rollout of a trial: its site, span and disrupted node-ms. */
export function* rolloutSpans(
  trial: TrialRun,
): Generator<{ site: number; startMs: number; endMs: number; disruptedNodeMs: number }> {
  if (trial.template) {
    const { schedule, outcomes } = trial.template;
    for (let i = 0; i < schedule.rollouts.length; i++) {
      const r = schedule.rollouts[i];
      if (r)
        yield {
          site: r.site,
          startMs: r.startMs,
          endMs: r.endMs,
          disruptedNodeMs: outcomes[i]?.disruptedNodeMs ?? 0,
        };
    }
    return;
  }
  for (let s = 0; s < trial.schedule.placements.length; s++) {
    const p = trial.schedule.placements[s];
    if (p?.state === "rolled")
      yield {
        site: s,
        startMs: p.startMs,
        endMs: p.endMs,
        disruptedNodeMs: trial.outcomes.get(s)?.disruptedNodeMs ?? 0,
      };
  }
}

/** Overlap of [a, b) with sorted, disjoint intervals. */
function overlap(intervals: readonly WindowInstance[], a: number, b: number): number {
  let lo = 0;
  let hi = intervals.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((intervals[mid] as WindowInstance).endMs <= a) lo = mid + 1;
    else hi = mid;
  }
  let total = 0;
  for (let i = lo; i < intervals.length; i++) {
    const w = intervals[i] as WindowInstance;
    if (w.startMs >= b) break;
    total += Math.min(b, w.endMs) - Math.max(a, w.startMs);
  }
  return total;
}

export function businessHoursFigure(plan: LoadedFleetPlan, trial: TrialRun): BusinessHoursFigure {
  const business = plan.businessHours ?? parsed(DEFAULT_BUSINESS_HOURS);
  const daytime = parsed(DAYTIME);
  let from = Number.POSITIVE_INFINITY;
  let until = Number.NEGATIVE_INFINITY;
  for (const r of rolloutSpans(trial)) {
    from = Math.min(from, r.startMs);
    until = Math.max(until, r.endMs);
  }
  const perZone = new Map<
    string,
    ZoneDisruption & { seen: Set<number>; business: WindowInstance[]; day: WindowInstance[] }
  >();
  for (const r of rolloutSpans(trial)) {
    const zone = plan.sites[r.site]?.timeZone ?? "UTC";
    let z = perZone.get(zone);
    if (!z) {
      z = {
        zone,
        sites: 0,
        daytimeStarts: 0,
        rollouts: 0,
        nodeHours: 0,
        businessNodeHours: 0,
        seen: new Set(),
        business: windowInstances(business, zone, from - 86_400_000, until + 86_400_000),
        day: windowInstances(daytime, zone, from - 86_400_000, until + 86_400_000),
      };
      perZone.set(zone, z);
    }
    if (!z.seen.has(r.site)) {
      z.seen.add(r.site);
      z.sites++;
    }
    z.rollouts++;
    if (overlap(z.day, r.startMs, r.startMs + 1) > 0) z.daytimeStarts++;
    const hours = r.disruptedNodeMs / 3_600_000;
    z.nodeHours += hours;
    const span = r.endMs - r.startMs;
    if (span > 0) z.businessNodeHours += (hours * overlap(z.business, r.startMs, r.endMs)) / span;
  }
  const zones = [...perZone.values()]
    .sort((a, b) => (a.zone < b.zone ? -1 : a.zone > b.zone ? 1 : 0))
    .map(({ seen: _s, business: _b, day: _d, ...z }) => z);
  const total = { sites: 0, daytimeStarts: 0, rollouts: 0, nodeHours: 0, businessNodeHours: 0 };
  for (const z of zones) {
    total.sites += z.sites;
    total.daytimeStarts += z.daytimeStarts;
    total.rollouts += z.rollouts;
    total.nodeHours += z.nodeHours;
    total.businessNodeHours += z.businessNodeHours;
  }
  return { businessHours: business.text, daytime: daytime.text, zones, total };
}

/** The figure is printed when the file asks for it (`businessHours:`) or a template strategy is compared. */
export function showsBusinessHours(plan: LoadedFleetPlan): boolean {
  return plan.businessHours !== undefined || plan.strategies.some((s) => s.template !== undefined);
}
