import { cachedPlanner } from "../rules/plan-cache.js";
import { DiagnosticBag, InputError } from "../shared/diagnostics.js";
import { formatDuration, parseDuration } from "../shared/duration.js";
import { type ReferenceRoot, readTextFile } from "../shared/files.js";
import type { DeliveryMode } from "../shared/types.js";
import { type Behavior, mostDisruptive } from "../shared/types.js";
import { diagnosticAt, parseYamlFile, type YamlFile, type YamlPath } from "../shared/yaml.js";
import { clusterSeed, type FleetTimelineEntry, simulateFleet } from "../sim/fleet.js";
import type {
  NodeReport,
  SimInputEvent,
  SimProfile,
  SimulationInput,
  SimulationOutcome,
  SimulationResult,
  TimelineEntry,
  Timings,
} from "../sim/types.js";
import { type ExpectationOutcome, type ExpectationResult, runPassed } from "./expectations.js";
import {
  CLUSTER_EVENT_KINDS,
  FLEET_EXPECTATION_KEYS,
  type FleetClusterResultName,
  type FleetExpect,
  type FleetFile,
  fleetSchema,
} from "./fleet-schema.js";
import { describeNodes, nodeFailEvent, nodeNames, parseTimings, profileLoader } from "./load.js";
import { DEFAULT_SEED } from "./run.js";
import { scenarioDiagnostics, scenarioErrorMap } from "./validate.js";

export interface LoadedFleetCluster {
  name: string;
  index: number;
  /** Name of the profile the cluster is on before the wave. */
  profile: string;
  controlPlanes: number;
  workers: number;
  maxUnavailable?: number;
  retries?: number;
  abPartitions?: boolean;
  /** `mode`: how this cluster gets Kubernetes (see PlanOptions.mode). */
  mode?: DeliveryMode;
  timings: Partial<Timings>;
  /** The cluster's own events, in ms relative to its start in the wave, sorted stably. */
  events: SimInputEvent[];
}

export interface LoadedFleet {
  name: string;
  file: string;
  description?: string;
  seed?: number;
  concurrency: number;
  failureBudget?: number;
  /** Name of the profile rolled out. */
  update: string;
  rke2Quirk: boolean;
  clusters: LoadedFleetCluster[];
  profiles: Map<string, SimProfile>;
  expect: FleetExpect;
}

/**
 * Loads and checks a fleet file: YAML syntax, the schema, then what the schema cannot say (profiles
 * that load, unique cluster names, nodes and clusters that exist). Problems are thrown together, each
 * at file:line:col.
 */
export function loadFleet(file: string, root: ReferenceRoot = false, given?: YamlFile): LoadedFleet {
  const yaml = given ?? parseYamlFile(readTextFile(file), file);
  const parsed = fleetSchema.safeParse(yaml.value, { error: scenarioErrorMap });
  if (!parsed.success) {
    throw new InputError(
      scenarioDiagnostics(yaml, parsed.error.issues, {
        eventKindsAt: (path) =>
          path.length === 4 && path[0] === "clusters" && path[2] === "events" && typeof path[3] === "number"
            ? CLUSTER_EVENT_KINDS
            : undefined,
        expectationKeys: FLEET_EXPECTATION_KEYS,
      }),
    );
  }
  return resolveFleet(yaml, parsed.data, root);
}

