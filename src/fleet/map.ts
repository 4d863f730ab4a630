import type { PlanTable } from "../rules/plan-table.js";
import { overlayTimings } from "../scenario/timings.js";
import { formatDuration } from "../shared/duration.js";
import { hashSeed } from "../shared/hash.js";
import { Rng } from "../shared/rng.js";
import type { Behavior } from "../shared/types.js";
import { variationWatched } from "../shared/variation.js";
import { faultFreeRollout } from "../sim/estimate.js";
import { type SimCluster, type SimRun, simulationInput } from "../sim/input.js";
import { simulate } from "../sim/simulate.js";
import {
  blankFastOutcome,
  disruptedNodeMs,
  type FastOutcome,
  type FastSite,
  fastOutcomeInto,
  prepareFast,
} from "../sim/site-summary.js";
import {
  clusterNodes,
  type NodeAction,
  type SimInputEvent,
  type SimulationInput,
  type SimulationOutcome,
  type SimulationResult,
  type Timings,
} from "../sim/types.js";
import type { Faults, LoadedFleetPlan, Site } from "./load.js";
import { sitePlanner } from "./site-planner.js";

/**
 * The map half of a fleet rollout: each site's update simulated from its own start (virtual 0), with
 * the same machines and controller as `edgesim run`. A site's faults and jitter come from a seed made
 * of the fleet's seed, the trial and the site's *name* — never its place in a list — so a site's fate
 * does not depend on which other sites exist or the order they are simulated in.
 */
export interface SiteOutcome {
  result: SimulationOutcome;
  behavior: Behavior;
  /** Virtual ms the site's rollout holds its slot (its own clock). */
  durationMs: number;
  /** Node-ms spent away from Ready (cordoned through rejoined), summed over the site's nodes. */
  disruptedNodeMs: number;
  /** Why it failed or blocked, one line. */
  why?: string;
  /** A two-node site's total write outage (its leader down), ms; absent for other sites and refused updates. */
  writeOutageMs?: number;
  /** The update was refused when published (the site stays on its profile); `why` says why. */
  refused?: true;
  /** Faults drawn for this site in this trial, for the per-cluster output. */
  faults: string[];
  /** The whole simulation, when the plan keeps results (a fleet file's per-cluster report). */
  simulation?: SimulationResult;
}

/** What simulating a site needs of the fleet plan (what a worker thread is given once). */
export type SiteSimPlan = Pick<
  LoadedFleetPlan,
  | "seed"
  | "faults"
  | "retries"
  | "maxUnavailable"
  | "timings"
  | "profiles"
  | "file"
  | "rke2Quirk"
  | "keepResults"
>;

/** The parts of a plan a worker thread needs, without the inventory, strategies or expectations. */
export function siteSimPlan(plan: SiteSimPlan): SiteSimPlan {
  return {
    seed: plan.seed,
    faults: plan.faults,
    ...(plan.retries !== undefined ? { retries: plan.retries } : {}),
    ...(plan.maxUnavailable !== undefined ? { maxUnavailable: plan.maxUnavailable } : {}),
    timings: plan.timings,
    profiles: plan.profiles,
    file: plan.file,
    rke2Quirk: plan.rke2Quirk,
    ...(plan.keepResults ? { keepResults: true } : {}),
  };
}

export interface SiteRolloutInput {
  site: Site;
  seed: number;
  events: SimInputEvent[];
  faults: string[];
}

/** The site's seed for a trial. */
export function siteSeed(fleetSeed: number, trial: number, site: string): number {
  return hashSeed(fleetSeed, "trial", trial, "site", site);
}

/** A site's drawn faults for a trial: the events given to its simulation, and each described. */
export interface DrawnFaults {
  events: SimInputEvent[];
  faults: string[];
}

/**
 * Nothing drawn: one shared answer, frozen (its lists are only read: a site's input copies its events,
 * an outcome keeps its descriptions), so a site without faults allocates nothing for them.
 */
const NONE_DRAWN: DrawnFaults = Object.freeze({
  events: Object.freeze([]) as unknown as SimInputEvent[],
  faults: Object.freeze([]) as unknown as string[],
});

/** The generator faults are drawn from, reseeded for each site and trial (as a new one would start). */
const faultRng = new Rng(0);

