import { cachedPlanner } from "../rules/plan-cache.js";
import { loadTimingsFile } from "../scenario/timings-file.js";
import type { ReferenceRoot } from "../shared/files.js";
import type { YamlFile } from "../shared/yaml.js";
import { loadAnyFleetPlan } from "./file.js";
import type { LoadedFleetPlan } from "./load.js";
import { mapSites, type OutcomeSource } from "./outcomes.js";
import { partFileIn, writePartExclusive } from "./part-out.js";
import { prepareFleet } from "./prepare.js";
import { rollTrials } from "./run.js";
import {
  parseShard,
  type ShardLayout,
  shardLayout,
  shardSites,
  shardTrials,
  sitePartPieces,
  trialPartPieces,
} from "./shard.js";
import { withTimingsFile } from "./timings.js";
import { loadWhatIf, type WhatIf } from "./what-if.js";

/**
 * Fleet orchestration, the one way every command runs a fleet: what the fleet is (a fleet plan, a fleet
 * file or a what-if), and where its sites' outcomes come from (simulated in this process, on worker
 * threads, or read back from the parts shards wrote). The command line parses its options into these
 * values, calls one of the functions below and prints what it returns.
 */

/** Overrides of the command line, for any kind of fleet. */
export interface FleetOverrides {
  start?: string;
  seed?: number;
  trials?: number;
}

export type FleetSource =
  | { file: string; kind: "fleet" | "fleet-plan"; root: ReferenceRoot; yaml?: YamlFile }
  | { whatIf: WhatIf };

/** The fleet as a loaded fleet plan, whichever way it was given. */
export function loadFleetSource(source: FleetSource, overrides: FleetOverrides = {}): LoadedFleetPlan {
  const options = {
    ...(overrides.start !== undefined ? { start: overrides.start } : {}),
    ...(overrides.seed !== undefined ? { seed: overrides.seed } : {}),
    ...(overrides.trials !== undefined ? { trials: overrides.trials } : {}),
  };
  if ("whatIf" in source) return loadWhatIf(source.whatIf, options);
  return loadAnyFleetPlan(source.file, source.kind, { ...options, root: source.root }, source.yaml);
}

/** What one shard ran, and the part file it wrote. */
export interface ShardWritten {
  shard: { index: number; count: number };
  layout: ShardLayout;
  /** The sites simulated (sharded by site: the shard's own; by trial: every rolled site). */
  sites: number;
  /** The trials run (by trial: the shard's own, from `fromTrial`; by site: every trial). */
  trials: number;
  fromTrial: number;
  file: string;
}

/**
 * One shard of a fleet (`--shard I/N`, or the environment's index), sharded by trial or by site
 * (`by`, default by trial when there are at least as many trials as shards: see shard.ts), written as a
 * part file in the folder `out`, never over an existing one. A shard runs in this process unless given
 * `threads`: threads cost CPU to start, and N shards are N processes already.
 */
export async function writeShard(
  plan: LoadedFleetPlan,
  shardText: string,
  out: string,
  options: { threads?: number; by?: string } = {},
): Promise<ShardWritten> {
  const shard = parseShard(shardText);
  const layout = shardLayout(plan, shard, options.by);
  // The part's place first: a part that exists already is refused before anything is simulated.
  const file = partFileIn(out, shard);
  const prepared = prepareFleet(plan);
  const threads = options.threads ?? 1;
  if (layout === "trials") {
    const trials = shardTrials(plan.trials, shard);
    const source: OutcomeSource = threads > 1 ? { from: "threads", threads } : { from: "process" };
    const aggregate = await rollTrials(prepared, source, trials);
    writePartExclusive(file, trialPartPieces(plan, shard, trials, aggregate.piece()));
    const sites = prepared.rolled.length;
    return { shard, layout, sites, trials: trials.length, fromTrial: trials[0] ?? 0, file };
  }
  const sites = shardSites(prepared, shard);
  const store = await mapSites(prepared, sites, { threads });
  writePartExclusive(file, sitePartPieces(plan, shard, store, sites));
  return { shard, layout, sites: sites.length, trials: plan.trials, fromTrial: 0, file };
}

export { fleetVerdict } from "./expectations.js";
export { type FleetRun, runFleet } from "./file.js";
export type { LoadedFleetPlan } from "./load.js";
export type { OutcomeSource } from "./outcomes.js";
export { clusterCsv, clusterNdjson, planJson, planTextPieces } from "./output.js";
export { type SolvedPaths, solvePaths } from "./path-cost.js";
export type { FleetPlanRun, ProgressSink } from "./result.js";
export { rollFleet } from "./run.js";
export type { WhatIf } from "./what-if.js";

/** A timings file (what `edgesim calibrate -o` writes) over a loaded plan; `given` is how the user named it. */
export function withTimingsFromFile(plan: LoadedFleetPlan, path: string, given: string): LoadedFleetPlan {
  return withTimingsFile(plan, loadTimingsFile(path), given, cachedPlanner({ rke2Quirk: plan.rke2Quirk }));
}
