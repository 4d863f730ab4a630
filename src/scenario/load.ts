import { dirname, isAbsolute, join } from "node:path";
import { loadProfileFile } from "../profile/file.js";
import type { Profile } from "../profile/types.js";
import { DiagnosticBag, InputError, isInputError } from "../shared/diagnostics.js";
import { parseDuration } from "../shared/duration.js";
import { outsideRoot, type ReferenceRoot, readTextFile } from "../shared/files.js";
import type { DeliveryMode, Distribution } from "../shared/types.js";
import { diagnosticAt, parseYamlFile, type YamlFile, type YamlPath } from "../shared/yaml.js";
import { type SimCluster, simProfile } from "../sim/input.js";
import {
  clusterNodes,
  DEFAULT_TWO_NODE_LEADER,
  type NodeAction,
  type SimInputEvent,
  type SimProfile,
  type Timings,
  type TwoNode,
  twoNodeProblems,
  type WorkerPool,
} from "../sim/types.js";
import { MAX_WORKERS, type ScenarioExpect, type ScenarioFile, scenarioSchema } from "./schema.js";
import { parseTimings } from "./timings.js";
import { scenarioDiagnostics, scenarioErrorMap } from "./validate.js";

/** An event of the scenario, in virtual ms, with where it came from (for messages and stable sorting). */
export type ScenarioEvent = SimInputEvent & { index: number };

/** A loaded scenario: the cluster it simulates (SimCluster, whose fields it narrows) and what it replays. */
export interface LoadedScenario extends SimCluster {
  name: string;
  file: string;
  description?: string;
  seed?: number;
  /** Worker count: `cluster.workers`, or the total over `workerPools`. */
  workers: number;
  timings: Partial<Timings>;
  /** cp-1..cp-N then worker-1..worker-M (or each pool's `<pool>-1..`). */
  nodes: string[];
  rke2Quirk: boolean;
  /** `cluster.mode`: how the cluster gets Kubernetes (absent: read from the profiles, see PlanOptions.mode). */
  mode?: DeliveryMode;
  /** Name of the initial profile. */
  initialProfile: string;
  /** Every profile the scenario names, by profile name, with what the simulation needs of it. */
  profiles: Map<string, SimProfile>;
  /** Sorted stably by time: events at the same time keep their file order. */
  events: ScenarioEvent[];
  expect: ScenarioExpect;
  /** Parsed `expect.duration` bounds. */
  durationBounds?: { minMs?: number; maxMs?: number };
  /** `expect.timeline` resolved against the scenario's folder. */
  timelineFile?: string;
}

/** The names of a cluster without pools, as the simulation gives them (`clusterNodes`). */
export function nodeNames(controlPlanes: number, workers: number): string[] {
  return clusterNodes({ controlPlanes, workers }).map((node) => node.name);
}

/**
 * Loads and checks a scenario file: YAML syntax, the schema, then what the schema cannot say (nodes
 * that exist, profiles that load, consistent profile names). Problems are collected and thrown
 * together as one InputError, each at file:line:col.
 */
export function loadScenario(file: string, root: ReferenceRoot = false, given?: YamlFile): LoadedScenario {
  const yaml = given ?? parseYamlFile(readTextFile(file), file);
  const parsed = scenarioSchema.safeParse(yaml.value, { error: scenarioErrorMap });
  if (!parsed.success) throw new InputError(scenarioDiagnostics(yaml, parsed.error.issues));
  return resolveScenario(yaml, parsed.data, root);
}

