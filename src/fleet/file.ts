import { type ExpectationOutcome, type ExpectationResult, runPassed } from "../scenario/expectations.js";
import { describeNodes, nodeFailEvent, nodeNames, parseTimings, profileLoader } from "../scenario/load.js";
import { DEFAULT_SEED } from "../scenario/run.js";
import { scenarioDiagnostics, scenarioErrorMap } from "../scenario/validate.js";
import { DiagnosticBag, InputError } from "../shared/diagnostics.js";
import { formatDuration, parseDuration } from "../shared/duration.js";
import { checkExpectations } from "../shared/expectations.js";
import { type ReferenceRoot, readTextFile } from "../shared/files.js";
import { plural } from "../shared/plural.js";
import type { DeliveryMode } from "../shared/types.js";
import { type Behavior, mostDisruptive } from "../shared/types.js";
import { diagnosticAt, parseYamlFile, type YamlFile, type YamlPath } from "../shared/yaml.js";
import type { SimCluster } from "../sim/input.js";
import {
  DEFAULT_TWO_NODE_LEADER,
  type FleetTimelineEntry,
  type NodeReport,
  type SimInputEvent,
  type SimProfile,
  type SimulationResult,
  type TimelineEntry,
  type Timings,
  twoNodeProblems,
} from "../sim/types.js";
import {
  CLUSTER_EVENT_KINDS,
  FLEET_EXPECTATION_KEYS,
  type FleetClusterResultName,
  type FleetExpect,
  type FleetFile,
  fleetSchema,
} from "./file-schema.js";
import {
  DEFAULT_HORIZON_MS,
  DEFAULT_LINK_MBPS,
  DEFAULT_START,
  type LoadedFleetPlan,
  type LoadOptions,
  loadFleetPlan,
  type Site,
} from "./load.js";
import { siteSeed } from "./map.js";
import type { FleetResult, TrialRun } from "./result.js";
import { runFleetPlan } from "./run.js";
import { parseInstant } from "./windows.js";

/** A fleet file's cluster: a simulated cluster without pools (SimCluster), with its place in the wave. */
export interface LoadedFleetCluster extends Omit<SimCluster, "workerPools"> {
  name: string;
  index: number;
  /** Name of the profile the cluster is on before the wave. */
  profile: string;
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
    const twoNode =
      cluster.twoNode === undefined || cluster.twoNode === false
        ? undefined
        : { leader: cluster.twoNode === true ? DEFAULT_TWO_NODE_LEADER : cluster.twoNode.leader };
    if (twoNode)
      for (const problem of twoNodeProblems({
        controlPlanes: cluster.controlPlanes,
        mode: cluster.mode,
        distribution: profile,
      }))
        bag.add(diagnosticAt(yaml, ["clusters", index, problem.key], problem.message));
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
      ...(cluster.abFallback !== undefined ? { abFallback: cluster.abFallback } : {}),
      ...(cluster.mode !== undefined ? { mode: cluster.mode } : {}),
      ...(twoNode ? { twoNode } : {}),
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
  result: FleetResult;
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
): FleetRun {
  const { root, yaml, ...rest } = options;
  return runLoadedFleet(loadFleet(file, root ?? false, yaml), rest);
}

/**
 * A fleet file as a fleet plan: its clusters are the sites (each with its scripted events, shape,
 * settings and timings), rolled in one wave with the file's concurrency and failure budget, windows
 * always open, no registry limit, one trial, on a clock that starts at 0. Seeds come from the fleet's
 * seed and each cluster's name, as for every fleet plan.
 */
