import type { Profile } from "../profile/types.js";
import { formatGoldenTimeline } from "../report/timeline-text.js";
import { planUpdate } from "../rules/plan.js";
import type { Plan } from "../rules/types.js";
import type { Behavior } from "../shared/types.js";
import type { Bus } from "../sim/bus.js";
import type { VirtualClock } from "../sim/clock.js";
import { type SimulationHooks, simulate } from "../sim/simulate.js";
import type {
  NodeReport,
  SimInputEvent,
  SimLogger,
  SimulationInput,
  SimulationOutcome,
  SimulationResult,
  TimelineEntry,
} from "../sim/types.js";
import {
  type ExpectationResult,
  evaluateExpectations,
  type RefusedUpdate,
  TIMELINE_EVENTS,
} from "./expectations.js";
import { type LoadedScenario, loadScenario, type ScenarioEvent } from "./load.js";

export interface RunOptions {
  /** Overrides the scenario's seed. */
  seed?: number;
  /** Rewrite golden timelines instead of comparing them. */
  update?: boolean;
  /** Subscribers to the simulation's events (logs, live views). */
  bus?: Bus;
  /** Passed to the simulation as its logger (see src/log/logger.ts). */
  logger?: SimLogger;
  /** The clock the logger stamps its lines with; must be fresh. */
  clock?: VirtualClock;
}

/** A finished scenario: the contract's `run --json` fields first, then extras. */
export interface ScenarioRun {
  name: string;
  result: SimulationOutcome;
  behavior: Behavior;
  finalProfile: string;
  timeline: TimelineEntry[];
  expectations: ExpectationResult[];
  file: string;
  seed: number;
  passed: boolean;
  durationMs: number;
  nodes: NodeReport[];
  refused: RefusedUpdate[];
  failure?: SimulationResult["failure"];
}

/** Seed of a scenario that names none: fixed, so a run is reproducible without one. */
export const DEFAULT_SEED = 1;

/** Loads a scenario file and runs it; see `runLoadedScenario`. */
export function runScenario(file: string, options: RunOptions = {}): ScenarioRun {
  return runLoadedScenario(loadScenario(file), options);
}

/**
 * Replays a loaded scenario. Updates whose plan is unsupported (a CNI or storage pack switch) are
 * refused the way Palette's agent refuses them: the simulation never hears of them and the timeline
 * gets an `update-refused` entry at the time of the update. Which updates are refused is decided
 * in event order against the last accepted profile, as the agent would see them.
 */