function resolveFleet(yaml: YamlFile, data: FleetFile, root: ReferenceRoot): LoadedFleet {
  const bag = new DiagnosticBag();
  const { load, profiles } = profileLoader(yaml, bag, data.variables, root);
  const update = load(data.update, ["update"]);

  const seen = new Map<string, number>();
  const clusters: LoadedFleetCluster[] = [];
  data.clusters.forEach((cluster, index) => {
    const first = seen.get(cluster.name);
    if (first !== undefined) {
      bag.add(
        diagnosticAt(
          yaml,
          ["clusters", index, "name"],
          `cluster name "${cluster.name}" is already used by clusters[${first}]`,
        ),
      );
    } else {
      seen.set(cluster.name, index);
    }
    const profile = load(cluster.profile, ["clusters", index, "profile"]);
    const nodes = nodeNames(cluster.controlPlanes, cluster.workers);
    const events: SimInputEvent[] = [];
    cluster.events.forEach((event, e) => {
      const at = parseDuration(event.at) ?? 0;
      if ("kubernetes" in event) {
        events.push({ at, type: "kubernetes", state: event.kubernetes });
      } else if ("node" in event) {
        if (!nodes.includes(event.node)) {
          const path: YamlPath = ["clusters", index, "events", e, "node"];
          bag.add(
            diagnosticAt(
              yaml,
              path,
              `cluster ${cluster.name} has no node "${event.node}" (its nodes are ${describeNodes(nodes)})`,
            ),
          );
        }
        events.push(nodeFailEvent(at, event));
      } else {
        events.push({ at, type: "agent-restart" });
      }
    });
    events.sort((a, b) => a.at - b.at);
    clusters.push({
      name: cluster.name,
      index,
      profile: profile?.name ?? "",
      controlPlanes: cluster.controlPlanes,
      workers: cluster.workers,
      ...(cluster.maxUnavailable !== undefined ? { maxUnavailable: cluster.maxUnavailable } : {}),
      ...(cluster.retries !== undefined ? { retries: cluster.retries } : {}),
      ...(cluster.abPartitions !== undefined ? { abPartitions: cluster.abPartitions } : {}),
      ...(cluster.mode !== undefined ? { mode: cluster.mode } : {}),
      timings: parseTimings(cluster.timings),
      events,
    });
  });

  const expect = data.expect;
  for (const name of Object.keys(expect.clusters ?? {})) {
    if (!seen.has(name)) {
      bag.add(
        diagnosticAt(
          yaml,
          ["expect", "clusters", name],
          `expect.clusters names "${name}", which is not a cluster of this fleet (${[...seen.keys()].join(", ")})`,
        ),
      );
    }
  }
  if (expect.duration) {
    const min = parseDuration(expect.duration.min);
    const max = parseDuration(expect.duration.max);
    if (min !== undefined && max !== undefined && min > max) {
      bag.add(diagnosticAt(yaml, ["expect", "duration"], "expect.duration: min is greater than max"));
    }
  }
  bag.throwIfAny();
  if (!update) throw new InputError([diagnosticAt(yaml, ["update"], "the update profile did not load")]);

  return {
    name: data.name,
    file: yaml.file,
    ...(data.description !== undefined ? { description: data.description } : {}),
    ...(data.seed !== undefined ? { seed: data.seed } : {}),
    concurrency: data.fleet.concurrency,
    ...(data.fleet.failureBudget !== undefined ? { failureBudget: data.fleet.failureBudget } : {}),
    update: update.name,
    rke2Quirk: data.rke2Quirk ?? true,
    clusters,
    profiles,
    expect,
  };
}

export type FleetClusterOutcome = FleetClusterResultName;

/** One cluster of a finished wave: the contract-like fields first, then extras. */
export interface FleetClusterRun {
  name: string;
  result: FleetClusterOutcome;
  /** The behavior the cluster went through; `no-op` for a skipped cluster. */
  behavior: Behavior;
  /** On the fleet's clock; null for a skipped cluster. */
  startMs: number | null;
  endMs: number | null;
  finalProfile: string;
  controlPlanes: number;
  workers: number;
  /** Seed of the cluster's own simulation (derived from the fleet's); absent when skipped. */
  seed?: number;
  failure?: SimulationResult["failure"];
  nodes?: NodeReport[];
  /** The cluster's own timeline, on its own clock (add `startMs` for the fleet's). */
  timeline?: TimelineEntry[];
}

