import type { PlanTable } from "../rules/plan-table.js";
import { overlayTimings } from "../scenario/timings.js";
import type { TimingsFile } from "../scenario/timings-file.js";
import { formatDuration } from "../shared/duration.js";
import { drawFrom, TIMED_STEPS } from "../shared/timing-distribution.js";
import type { NodeAction } from "../shared/types.js";
import { assignClasses, type LoadedFleetPlan, type Site, type TimingsUsed } from "./load.js";
import { sitePlanner } from "./site-planner.js";

/** The timings a plan uses, as its summary says them. */
export function timingsUsed(plan: LoadedFleetPlan): TimingsUsed {
  if (plan.timingsUsed) return plan.timingsUsed;
  const classSites = plan.sites.filter((s) => s.classTimings !== undefined).length;
  const ownSites = plan.sites.some((s) => s.own?.timings && Object.keys(s.own.timings).length > 0);
  const given = Object.keys(plan.timings).length > 0 || classSites > 0 || ownSites;
  return {
    source: given ? "plan" : "defaults",
    distributions: distributionSteps(plan),
    classes: plan.timingClasses?.length ?? 0,
    classSites,
  };
}

function distributionSteps(plan: LoadedFleetPlan): string[] {
  const steps = new Set(Object.keys(plan.timings.distributions ?? {}));
  for (const k of plan.timingClasses ?? [])
    for (const step of Object.keys(k.timings.distributions ?? {})) steps.add(step);
  return TIMED_STEPS.filter((s) => steps.has(s));
}

/**
 * The plan with a timings file over it: the file's `timings:` over the plan's, its classes before the
 * plan's (the first that matches a site wins), and its failure rate as `faults.nodeActionFailure` when
 * the plan gives none and every rolled site's update takes the same node action.
 */
export function withTimingsFile(
  plan: LoadedFleetPlan,
  file: TimingsFile,
  shownAs: string,
  planner: PlanTable,
): LoadedFleetPlan {
  const classes = [...file.classes, ...(plan.timingClasses ?? [])];
  const sites = plan.sites.map((s) => ({ ...s }));
  assignClasses(sites, classes);
  const out: LoadedFleetPlan = {
    ...plan,
    sites,
    timings: overlayTimings(plan.timings, file.timings),
    timingClasses: classes,
  };
  let failureRate: TimingsUsed["failureRate"];
  const rates = Object.entries(file.failureRate) as [NodeAction, number][];
  if (rates.length > 0) {
    if (plan.faults.nodeActionFailure > 0)
      failureRate = { notApplied: "the plan's own faults.nodeActionFailure is kept" };
    else {
      const behaviors = new Set<string>();
      const pairs = new Set<string>();
      for (const s of sites) {
        const key = `${s.profile}\u0000${s.update}\u0000${s.own?.mode ?? ""}`;
        if (pairs.has(key)) continue;
        pairs.add(key);
        const from = plan.profiles.get(s.profile)?.profile;
        const to = plan.profiles.get(s.update)?.profile;
        if (from && to) behaviors.add(sitePlanner(s, planner)(from, to).behavior);
      }
      behaviors.delete("no-op");
      const [only] = behaviors;
      const rate = only !== undefined ? file.failureRate[only as NodeAction] : undefined;
      if (behaviors.size === 1 && rate !== undefined) {
        out.faults = { ...plan.faults, nodeActionFailure: rate };
        failureRate = { behavior: only as NodeAction, rate };
      } else
        failureRate = {
          notApplied:
            behaviors.size > 1
              ? `the sites' updates take several node actions (${[...behaviors].sort().join(", ")})`
              : `the file has no rate for ${only ?? "this update"} (it has ${rates.map(([b]) => b).join(", ")})`,
        };
    }
  }
  const drainCapped = drainCut(file, sites, plan);
  out.timingsUsed = {
    source: "file",
    file: shownAs,
    distributions: distributionSteps(out),
    classes: classes.length,
    classSites: sites.filter((s) => s.classTimings !== undefined).length,
    ...(failureRate ? { failureRate } : {}),
    ...(drainCapped ? { drainCapped } : {}),
  };
  return out;
}

/** The file's largest drain p90 against the shortest drain timeout of the profiles the sites update to. */
function drainCut(
  file: TimingsFile,
  sites: readonly Site[],
  plan: LoadedFleetPlan,
): TimingsUsed["drainCapped"] {
  const drains = [file.timings, ...file.classes.map((k) => k.timings)]
    .map((t) => t.distributions?.drain)
    .filter((d) => d !== undefined);
  if (drains.length === 0) return undefined;
  const p90Ms = Math.max(...drains.map((d) => drawFrom(d, 0.9)));
  let timeoutMs = Number.POSITIVE_INFINITY;
  for (const update of new Set(sites.map((s) => s.update))) {
    const t = plan.profiles.get(update)?.drain.timeoutMs;
    if (t !== undefined && t > 0) timeoutMs = Math.min(timeoutMs, t);
  }
  return p90Ms > timeoutMs ? { timeoutMs, p90Ms } : undefined;
}

/** The summary's line: which timings, and what of them is drawn. */
export function timingsText(used: TimingsUsed): string {
  const parts: string[] = [];
  if (used.source === "defaults")
    return "the defaults (a guess: repave 12m, reboot 4m, each ±10 %; fit your fleet's with edgesim calibrate)";
  parts.push(used.source === "file" ? (used.file ?? "a timings file") : "the plan's own");
  const details: string[] = [];
  if (used.distributions.length > 0) details.push(`drawn: ${used.distributions.join(", ")}`);
  if (used.classes > 0)
    details.push(
      `${used.classes} class${used.classes === 1 ? "" : "es"} (${used.classSites} site${used.classSites === 1 ? "" : "s"})`,
    );
  const cut = used.drainCapped;
  if (cut)
    details.push(
      `drain cut at the update profile's ${formatDuration(cut.timeoutMs)} drain timeout (the file's drain p90 is ${formatDuration(Math.round(cut.p90Ms / 1000) * 1000)})`,
    );
  const f = used.failureRate;
  if (f)
    details.push(
      "notApplied" in f
        ? `failure rate not applied: ${f.notApplied}`
        : `failure ${(f.rate * 100).toFixed(1)} % per ${f.behavior} attempt`,
    );
  return details.length > 0 ? `${parts[0]} (${details.join("; ")})` : (parts[0] as string);
}