export function runLoadedScenario(scenario: LoadedScenario, options: RunOptions = {}): ScenarioRun {
  const seed = options.seed ?? scenario.seed ?? DEFAULT_SEED;
  const planner = (from: Profile, to: Profile): Plan =>
    planUpdate(from, to, { rke2Quirk: scenario.rke2Quirk });
  const { accepted, refused } = refuseUnsupported(scenario, planner);

  const input: SimulationInput = {
    seed,
    controlPlanes: scenario.controlPlanes,
    workers: scenario.workers,
    ...(scenario.workerPools ? { workerPools: scenario.workerPools } : {}),
    ...(scenario.maxUnavailable !== undefined ? { maxUnavailable: scenario.maxUnavailable } : {}),
    ...(scenario.retries !== undefined ? { retries: scenario.retries } : {}),
    ...(scenario.abPartitions ? { abPartitions: true } : {}),
    timings: scenario.timings,
    initialProfile: scenario.initialProfile,
    profiles: scenario.profiles,
    plan: planner,
    events: accepted,
    source: scenario.file,
  };
  const hooks: SimulationHooks = {
    ...(options.bus ? { bus: options.bus } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  };
  const simulated = simulate(input, hooks);
  const timeline = mergeRefusals(simulated.timeline, refused);
  const result: SimulationResult = { ...simulated, timeline };
  // The simulation refuses what only the cluster's state can tell (a pool past the Kubernetes N-3 skew);
  // those are refusals all the same, already in its timeline.
  const allRefused = [...refused, ...simulationRefusals(simulated.timeline)].sort((a, b) => a.t - b.t);

  const report = {
    name: scenario.name,
    result: result.result,
    behavior: result.behavior,
    finalProfile: result.finalProfile,
    durationMs: result.durationMs,
    timeline,
  };
  const expectations = evaluateExpectations(scenario.expect, {
    result,
    refused: allRefused,
    kubernetesDown: kubernetesDownWindows(scenario.events),
    goldenText: () => formatGoldenTimeline(report),
    ...(scenario.timelineFile !== undefined ? { timelineFile: scenario.timelineFile } : {}),
    ...(options.update ? { update: true } : {}),
  });
  return {
    name: report.name,
    result: report.result,
    behavior: report.behavior,
    finalProfile: report.finalProfile,
    timeline,
    expectations,
    durationMs: report.durationMs,
    file: scenario.file,
    seed,
    passed: expectations.every((e) => e.passed),
    nodes: result.nodes,
    refused: allRefused,
    ...(result.failure ? { failure: result.failure } : {}),
  };
}

function refuseUnsupported(
  scenario: LoadedScenario,
  planner: (from: Profile, to: Profile) => Plan,
): { accepted: SimInputEvent[]; refused: RefusedUpdate[] } {
  const accepted: SimInputEvent[] = [];
  const refused: RefusedUpdate[] = [];
  let current = scenario.initialProfile;
  for (const { index: _index, ...event } of scenario.events) {
    if (event.type === "update") {
      const from = scenario.profiles.get(current);
      const to = scenario.profiles.get(event.profile);
      if (from && to) {
        const plan = planner(from.profile, to.profile);
        const first = plan.unsupported[0];
        if (first) {
          refused.push({ t: event.at, profile: event.profile, reason: first.reason, rule: first.rule });
          continue;
        }
      }
      current = event.profile;
    }
    accepted.push(event as SimInputEvent);
  }
  return { accepted, refused };
}

function simulationRefusals(timeline: readonly TimelineEntry[]): RefusedUpdate[] {
  return timeline
    .filter((entry) => entry.event === TIMELINE_EVENTS.updateRefused)
    .map((entry) => ({
      t: entry.t,
      profile: String(entry.profile),
      reason: String(entry.reason),
      rule: String(entry.rule),
    }));
}

/** Refusals go after the simulation's entries of the same instant, keeping both orders stable. */
function mergeRefusals(
  timeline: readonly TimelineEntry[],
  refused: readonly RefusedUpdate[],
): TimelineEntry[] {
  if (refused.length === 0) return [...timeline];
  const out: TimelineEntry[] = [];
  let next = 0;
  for (const entry of timeline) {
    while (next < refused.length && (refused[next] as RefusedUpdate).t < entry.t) {
      out.push(refusalEntry(refused[next] as RefusedUpdate));
      next++;
    }
    out.push(entry);
  }
  for (; next < refused.length; next++) out.push(refusalEntry(refused[next] as RefusedUpdate));
  return out;
}

function refusalEntry(refusal: RefusedUpdate): TimelineEntry {
  return {
    t: refusal.t,
    event: TIMELINE_EVENTS.updateRefused,
    profile: refusal.profile,
    rule: refusal.rule,
    reason: refusal.reason,
  };
}

/** Windows [down, next up) from the scenario's own events; a cluster never brought back stays down. */
export function kubernetesDownWindows(events: readonly ScenarioEvent[]): { from: number; to: number }[] {
  const windows: { from: number; to: number }[] = [];
  let downSince: number | undefined;
  for (const event of events) {
    if (event.type !== "kubernetes") continue;
    if (event.state === "down" && downSince === undefined) downSince = event.at;
    if (event.state === "up" && downSince !== undefined) {
      windows.push({ from: downSince, to: event.at });
      downSince = undefined;
    }
  }
  if (downSince !== undefined) windows.push({ from: downSince, to: Number.POSITIVE_INFINITY });
  return windows;
}