export interface FleetRun {
  name: string;
  result: SimulationOutcome;
  behavior: Behavior;
  clusters: FleetClusterRun[];
  timeline: FleetTimelineEntry[];
  expectations: ExpectationResult[];
  file: string;
  seed: number;
  passed: boolean;
  concurrency: number;
  failureBudget?: number;
  durationMs: number;
  maxConcurrentClusters: number;
  halted?: { t: number; failed: string[] };
}

/** Loads a fleet file and rolls its update; see `runLoadedFleet`. */
export function runFleet(
  file: string,
  options: { seed?: number; root?: ReferenceRoot; yaml?: YamlFile } = {},
): Promise<FleetRun> {
  const { root, yaml, ...rest } = options;
  return runLoadedFleet(loadFleet(file, root ?? false, yaml), rest);
}

/**
 * Rolls the fleet's update across its clusters. Each cluster's simulation starts with the update at
 * 0 s, after the cluster's own events at 0 s, so those describe the cluster as the wave finds it
 * (`{ at: 0s, kubernetes: down }` is an outage already under way). An update the planner calls
 * unsupported is refused when published, as in a scenario: the cluster stays on its profile.
 */
export async function runLoadedFleet(fleet: LoadedFleet, options: { seed?: number } = {}): Promise<FleetRun> {
  const seed = options.seed ?? fleet.seed ?? DEFAULT_SEED;
  // One planner per delivery mode: each distinct (from, to) pair is planned once, not once per cluster.
  const planners = new Map<DeliveryMode | undefined, ReturnType<typeof cachedPlanner>>();
  const plannerFor = (mode: DeliveryMode | undefined) => {
    let planner = planners.get(mode);
    if (!planner) {
      planner = cachedPlanner({ rke2Quirk: fleet.rke2Quirk, ...(mode !== undefined ? { mode } : {}) });
      planners.set(mode, planner);
    }
    return planner;
  };
  const inputs = fleet.clusters.map((cluster) => {
    const atStart = cluster.events.filter((e) => e.at === 0);
    const later = cluster.events.filter((e) => e.at !== 0);
    const input: SimulationInput = {
      seed: clusterSeed(seed, cluster.index),
      controlPlanes: cluster.controlPlanes,
      workers: cluster.workers,
      ...(cluster.maxUnavailable !== undefined ? { maxUnavailable: cluster.maxUnavailable } : {}),
      ...(cluster.retries !== undefined ? { retries: cluster.retries } : {}),
      ...(cluster.abPartitions ? { abPartitions: true } : {}),
      timings: cluster.timings,
      initialProfile: cluster.profile,
      profiles: fleet.profiles,
      plan: plannerFor(cluster.mode),
      events: [...atStart, { at: 0, type: "update", profile: fleet.update }, ...later],
      source: fleet.file,
    };
    return { name: cluster.name, input };
  });
  const simulated = await simulateFleet(inputs, {
    concurrency: fleet.concurrency,
    ...(fleet.failureBudget !== undefined ? { failureBudget: fleet.failureBudget } : {}),
  });

  const byIndex = new Map(simulated.clusters.map((c) => [c.index, c]));
  const clusters: FleetClusterRun[] = fleet.clusters.map((cluster) => {
    const ran = byIndex.get(cluster.index);
    if (!ran) {
      return {
        name: cluster.name,
        result: "skipped",
        behavior: "no-op",
        startMs: null,
        endMs: null,
        finalProfile: cluster.profile,
        controlPlanes: cluster.controlPlanes,
        workers: cluster.workers,
      };
    }
    const r = ran.result;
    return {
      name: cluster.name,
      result: r.result,
      behavior: r.behavior,
      startMs: ran.startMs,
      endMs: ran.endMs,
      finalProfile: r.finalProfile,
      controlPlanes: cluster.controlPlanes,
      workers: cluster.workers,
      seed: inputs[cluster.index]?.input.seed as number,
      ...(r.failure ? { failure: r.failure } : {}),
      nodes: r.nodes,
      timeline: r.timeline,
    };
  });

  const outcomes = simulated.summary.outcomes;
  const result: SimulationOutcome =
    outcomes.failed > 0 ? "failed" : outcomes.blocked > 0 ? "blocked" : "converged";
  const behavior = mostDisruptive(simulated.clusters.map((c) => c.result.behavior));
  const report = {
    result,
    behavior,
    clusters,
    durationMs: simulated.summary.durationMs,
    maxConcurrentClusters: simulated.summary.maxConcurrent,
  };
  const expectations = evaluateFleetExpectations(fleet.expect, report);
  return {
    name: fleet.name,
    result,
    behavior,
    clusters,
    timeline: simulated.timeline,
    expectations,
    file: fleet.file,
    seed,
    passed: runPassed(expectations, { result }),
    concurrency: simulated.summary.concurrency,
    ...(fleet.failureBudget !== undefined ? { failureBudget: fleet.failureBudget } : {}),
    durationMs: report.durationMs,
    maxConcurrentClusters: report.maxConcurrentClusters,
    ...(simulated.halted ? { halted: simulated.halted } : {}),
  };
}