/**
 * Draws a site's faults for a trial from the fleet's rates: per node, how many attempts of its action
 * fail in a row (each with `nodeActionFailure`); a Kubernetes outage (its start uniform over the
 * expected rollout, its length uniform in the given range); an agent restart.
 */
export function drawFaults(
  site: Site,
  faults: Faults,
  seed: number,
  expectedMs: number,
  retries: number,
): DrawnFaults {
  // No rate: nothing is drawn (the generator is seeded only when something is).
  if (faults.nodeActionFailure <= 0 && !faults.kubernetesOutage && !(faults.agentRestart > 0))
    return NONE_DRAWN;
  let drawn: DrawnFaults | undefined;
  const rng = faultRng;
  rng.reseed(hashSeed(seed, "faults"));
  if (faults.nodeActionFailure > 0) {
    // Per node in `clusterNodes` order (control planes, then workers: a site's whole counts), its name
    // made only for a node that fails.
    let nodes: { name: string }[] | undefined;
    const count = site.controlPlanes + site.workers;
    for (let i = 0; i < count; i++) {
      let times = 0;
      while (times <= retries && rng.next() < faults.nodeActionFailure) times++;
      if (times > 0) {
        nodes ??= clusterNodes(site);
        const node = (nodes[i] as { name: string }).name;
        drawn ??= { events: [], faults: [] };
        drawn.events.push({ at: 0, type: "node-fail", node, action: "any" as NodeAction | "any", times });
        drawn.faults.push(`${node} action fails ×${times}`);
      }
    }
  }
  const outage = faults.kubernetesOutage;
  if (outage && rng.next() < outage.probability) {
    const at = Math.floor(rng.next() * Math.max(1, expectedMs));
    const length = outage.minMs + Math.floor(rng.next() * (outage.maxMs - outage.minMs + 1));
    drawn ??= { events: [], faults: [] };
    drawn.events.push(
      { at, type: "kubernetes", state: "down" },
      { at: at + length, type: "kubernetes", state: "up" },
    );
    drawn.faults.push(`kubernetes down ${Math.round(length / 60_000)}m`);
  }
  if (faults.agentRestart > 0 && rng.next() < faults.agentRestart) {
    const at = Math.floor(rng.next() * Math.max(1, expectedMs));
    drawn ??= { events: [], faults: [] };
    drawn.events.push({ at, type: "agent-restart" });
    drawn.faults.push("agent restart");
  }
  return drawn ?? NONE_DRAWN;
}

/** A site's simulation for a trial: its cluster, the given events (its drawn faults) and its update. */
export function siteInput(
  plan: SiteSimPlan,
  site: Site,
  seed: number,
  events: SimInputEvent[],
  planner: PlanTable,
): SimulationInput {
  return simulationInput(siteCluster(plan, site), { ...siteRun(plan, site, events, planner), seed });
}

/** A site's cluster: its shape, and its own settings over the plan's. */
function siteCluster(plan: SiteSimPlan, site: Site): SimCluster {
  const own = site.own ?? {};
  const maxUnavailable = own.maxUnavailable ?? plan.maxUnavailable;
  const retries = own.retries ?? plan.retries;
  return {
    controlPlanes: site.controlPlanes,
    workers: site.workers,
    ...(maxUnavailable !== undefined ? { maxUnavailable } : {}),
    ...(retries !== undefined ? { retries } : {}),
    ...(own.abPartitions ? { abPartitions: true } : {}),
    ...(own.abFallback !== undefined ? { abFallback: own.abFallback } : {}),
    ...(own.twoNode ? { twoNode: own.twoNode } : {}),
    timings: siteTimings(plan, site),
  };
}

/** What happens to a site: its update at its start, among the given events and its own scripted ones. */
function siteRun(
  plan: SiteSimPlan,
  site: Site,
  events: SimInputEvent[],
  planner: PlanTable,
): Omit<SimRun, "seed"> {
  const own = site.own ?? {};
  const all = own.events ? [...events, ...own.events] : events;
  const atStart = all.filter((e) => e.at === 0);
  const later = all.filter((e) => e.at !== 0).sort((a, b) => a.at - b.at);
  return {
    initialProfile: site.profile,
    profiles: plan.profiles,
    plan: sitePlanner(site, planner),
    events: [...atStart, { at: 0, type: "update", profile: site.update }, ...later],
    source: plan.file,
  };
}