export function fleetFilePlan(fleet: LoadedFleet, seed: number, startMs = 0): LoadedFleetPlan {
  const sites: Site[] = fleet.clusters.map((cluster) => ({
    name: cluster.name,
    index: cluster.index,
    profile: cluster.profile,
    update: fleet.update,
    controlPlanes: cluster.controlPlanes,
    workers: cluster.workers,
    timeZone: "UTC",
    window: ALWAYS,
    labels: {},
    linkMbps: DEFAULT_LINK_MBPS,
    localRegistry: false,
    own: {
      events: cluster.events,
      ...(cluster.maxUnavailable !== undefined ? { maxUnavailable: cluster.maxUnavailable } : {}),
      ...(cluster.retries !== undefined ? { retries: cluster.retries } : {}),
      ...(cluster.abPartitions !== undefined ? { abPartitions: cluster.abPartitions } : {}),
      ...(cluster.abFallback !== undefined ? { abFallback: cluster.abFallback } : {}),
      ...(cluster.mode !== undefined ? { mode: cluster.mode } : {}),
      ...(cluster.twoNode ? { twoNode: cluster.twoNode } : {}),
      timings: cluster.timings,
    },
  }));
  return {
    name: fleet.name,
    file: fleet.file,
    ...(fleet.description !== undefined ? { description: fleet.description } : {}),
    seed,
    startMs,
    // A fleet file has no start: its clock starts at 0, which is not a default the user could set.
    startFrom: "file",
    trials: 1,
    sites,
    strategies: [
      {
        name: STRATEGY,
        waves: [
          {
            name: fleet.name,
            sites: sites.map((s) => s.index),
            concurrency: fleet.concurrency,
            ...(fleet.failureBudget !== undefined ? { failureBudget: fleet.failureBudget } : {}),
            soakMs: 0,
          },
        ],
        pauses: [],
        unselected: [],
      },
    ],
    windowMode: "start-only",
    horizonMs: DEFAULT_HORIZON_MS,
    imageGiB: 0,
    prefetch: false,
    faults: { nodeActionFailure: 0, agentRestart: 0 },
    profiles: fleet.profiles,
    rke2Quirk: fleet.rke2Quirk,
    timings: {},
    // What a plan can check of the file's expectations; `run` and `test` check them all.
    expect: {
      ...(fleet.expect.result !== undefined ? { result: fleet.expect.result } : {}),
      ...(fleet.expect.maxConcurrentClusters !== undefined
        ? { maxConcurrent: fleet.expect.maxConcurrentClusters }
        : {}),
    },
    keepResults: true,
  };
}

/**
 * A fleet plan or a fleet file, loaded as a fleet plan (`edgesim fleet`, `report`, `run`): a fleet file's
 * clock starts at `start` (the plans' default when not given); `trials` does not apply to it (its
 * clusters' events are scripted, so every trial would be the same).
 */
export function loadAnyFleetPlan(
  file: string,
  kind: "fleet" | "fleet-plan",
  options: LoadOptions = {},
  yaml?: YamlFile,
): LoadedFleetPlan {
  if (kind === "fleet-plan") return loadFleetPlan(file, options, yaml);
  const fleet = loadFleet(file, options.root ?? false, yaml);
  const startText = options.start ?? DEFAULT_START;
  const startMs = parseInstant(startText);
  if (startMs === undefined)
    throw new InputError([
      { file: "--start", message: `"${startText}" is not an ISO 8601 date-time (e.g. 2026-12-07T00:00Z)` },
    ]);
  const plan = fleetFilePlan(fleet, options.seed ?? fleet.seed ?? DEFAULT_SEED, startMs);
  return { ...plan, keepResults: false };
}

const STRATEGY = "wave";
const ALWAYS = { text: "always", rules: [] };

/**
 * Rolls the fleet's update across its clusters with the fleet planner (`fleetFilePlan`). Each cluster's
 * simulation starts with the update at 0 s, after the cluster's own events at 0 s, so those describe
 * the cluster as the wave finds it (`{ at: 0s, kubernetes: down }` is an outage already under way). An
 * update the planner calls unsupported is refused when published, as in a scenario: the cluster stays
 * on its profile.
 */