function resolveScenario(yaml: YamlFile, data: ScenarioFile, root: ReferenceRoot): LoadedScenario {
  const bag = new DiagnosticBag();
  const file = yaml.file;
  const dir = dirname(file);
  const workerPools = checkWorkerPools(yaml, data.cluster, bag);
  const workers = workerPools
    ? workerPools.reduce((sum, pool) => sum + pool.workers, 0)
    : (data.cluster.workers ?? 0);
  const nodes = clusterNodes({
    controlPlanes: data.cluster.controlPlanes,
    workers,
    ...(workerPools ? { workerPools } : {}),
  }).map((node) => node.name);
  const known = new Set(nodes);
  // The message follows the dotted path (`expect.order[1]: …`), which already says what names the node.
  const checkNode = (name: string, path: YamlPath) => {
    if (!known.has(name)) {
      bag.add(
        diagnosticAt(
          yaml,
          path,
          `this cluster has no node "${name}" (its nodes are ${describeNodes(nodes)})`,
        ),
      );
    }
  };

  const { load: loadAt, profiles } = profileLoader(yaml, bag, data.variables, root);

  const initial = loadAt(data.profile, ["profile"]);

  const events: ScenarioEvent[] = [];
  data.events.forEach((event, index) => {
    // The schema already checked that `at` parses.
    const at = parseDuration(event.at) ?? 0;
    if ("update" in event) {
      const profile = loadAt(event.update, ["events", index, "update"]);
      if (profile) events.push({ at, type: "update", profile: profile.name, index });
    } else if ("kubernetes" in event) {
      events.push({ at, type: "kubernetes", state: event.kubernetes, index });
    } else if ("node" in event) {
      checkNode(event.node, ["events", index, "node"]);
      events.push({ ...nodeFailEvent(at, event), index });
    } else if ("recover" in event) {
      checkNode(event.recover, ["events", index, "recover"]);
      if (!data.cluster.abPartitions || data.cluster.abFallback === "rejoin")
        bag.add(
          diagnosticAt(
            yaml,
            ["events", index, "recover"],
            "only a node that fell back and waits for an operator can be recovered: needs cluster.abPartitions: true (and abFallback: operator, the default)",
          ),
        );
      events.push({ at, type: "operator-recover", node: event.recover, index });
    } else if ("pool" in event) {
      if (!workerPools?.some((pool) => pool.name === event.pool)) {
        const names = workerPools?.map((pool) => pool.name).join(", ");
        bag.add(
          diagnosticAt(
            yaml,
            ["events", index, "pool"],
            names
              ? `pool "${event.pool}" is not a worker pool of this cluster (${names})`
              : `pool "${event.pool}": this cluster has no workerPools`,
          ),
        );
      }
      events.push({
        at,
        type: "pool-toggle",
        pool: event.pool,
        skipWorkerUpdate: event.skipWorkerUpdate,
        index,
      });
    } else {
      events.push({ at, type: "agent-restart", index });
    }
  });
  // Array.prototype.sort is stable, so same-time events keep file order.
  events.sort((a, b) => a.at - b.at);

  const expect = data.expect;
  expect.order?.forEach((name, i) => {
    checkNode(name, ["expect", "order", i]);
  });
  if (expect.order && new Set(expect.order).size !== expect.order.length) {
    bag.add(diagnosticAt(yaml, ["expect", "order"], "expect.order names a node twice"));
  }
  for (const name of Object.keys(expect.actions ?? {})) {
    checkNode(name, ["expect", "actions", name]);
  }
  for (const [name, end] of Object.entries(expect.nodes ?? {})) {
    checkNode(name, ["expect", "nodes", name]);
    for (const key of ["activeImage", "passiveImage"] as const) {
      if (end[key] !== undefined && !data.cluster.abPartitions) {
        bag.add(
          diagnosticAt(
            yaml,
            ["expect", "nodes", name, key],
            `expect.nodes.${name}.${key} needs cluster.abPartitions: true (without it a node has one image, osImage)`,
          ),
        );
      }
    }
  }
  if (expect.failedNode !== undefined) checkNode(expect.failedNode, ["expect", "failedNode"]);
  if (expect.finalProfile !== undefined && !profiles.has(expect.finalProfile) && bag.size === 0) {
    bag.add(
      diagnosticAt(
        yaml,
        ["expect", "finalProfile"],
        `no profile of this scenario is named "${expect.finalProfile}" (known: ${[...profiles.keys()].join(", ")})`,
      ),
    );
  }
  let durationBounds: LoadedScenario["durationBounds"];
  if (expect.duration) {
    const minMs = parseDuration(expect.duration.min);
    const maxMs = parseDuration(expect.duration.max);
    durationBounds = {
      ...(expect.duration.min !== undefined && minMs !== undefined ? { minMs } : {}),
      ...(expect.duration.max !== undefined && maxMs !== undefined ? { maxMs } : {}),
    };
    if (minMs !== undefined && maxMs !== undefined && expect.duration.min !== undefined && minMs > maxMs) {
      bag.add(diagnosticAt(yaml, ["expect", "duration"], "expect.duration: min is greater than max"));
    }
  }

  const timelineFile =
    expect.timeline === undefined
      ? undefined
      : isAbsolute(expect.timeline)
        ? expect.timeline
        : join(dir, expect.timeline);
  const timelineOutside = timelineFile === undefined ? undefined : outsideRoot(timelineFile, root);
  if (timelineOutside) {
    bag.add(
      diagnosticAt(
        yaml,
        ["expect", "timeline"],
        `golden timeline ${JSON.stringify(expect.timeline)} ${timelineOutside}`,
      ),
    );
  }

  if (data.cluster.abFallback !== undefined && !data.cluster.abPartitions)
    bag.add(
      diagnosticAt(
        yaml,
        ["cluster", "abFallback"],
        "needs cluster.abPartitions: true (only a node with A/B partitions falls back)",
      ),
    );
  const twoNode = checkTwoNode(yaml, data, bag, initial);
  const timings = timingsOf(data, yaml, bag);
  bag.throwIfAny();
  if (!initial) throw new InputError([diagnosticAt(yaml, ["profile"], "initial profile did not load")]);

  return {
    name: data.name,
    file,
    ...(data.description !== undefined ? { description: data.description } : {}),
    ...(data.seed !== undefined ? { seed: data.seed } : {}),
    controlPlanes: data.cluster.controlPlanes,
    workers,
    ...(workerPools ? { workerPools } : {}),
    ...(data.cluster.maxUnavailable !== undefined ? { maxUnavailable: data.cluster.maxUnavailable } : {}),
    ...(data.cluster.retries !== undefined ? { retries: data.cluster.retries } : {}),
    ...(data.cluster.abPartitions !== undefined ? { abPartitions: data.cluster.abPartitions } : {}),
    ...(data.cluster.abFallback !== undefined ? { abFallback: data.cluster.abFallback } : {}),
    ...(twoNode ? { twoNode } : {}),
    timings,
    nodes,
    rke2Quirk: data.rke2Quirk ?? true,
    ...(data.cluster.mode !== undefined ? { mode: data.cluster.mode } : {}),
    initialProfile: initial.name,
    profiles,
    events,
    expect,
    ...(durationBounds ? { durationBounds } : {}),
    ...(timelineFile !== undefined ? { timelineFile } : {}),
  };
}