/** A site's timings: the plan's, its class's over them, its own (a fleet file's cluster) over those. */
export function siteTimings(plan: SiteSimPlan, site: Site): Partial<Timings> {
  let timings = plan.timings;
  if (site.classTimings) timings = overlayTimings(timings, site.classTimings);
  if (site.own?.timings) timings = overlayTimings(timings, site.own.timings);
  return timings;
}

/** How long a site holds its slot: its rollout, or its last event when later (a blocked site stalls). */
function occupied(result: SimulationResult): number {
  return Math.max(result.durationMs, result.timeline.at(-1)?.t ?? 0);
}

function reasonOf(entry: object): string {
  const reason = (entry as { reason?: unknown }).reason;
  return typeof reason === "string" ? `: ${reason}` : "";
}

/**
 * One line on a site's outcome: why it failed or blocked, that its update was refused (the site stays on its
 * profile), and for a two-node site how long writes were unavailable (its total over the rollout).
 */
function why(result: SimulationResult): string | undefined {
  const parts: string[] = [];
  const outcome = whyOutcome(result);
  if (outcome !== undefined) parts.push(outcome);
  for (const refused of result.refused)
    if (!outcome?.includes(refused.reason))
      parts.push(`update to ${refused.profile} refused: ${refused.reason} (rule ${refused.rule})`);
  const outage = writeOutageOf(result);
  if (outage !== undefined)
    parts.push(
      `write outage ${formatDuration(outage)} (${outage} ms in total; two-node: writes unavailable while the leader is down)`,
    );
  return parts.length > 0 ? parts.join("; ") : undefined;
}

/** A two-node site's write outage, unless its update was refused (nothing rolled, so nothing to say). */
function writeOutageOf(result: SimulationResult): number | undefined {
  if (result.writeOutageMs === undefined) return undefined;
  return result.refused.length > 0 && result.writeOutageMs === 0 ? undefined : result.writeOutageMs;
}

function whyOutcome(result: SimulationResult): string | undefined {
  if (result.failure) return `${result.failure.node} ${result.failure.action}: ${result.failure.reason}`;
  if (result.result === "blocked") {
    const last = [...result.timeline]
      .reverse()
      .find((e) => /blocked|refused|rejected|halted|down/.test(e.event));
    return last ? `${last.event}${reasonOf(last)}` : "did not finish";
  }
  if (result.result === "failed") {
    const last = [...result.timeline].reverse().find((e) => /refused|rejected|halted/.test(e.event));
    return last ? `${last.event}${reasonOf(last)}` : "failed";
  }
  return undefined;
}

/**
 * The fault-free rollout of each distinct (from, to, shape): what an operator would predict, and what
 * `fits` windows are checked against. Simulated once per distinct key with the default timings and
 * a fixed seed.
 */
export class Predictions {
  private readonly cache = new Map<string, { durationMs: number; behavior: Behavior }>();
  /** The last site asked about and its answer (sites of one kind come in runs). */
  private last: { site: Site; hit: { durationMs: number; behavior: Behavior } } | undefined;
  constructor(
    private readonly plan: SiteSimPlan,
    private readonly planner: PlanTable,
  ) {}
  of(site: Site): { durationMs: number; behavior: Behavior } {
    // The same kind as the site before (no settings of its own on either): its answer, without a key.
    const last = this.last;
    if (
      last !== undefined &&
      (last.site === site ||
        (last.site.profile === site.profile &&
          last.site.update === site.update &&
          last.site.controlPlanes === site.controlPlanes &&
          last.site.workers === site.workers &&
          !last.site.own &&
          !site.own &&
          !last.site.classTimings &&
          !site.classTimings))
    ) {
      last.site = site;
      return last.hit;
    }
    const own =
      site.own || site.classTimings
        ? JSON.stringify({ ...site.own, events: undefined, classTimings: site.classTimings })
        : "";
    const key = `${site.profile}\u0000${site.update}\u0000${site.controlPlanes}+${site.workers}\u0000${own}`;
    let hit = this.cache.get(key);
    if (!hit) {
      const result = faultFreeRollout(
        siteCluster(this.plan, site),
        siteRun(this.plan, { ...site, own: { ...site.own, events: [] } }, [], this.planner),
      );
      hit = { durationMs: occupied(result), behavior: result.behavior };
      this.cache.set(key, hit);
    }
    if (this.last) {
      this.last.site = site;
      this.last.hit = hit;
    } else this.last = { site, hit };
    return hit;
  }
}

