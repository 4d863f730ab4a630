import { formatGoldenTimeline } from "../report/timeline-text.js";
import { cachedPlanner } from "../rules/plan-cache.js";
import type { ReferenceRoot } from "../shared/files.js";
import type { Behavior } from "../shared/types.js";
import type { YamlFile } from "../shared/yaml.js";
import type { Bus } from "../sim/bus.js";
import type { VirtualClock } from "../sim/clock.js";
import { simulationInput } from "../sim/input.js";
import { type SimulationHooks, simulate } from "../sim/simulate.js";
import type {
  FaultReport,
  NodeReport,
  RefusedUpdate,
  SimInputEvent,
  SimulationOutcome,
  SimulationResult,
  TimelineEntry,
  Timings,
} from "../sim/types.js";
import { type ExpectationResult, evaluateExpectations, runPassed } from "./expectations.js";
import { type LoadedScenario, loadScenario, type ScenarioEvent } from "./load.js";
import { overlayTimings } from "./timings.js";

export interface RunOptions {
  /** Overrides the scenario's seed. */
  seed?: number;
  /** Rewrite golden timelines instead of comparing them. */
  update?: boolean;
  /** Subscribers to the simulation's events (logs: src/log/policy.ts `logTimeline`, live views). */
  bus?: Bus;
  /** The clock the simulation runs on (the one a log stamps its lines with); must be fresh. */
  clock?: VirtualClock;
  /** The folder references may not leave (default: any path is followed). */
  root?: ReferenceRoot;
  /** The file already parsed (by `classifyFile`), so it is not read twice. */
  yaml?: YamlFile;
  /** Step timings over the scenario's own (`run --timings FILE`). */
  timings?: Partial<Timings>;
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
  /** Every injected node fault and how many of its `times` fired. */
  faults: FaultReport[];
  /** Two-node clusters: virtual ms during which writes were unavailable (the leader down). */
  writeOutageMs?: number;
}

/** Seed of a scenario that names none: fixed, so a run is reproducible without one. */
export const DEFAULT_SEED = 1;

/** Loads a scenario file and runs it; see `runLoadedScenario`. */
export function runScenario(file: string, options: RunOptions = {}): ScenarioRun {
  return runLoadedScenario(loadScenario(file, options.root ?? false, options.yaml), options);
}

/**
 * Replays a loaded scenario. Updates whose plan is unsupported (a CNI or storage pack switch) are
 * refused by the simulation when they are published (see `simulate`): `update-refused` in the timeline
 * at the time of the update, listed in `refused`.
 */
export function runLoadedScenario(scenario: LoadedScenario, options: RunOptions = {}): ScenarioRun {
  const seed = options.seed ?? scenario.seed ?? DEFAULT_SEED;
  // Shared by the publish-time refusals and the controller: each pair is planned once.
  const planner = cachedPlanner({
    rke2Quirk: scenario.rke2Quirk,
    ...(scenario.mode !== undefined ? { mode: scenario.mode } : {}),
  });
  const cluster = options.timings
    ? { ...scenario, timings: overlayTimings(scenario.timings, options.timings) }
    : scenario;
  const input = simulationInput(cluster, {
    seed,
    initialProfile: scenario.initialProfile,
    profiles: scenario.profiles,
    plan: planner,
    events: scenario.events.map(({ index: _index, ...event }) => event as SimInputEvent),
    source: scenario.file,
  });
  const hooks: SimulationHooks = {
    ...(options.bus ? { bus: options.bus } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  };
  const result = simulate(input, hooks);
  const { timeline } = result;

  const report = {
    name: scenario.name,
    result: result.result,
    behavior: result.behavior,
    finalProfile: result.finalProfile,
    durationMs: result.durationMs,
    timeline,
    ...(result.writeOutageMs !== undefined ? { writeOutageMs: result.writeOutageMs } : {}),
  };
  const expectations = evaluateExpectations(scenario.expect, {
    result,
    refused: result.refused,
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
    passed: runPassed(expectations, { result: result.result, refused: result.refused }),
    nodes: result.nodes,
    refused: result.refused,
    ...(result.failure ? { failure: result.failure } : {}),
    faults: result.faults,
    ...(result.writeOutageMs !== undefined ? { writeOutageMs: result.writeOutageMs } : {}),
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
export { loadTimingsFile } from "./timings-file.js";