/**
 * `cluster.twoNode` (Two-Node Architecture § Limitations): exactly two control planes and no agent mode;
 * systemd extensions § Two-Node Cluster Considerations: no sysext. The distribution is checked by the
 * simulation against the initial profile, and each update is refused when published. `expect.writeOutage`
 * needs a two-node cluster.
 */
function checkTwoNode(
  yaml: YamlFile,
  data: ScenarioFile,
  bag: DiagnosticBag,
  initial: { name: string; distribution: Distribution } | undefined,
): TwoNode | undefined {
  const given = data.cluster.twoNode;
  if (given === undefined || given === false) {
    if (data.expect.writeOutage !== undefined)
      bag.add(
        diagnosticAt(
          yaml,
          ["expect", "writeOutage"],
          "needs cluster.twoNode: true (only a two-node cluster has a leader whose outage stops writes)",
        ),
      );
    return undefined;
  }
  for (const problem of twoNodeProblems({
    controlPlanes: data.cluster.controlPlanes,
    mode: data.cluster.mode,
    distribution: initial,
  }))
    bag.add(diagnosticAt(yaml, ["cluster", problem.key], problem.message));
  const bounds = data.expect.writeOutage;
  if (bounds?.min !== undefined && bounds.max !== undefined) {
    const min = parseDuration(bounds.min);
    const max = parseDuration(bounds.max);
    if (min !== undefined && max !== undefined && min > max)
      bag.add(diagnosticAt(yaml, ["expect", "writeOutage"], "min is greater than max"));
  }
  return { leader: given === true ? DEFAULT_TWO_NODE_LEADER : given.leader };
}

/**
 * `cluster.workers` or `cluster.workerPools`, exactly one; pool names unique (they name the nodes) and the
 * pools' total within the worker limit. Returns the pools (undefined for a `workers:` cluster).
 */
function checkWorkerPools(
  yaml: YamlFile,
  cluster: ScenarioFile["cluster"],
  bag: DiagnosticBag,
): WorkerPool[] | undefined {
  const pools = cluster.workerPools;
  if (pools && cluster.workers !== undefined) {
    bag.add(
      diagnosticAt(
        yaml,
        ["cluster", "workerPools"],
        "cluster has both workers and workerPools: give one (pools name their nodes <pool>-1..)",
      ),
    );
  }
  if (!pools) {
    if (cluster.workers === undefined)
      bag.add(diagnosticAt(yaml, ["cluster"], "cluster needs workers: N or workerPools: [...]"));
    return undefined;
  }
  const seen = new Set<string>();
  pools.forEach((pool, i) => {
    if (seen.has(pool.name))
      bag.add(
        diagnosticAt(yaml, ["cluster", "workerPools", i, "name"], `pool "${pool.name}" is named twice`),
      );
    seen.add(pool.name);
  });
  const total = pools.reduce((sum, pool) => sum + pool.workers, 0);
  if (total > MAX_WORKERS) {
    bag.add(
      diagnosticAt(
        yaml,
        ["cluster", "workerPools"],
        `the pools have ${total} workers in all; at most ${MAX_WORKERS}`,
      ),
    );
  }
  return pools.map((pool) => ({
    name: pool.name,
    workers: pool.workers,
    ...(pool.skipWorkerUpdate !== undefined ? { skipWorkerUpdate: pool.skipWorkerUpdate } : {}),
  }));
}