/** Each plan's prepared fast-path sites (null: not one it runs), per planner, by kind of site. */
const fastSites = new WeakMap<SiteSimPlan, WeakMap<PlanTable, Map<string, FastSite | null>>>();
let lastFast:
  | { plan: SiteSimPlan; planner: PlanTable; site: Site; prepared: FastSite | undefined }
  | undefined;

/**
 * A site's fast-path preparation, the same for every trial (`prepareFast` of its input without drawn
 * faults). Sites without settings of their own are one kind per (profile, update, shape), prepared once
 * per plan and planner; a site with its own settings is prepared each time it is rolled.
 */
function fastSite(plan: SiteSimPlan, site: Site, planner: PlanTable): FastSite | undefined {
  const last = lastFast;
  if (last && last.plan === plan && last.planner === planner) {
    const s = last.site;
    if (
      s === site ||
      (s.profile === site.profile &&
        s.update === site.update &&
        s.controlPlanes === site.controlPlanes &&
        s.workers === site.workers &&
        !s.own &&
        !site.own &&
        !s.classTimings &&
        !site.classTimings)
    )
      return last.prepared;
  }
  const make = () => prepareFast(siteInput(plan, site, 0, [], planner));
  // Nothing kept while a model variation is watched: it may prepare differently (or not at all) then.
  if (variationWatched()) return make();
  if (site.own || site.classTimings) {
    const prepared = make();
    lastFast = { plan, planner, site, prepared };
    return prepared;
  }
  let byPlanner = fastSites.get(plan);
  if (!byPlanner) {
    byPlanner = new WeakMap();
    fastSites.set(plan, byPlanner);
  }
  let kinds = byPlanner.get(planner);
  if (!kinds) {
    kinds = new Map();
    byPlanner.set(planner, kinds);
  }
  const key = `${site.profile}\u0000${site.update}\u0000${site.controlPlanes}+${site.workers}`;
  let prepared = kinds.get(key);
  if (prepared === undefined) {
    prepared = make() ?? null;
    kinds.set(key, prepared);
  }
  lastFast = { plan, planner, site, prepared: prepared ?? undefined };
  return prepared ?? undefined;
}

/** The fast path's outcome of the site being rolled, read at once (`rollSite` is not re-entered). */
const scratch: FastOutcome = blankFastOutcome();

/** Simulates one site for one trial. Pure: the same plan, site and trial give the same outcome. */
export function rollSite(
  plan: SiteSimPlan,
  site: Site,
  trial: number,
  predicted: number,
  planner: PlanTable,
  /** The simulation's seed when not the site's own for the trial (a template's later rollouts). */
  seedOverride?: number,
): SiteOutcome {
  const seed = seedOverride ?? siteSeed(plan.seed, trial, site.name);
  const drawn = drawFaults(site, plan.faults, seed, predicted, site.own?.retries ?? plan.retries ?? 1);
  // Most sites take the fast path (the same outcome without the machines); the rest are simulated.
  const prepared = plan.keepResults ? undefined : fastSite(plan, site, planner);
  const fast = prepared && fastOutcomeInto(prepared, seed, drawn.events, scratch);
  if (fast) {
    const failure = fast.failure;
    const durationMs = Math.max(fast.durationMs, fast.lastEntryMs);
    // Two literals rather than a spread (the same keys in the same order): this runs for most sites.
    return failure
      ? {
          result: fast.result,
          behavior: fast.behavior,
          durationMs,
          disruptedNodeMs: fast.disruptedNodeMs,
          why: `${failure.node} ${failure.action}: ${failure.reason}`,
          faults: drawn.faults,
        }
      : {
          result: fast.result,
          behavior: fast.behavior,
          durationMs,
          disruptedNodeMs: fast.disruptedNodeMs,
          faults: drawn.faults,
        };
  }
  const result = simulate(siteInput(plan, site, seed, drawn.events, planner));
  const reason = why(result);
  const outage = writeOutageOf(result);
  return {
    result: result.result,
    behavior: result.behavior,
    durationMs: occupied(result),
    disruptedNodeMs: disruptedNodeMs(result),
    ...(reason !== undefined ? { why: reason } : {}),
    ...(outage !== undefined ? { writeOutageMs: outage } : {}),
    ...(result.refused.length > 0 ? { refused: true as const } : {}),
    faults: drawn.faults,
    ...(plan.keepResults ? { simulation: result } : {}),
  };
}
