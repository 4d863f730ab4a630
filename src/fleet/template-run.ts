import type { PlanTable } from "../rules/plan-table.js";
import { hashSeed } from "../shared/hash.js";
import type { LoadedFleetPlan, Site, Strategy } from "./load.js";
import { type Predictions, rollSite, type SiteOutcome, siteSeed } from "./map.js";
import type { TemplateRun, TrialRun } from "./result.js";
import { type Placement, rolledPlacement, type Schedule, UNSELECTED } from "./schedule.js";
import type { TemplateStrategy } from "./template-load.js";
import { PolicyWindows } from "./template-policy.js";
import { templateSchedule } from "./template-schedule.js";

export interface TemplateRunContext {
  planner: PlanTable;
  predictions: Predictions;
  /** Outcomes of this trial by (site, from, to, attempt), shared by the file's template strategies. */
  cache: Map<string, SiteOutcome>;
}

/** The site as one rollout of the template sees it: from one version to another. */
function step(site: Site, from: string, to: string): Site {
  return { ...site, profile: from, update: to };
}

/**
 * The seed of a site's rollout from one version to another (its `attempt`-th try): made of the fleet's
 * seed, the trial, the site's name and the step, so it depends on nothing else — not on the other
 * sites, nor on the order or the thread the rollouts are simulated in.
 */
export function templateStepSeed(
  fleetSeed: number,
  trial: number,
  site: string,
  from: string,
  to: string,
  attempt: number,
): number {
  return hashSeed(siteSeed(fleetSeed, trial, site), "template", from, to, attempt);
}

/**
 * One trial of a template strategy: the pure template schedule (template-schedule.ts), each rollout
 * simulated with `simulate()` — the same machines and controller as `edgesim run` — from the version
 * the site is on to the one the template rolls, planned with the same rules.
 */
export function runTemplateTrial(
  plan: LoadedFleetPlan,
  strategy: Strategy,
  template: TemplateStrategy,
  trial: number,
  context: TemplateRunContext,
): TrialRun {
  const names = template.versions.map((v) => v.name);
  const windows = new PolicyWindows(
    template.schedules,
    template.windowHours * 3_600_000,
    plan.startMs,
    template.assume,
  );
  const predicted = (s: number, from: number, to: number) =>
    context.predictions.of(step(plan.sites[s] as Site, names[from] as string, names[to] as string))
      .durationMs;
  const outcomeOf = (s: number, from: number, to: number, attempt: number): SiteOutcome => {
    const site = plan.sites[s] as Site;
    const a = names[from] as string;
    const b = names[to] as string;
    const key = `${s}\u0000${a}\u0000${b}\u0000${attempt}`;
    let o = context.cache.get(key);
    if (!o) {
      o = rollSite(
        plan,
        step(site, a, b),
        trial,
        predicted(s, from, to),
        context.planner,
        templateStepSeed(plan.seed, trial, site.name, a, b, attempt),
      );
      context.cache.set(key, o);
    }
    return o;
  };
  const sched = templateSchedule({
    sites: plan.sites.length,
    versions: template.versions.map((v) => ({
      name: v.name,
      atMs: v.atMs,
      ...(v.blockedBy !== undefined ? { blockedBy: v.blockedBy } : {}),
    })),
    windows,
    upgradeNowMs: template.upgradeNowMs,
    startMs: plan.startMs,
    untilMs: template.untilMs,
    assume: template.assume,
    predictedMs: predicted,
    outcome: outcomeOf,
  });
  const outcomes = sched.rollouts.map((r) => outcomeOf(r.site, r.from, r.to, r.attempt));
  return templateTrialRun(plan, strategy, trial, { schedule: sched, outcomes });
}

/** The trial as the fleet engine reports any strategy: each site's span, result and disruption. */
function templateTrialRun(
  plan: LoadedFleetPlan,
  strategy: Strategy,
  trial: number,
  run: TemplateRun,
): TrialRun {
  const sched = run.schedule;
  const placements: Placement[] = new Array<Placement>(plan.sites.length).fill(UNSELECTED);
  const last = new Map<number, SiteOutcome>();
  let disrupted = 0;
  sched.rollouts.forEach((r, i) => {
    const o = run.outcomes[i] as SiteOutcome;
    disrupted += o.disruptedNodeMs;
    last.set(r.site, o);
    const closeMs = sched.sessions[r.session]?.closeMs ?? Number.POSITIVE_INFINITY;
    const before = placements[r.site];
    placements[r.site] = rolledPlacement(
      "template",
      before?.state === "rolled" ? before.startMs : r.startMs,
      r.endMs,
      closeMs,
      r.result,
      (before?.state === "rolled" && before.overran) || r.endMs > closeMs,
      undefined,
      undefined,
    );
  });
  const outcomes = new Map([...last].sort(([a], [b]) => a - b));
  let failedSites = 0;
  for (const o of outcomes.values()) if (o.result === "failed") failedSites++;
  const stuck = sched.versions.some((v) => v.state === "blocked" || v.state === "pending");
  const result =
    sched.state === "applied" && !stuck
      ? "converged"
      : failedSites > 0 && sched.state !== "applied"
        ? "failed"
        : "blocked";
  const schedule: Schedule = {
    placements,
    waves: [],
    registry: [{ t: plan.startMs, bps: 0 }],
    peakRegistryBps: 0,
    maxConcurrent: sched.maxConcurrent,
    endMs: sched.endMs,
  };
  return {
    trial,
    schedule,
    outcomes,
    result,
    durationMs: sched.endMs - plan.startMs,
    endMs: sched.endMs,
    ...(strategy.deadlineMs !== undefined
      ? { deadlineMet: result === "converged" && sched.endMs <= strategy.deadlineMs }
      : {}),
    failedSites,
    disruptedNodeHours: disrupted / 3_600_000,
    template: run,
  };
}
