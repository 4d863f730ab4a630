/**
 * edgesim as a library: the same functions the CLI uses, re-exported thinly. Bad input throws an
 * `InputError` whose `diagnostics` name the file and line:col (or dotted path).
 */
import { loadProfileFile } from "./profile/file.js";
import type { LoadOptions, Profile } from "./profile/types.js";
import { planUpdate } from "./rules/plan.js";
import type { Plan, PlanOptions } from "./rules/types.js";

export {
  type FleetClusterRun,
  type FleetRun,
  fleetFilePlan,
  type LoadedFleet,
  loadFleet,
  runFleet,
  runLoadedFleet,
} from "./fleet/file.js";
export { type FleetFile, fleetSchema } from "./fleet/file-schema.js";
export { type LoadedFleetPlan, loadFleetPlan } from "./fleet/load.js";
export { type FleetPlanRun, type FleetResult, runFleetPlan, runFleetPlanOnThreads } from "./fleet/run.js";
export { jsonSchemas } from "./kinds/json-schema.js";
export { logEntry, logTimeline, type SimLogger } from "./log/policy.js";
export { DEFAULT_TIMINGS } from "./machines/node.js";
export { drainPolicy, osImage } from "./profile/drain.js";
export { parseProfile } from "./profile/parse.js";
export { profileFileSchema } from "./profile/schema.js";
export type { Layer, LoadOptions, Profile, ProfileDiff } from "./profile/types.js";
export { renderJUnit } from "./report/junit.js";
export { formatGoldenTimeline, formatRunText, formatTimelineLines } from "./report/timeline-text.js";
export type { Plan, PlannedChange, PlanOptions, Unsupported } from "./rules/types.js";
export { EXPECTATIONS, type ExpectationResult } from "./scenario/expectations.js";
export { type LoadedScenario, loadScenario } from "./scenario/load.js";
export {
  DEFAULT_SEED,
  type RunOptions,
  runLoadedScenario,
  runScenario,
  type ScenarioRun,
} from "./scenario/run.js";
export { type ScenarioFile, scenarioSchema } from "./scenario/schema.js";
export { type Diagnostic, formatDiagnostic, InputError, isInputError } from "./shared/diagnostics.js";
export { BEHAVIORS, type Behavior, DISTRIBUTIONS, type Distribution } from "./shared/types.js";
export { type Bus, createBus } from "./sim/bus.js";
export { VirtualClock } from "./sim/clock.js";
export { estimateRollout, type RolloutEstimate } from "./sim/estimate.js";
export { simProfile } from "./sim/input.js";
export { type SimulationHooks, simulate } from "./sim/simulate.js";
export type {
  NodeReport,
  SimInputEvent,
  SimProfile,
  SimulationInput,
  SimulationResult,
  TimelineEntry,
  Timings,
} from "./sim/types.js";
export { discoverScenarios, runSuiteCase, runSuiteFile, type SuiteCase } from "./suite/suite.js";

/** Loads a profile file (YAML or a Palette export). */
export function loadProfile(path: string, options: LoadOptions = {}): Profile {
  return loadProfileFile(path, options);
}

/** What updating from `from` to `to` does; each side is a profile file path or a loaded Profile. */
export function plan(
  from: string | Profile,
  to: string | Profile,
  options: PlanOptions & LoadOptions = {},
): Plan {
  const { rke2Quirk, mode, ...loadOptions } = options;
  const load = (side: string | Profile) =>
    typeof side === "string" ? loadProfileFile(side, loadOptions) : side;
  return planUpdate(load(from), load(to), {
    ...(rke2Quirk !== undefined ? { rke2Quirk } : {}),
    ...(mode !== undefined ? { mode } : {}),
  });
}