/**
 * Loads the profiles a file names, each file once, reporting problems into `bag` at the reference's
 * line:col. Two files must not claim the same profile name, as the simulation knows profiles by name.
 */
export function profileLoader(
  yaml: YamlFile,
  bag: DiagnosticBag,
  rawVariables: Record<string, string | number | boolean> | undefined,
  root: ReferenceRoot = false,
  /** Profiles the caller read already (without variables), by file: not read again. */
  read?: ReadonlyMap<string, Profile>,
): {
  /** `bundled`: one of edgesim's own profiles (a fleet plan's default base), read wherever the root is. */
  load: (reference: string, path: YamlPath, bundled?: "bundled") => Profile | undefined;
  profiles: Map<string, SimProfile>;
} {
  const dir = dirname(yaml.file);
  const variables = rawVariables
    ? Object.fromEntries(Object.entries(rawVariables).map(([key, value]) => [key, String(value)]))
    : undefined;
  const byFile = new Map<string, Profile | undefined>();
  const profiles = new Map<string, SimProfile>();
  const fileOfName = new Map<string, string>();
  // A fleet asks once per site: each reference's file is worked out once.
  const fileOfReference = new Map<string, string>();
  const load = (reference: string, path: YamlPath, bundled?: "bundled"): Profile | undefined => {
    let profileFile = fileOfReference.get(reference);
    if (profileFile === undefined) {
      profileFile = isAbsolute(reference) ? reference : join(dir, reference);
      fileOfReference.set(reference, profileFile);
    }
    if (byFile.has(profileFile)) return byFile.get(profileFile);
    const outside = bundled ? undefined : outsideRoot(profileFile, root);
    if (outside) {
      // Nothing of the file is read, so nothing of it can be echoed.
      bag.add(diagnosticAt(yaml, path, `profile ${JSON.stringify(reference)} ${outside}`));
      byFile.set(profileFile, undefined);
      return undefined;
    }
    let profile: Profile | undefined;
    let loaded: SimProfile | undefined;
    try {
      profile =
        (variables === undefined ? read?.get(profileFile) : undefined) ??
        loadProfileFile(profileFile, variables ? { variables } : undefined);
      // The drain policy is read now so that a bad `pack.drain` is reported with the other problems.
      loaded = simProfile(profile);
    } catch (error) {
      if (!isInputError(error)) throw error;
      const first = error.diagnostics[0]?.message ?? "cannot load";
      bag.add(diagnosticAt(yaml, path, `profile ${profileFile} does not load: ${first}`));
      // A problem with no place in the profile (a missing or unreadable file) is said in full above, at
      // the reference; repeating it would be a message that points nowhere.
      for (const d of error.diagnostics) if (d.line !== undefined || d.path !== undefined) bag.add(d);
      profile = undefined;
    }
    byFile.set(profileFile, profile);
    if (profile && loaded) {
      const other = fileOfName.get(profile.name);
      if (other !== undefined && other !== profileFile) {
        bag.add(
          diagnosticAt(
            yaml,
            path,
            `profile name "${profile.name}" is used by both ${other} and ${profileFile}`,
          ),
        );
      } else {
        fileOfName.set(profile.name, profileFile);
        profiles.set(profile.name, loaded);
      }
    }
    return profile;
  };
  return { load, profiles };
}

function timingsOf(data: ScenarioFile, yaml: YamlFile, bag: DiagnosticBag): Partial<Timings> {
  return parseTimings(data.cluster.timings, (path, message) =>
    bag.add(diagnosticAt(yaml, ["cluster", "timings", ...path], message)),
  );
}

export { parseTimings };

/** `{ at, node, fail, times? }` as the simulation's event; scenarios and fleet clusters share it. */
export function nodeFailEvent(
  at: number,
  event: { node: string; fail: NodeAction | "any"; times?: number | undefined },
): Extract<SimInputEvent, { type: "node-fail" }> {
  return {
    at,
    type: "node-fail",
    node: event.node,
    action: event.fail,
    ...(event.times !== undefined ? { times: event.times } : {}),
  };
}

export function describeNodes(nodes: string[]): string {
  const counts = new Map<string, number>();
  for (const node of nodes) {
    const prefix = node.slice(0, node.lastIndexOf("-"));
    counts.set(prefix, (counts.get(prefix) ?? 0) + 1);
  }
  const range = (prefix: string, n: number) => (n === 1 ? `${prefix}-1` : `${prefix}-1..${prefix}-${n}`);
  return [...counts].map(([prefix, n]) => range(prefix, n)).join(", ");
}