export function runLoadedFleet(fleet: LoadedFleet, options: { seed?: number } = {}): FleetRun {
  const seed = options.seed ?? fleet.seed ?? DEFAULT_SEED;
  const plan = fleetFilePlan(fleet, seed);
  const trial = runFleetPlan(plan).strategies[0]?.first as TrialRun;
  const sched = trial.schedule;

  const clusters: FleetClusterRun[] = fleet.clusters.map((cluster) => {
    const placed = sched.placements[cluster.index];
    const r = trial.outcomes.get(cluster.index)?.simulation;
    if (placed?.state !== "rolled" || !r) {
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
    return {
      name: cluster.name,
      result: r.result,
      behavior: r.behavior,
      startMs: placed.startMs,
      endMs: placed.endMs,
      finalProfile: r.finalProfile,
      controlPlanes: cluster.controlPlanes,
      workers: cluster.workers,
      seed: siteSeed(seed, 0, cluster.name),
      ...(r.failure ? { failure: r.failure } : {}),
      nodes: r.nodes,
      timeline: r.timeline,
    };
  });

  const halted = sched.halted ? { t: sched.halted.atMs, failed: sched.halted.failed } : undefined;
  const rolled = clusters.filter((c) => c.result !== "skipped");
  const behavior = mostDisruptive(rolled.map((c) => c.behavior));
  const report = {
    result: trial.result,
    behavior,
    clusters,
    durationMs: trial.durationMs,
    maxConcurrentClusters: sched.maxConcurrent,
  };
  const expectations = evaluateFleetExpectations(fleet.expect, report);
  return {
    name: fleet.name,
    result: trial.result,
    behavior,
    clusters,
    timeline: fleetTimeline(clusters, halted, fleet.failureBudget),
    expectations,
    file: fleet.file,
    seed,
    passed: runPassed(expectations, { result: trial.result }),
    concurrency: fleet.concurrency,
    ...(fleet.failureBudget !== undefined ? { failureBudget: fleet.failureBudget } : {}),
    durationMs: report.durationMs,
    maxConcurrentClusters: report.maxConcurrentClusters,
    ...(halted ? { halted } : {}),
  };
}

/** At one instant: clusters finish, then the wave halts, then skips, then the next clusters start. */
const RANK: Record<FleetTimelineEntry["event"], number> = {
  "cluster-finished": 0,
  "fleet-halted": 1,
  "cluster-skipped": 2,
  "cluster-started": 3,
};

function fleetTimeline(
  clusters: readonly FleetClusterRun[],
  halted: FleetRun["halted"],
  failureBudget: number | undefined,
): FleetTimelineEntry[] {
  const entries: (FleetTimelineEntry & { order: number })[] = [];
  const skipped = clusters.filter((c) => c.result === "skipped");
  clusters.forEach((c, order) => {
    if (c.startMs === null || c.endMs === null || c.result === "skipped") return;
    entries.push({ t: c.startMs, event: "cluster-started", cluster: c.name, order });
    entries.push({
      t: c.endMs,
      event: "cluster-finished",
      cluster: c.name,
      result: c.result,
      behavior: c.behavior,
      finalProfile: c.finalProfile,
      order,
    });
  });
  if (halted) {
    entries.push({
      t: halted.t,
      event: "fleet-halted",
      failed: halted.failed,
      failureBudget,
      skipped: skipped.length,
      order: -1,
    });
    clusters.forEach((c, order) => {
      if (c.result === "skipped")
        entries.push({ t: halted.t, event: "cluster-skipped", cluster: c.name, order });
    });
  }
  entries.sort((a, b) => a.t - b.t || RANK[a.event] - RANK[b.event] || a.order - b.order);
  return entries.map(({ order: _order, ...entry }) => entry);
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
      problems.length === 0 ? `${plural(count, "cluster result")} match` : problems.join("; "),
    );
  },
  maxConcurrentClusters: (expected, run) =>
    outcome(
      run.maxConcurrentClusters <= expected,
      `at most ${plural(run.maxConcurrentClusters, "cluster")} rolling at once (limit ${expected})`,
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
  const checks = FLEET_EXPECTATION_KEYS.map((id) => ({
    id,
    check: FLEET_EXPECTATIONS[id] as (expected: never, run: FleetReport) => ExpectationOutcome,
  }));
  return checkExpectations(checks, expect, run);
}