type FleetReport = Pick<
  FleetRun,
  "result" | "behavior" | "clusters" | "durationMs" | "maxConcurrentClusters"
>;

type FleetRegistry = {
  [K in keyof FleetExpect]-?: (expected: NonNullable<FleetExpect[K]>, run: FleetReport) => ExpectationOutcome;
};

const outcome = (passed: boolean, message: string): ExpectationOutcome => ({ passed, message });

export const FLEET_EXPECTATIONS: FleetRegistry = {
  result: (expected, run) =>
    outcome(
      run.result === expected,
      run.result === expected ? `result is ${expected}` : `expected ${expected}, got ${run.result}`,
    ),
  behavior: (expected, run) =>
    outcome(
      run.behavior === expected,
      run.behavior === expected ? `behavior is ${expected}` : `expected ${expected}, got ${run.behavior}`,
    ),
  clusters: (expected, run) => {
    const problems: string[] = [];
    for (const [name, want] of Object.entries(expected)) {
      const got = run.clusters.find((c) => c.name === name)?.result;
      if (got !== want) problems.push(`${name}: expected ${want}, got ${got ?? "nothing"}`);
    }
    const count = Object.keys(expected).length;
    return outcome(
      problems.length === 0,
      problems.length === 0 ? `${count} cluster result(s) match` : problems.join("; "),
    );
  },
  maxConcurrentClusters: (expected, run) =>
    outcome(
      run.maxConcurrentClusters <= expected,
      `at most ${run.maxConcurrentClusters} cluster(s) rolling at once (limit ${expected})`,
    ),
  duration: (expected, run) => {
    const min = expected.min === undefined ? undefined : parseDuration(expected.min);
    const max = expected.max === undefined ? undefined : parseDuration(expected.max);
    const actual = run.durationMs;
    const outside = (min !== undefined && actual < min) || (max !== undefined && actual > max);
    const range = `${min === undefined ? "0s" : formatDuration(min)}..${max === undefined ? "∞" : formatDuration(max)}`;
    return outcome(
      !outside,
      `wave took ${formatDuration(actual)}${outside ? ", outside" : ", within"} ${range}`,
    );
  },
};

/** Checks every expectation the fleet file states, in the schema's order. */
export function evaluateFleetExpectations(expect: FleetExpect, run: FleetReport): ExpectationResult[] {
  const results: ExpectationResult[] = [];
  for (const key of FLEET_EXPECTATION_KEYS) {
    const expected = expect[key];
    if (expected === undefined) continue;
    const check = FLEET_EXPECTATIONS[key] as (expected: never, run: FleetReport) => ExpectationOutcome;
    results.push({ name: key, ...check(expected as never, run) });
  }
  return results;
}
