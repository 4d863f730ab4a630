import { isAbsolute, resolve as resolvePath } from "node:path";
import { loadAnyFleetPlan } from "../fleet/file.js";
import { bundledProfiles, type LoadedFleetPlan, loadFleetPlanYaml } from "../fleet/load.js";
import { Predictions } from "../fleet/map.js";
import { mapSites, threadsFor } from "../fleet/outcomes.js";
import {
  clusterCsv,
  clusterNdjson,
  evaluatePlanExpectations,
  planJson,
  planTextPieces,
} from "../fleet/output.js";
import { partFileIn, writePartExclusive } from "../fleet/part-out.js";
import { type FleetPlanRun, type ProgressSink, runFleetPlan, runFleetPlanOnThreads } from "../fleet/run.js";
import { parseShard, partFiles, partPieces, readParts, shardSites } from "../fleet/shard.js";
import { withTimingsFile } from "../fleet/timings.js";
import { loadProfileFile } from "../profile/file.js";
import { cachedPlanner } from "../rules/plan-cache.js";
import { loadTimingsFile } from "../scenario/timings-file.js";
import { InputError } from "../shared/diagnostics.js";
import { defaultRoot, writeOutputStream } from "../shared/files.js";
import { jsonChunks } from "../shared/json.js";
import { parseYamlFile } from "../shared/yaml.js";
import { fileArgument } from "./argument.js";
import { outputColours } from "./colour.js";
import type { FleetCommandOptions } from "./fleet-options.js";
import { EXIT, type Io, writePieces } from "./io.js";
import { referenceRoot, userPath } from "./options.js";
import { progressBar } from "./progress.js";

/** What `edgesim fleet [FILE]` does, loaded only when it runs (`fleet --help` needs none of it). */
export async function fleetCommand(
  io: Io,
  setExit: (code: number) => void,
  file: string | undefined,
  options: FleetCommandOptions,
): Promise<void> {
  const plan = loadPlan(io, file, options, "fleet");
  if (options.shard !== undefined || options.out !== undefined) {
    if (options.shard === undefined || options.out === undefined)
      throw new InputError([{ file: "--shard", message: "--shard and --out go together" }]);
    const shard = parseShard(options.shard);
    const sites = shardSites(plan, shard);
    const threads = options.threads ?? threadsFor(plan, sites.length);
    const planner = cachedPlanner({ rke2Quirk: plan.rke2Quirk });
    const predictions = new Predictions(plan, planner);
    const store = await mapSites(
      plan,
      sites,
      (s) => predictions.of(plan.sites[s] as LoadedFleetPlan["sites"][number]).durationMs,
      { threads, planner },
    );
    const out = partFileIn(userPath(io, options.out), shard);
    writePartExclusive(out, partPieces(plan, shard, store, sites.length));
    io.stdout(
      `shard ${shard.index}/${shard.count}: ${sites.length} of ${plan.sites.length} site(s) × ${plan.trials} trial(s) → ${out}\n`,
    );
    setExit(EXIT.ok);
    return;
  }
  await rollPlan(io, setExit, plan, options);
}

/** Rolls a loaded plan (on threads when it pays) and prints it: `edgesim fleet FILE`, and `run` given a plan. */
export async function rollPlan(
  io: Io,
  setExit: (code: number) => void,
  plan: LoadedFleetPlan,
  options: FleetCommandOptions,
): Promise<void> {
  const progress = progressOf(io, options);
  const threads = options.threads ?? threadsFor(plan);
  const run = await runFleetPlanOnThreads(plan, { threads, ...(progress ? { progress } : {}) });
  if (progress) io.stderr("\r\u001b[K");
  setExit(printRun(io, run, options));
}

/** What `edgesim fleet merge [FILE] PARTS...` does; `options` are the merged options of both commands. */
export function fleetMergeCommand(
  io: Io,
  setExit: (code: number) => void,
  inputs: string[],
  options: FleetCommandOptions,
): void {
  // The fleet's own arguments first: a YAML file; the rest are parts (files or folders).
  const first = inputs[0];
  const hasFile = first !== undefined && /\.ya?ml$/i.test(first);
  const file = hasFile ? first : undefined;
  const parts = (hasFile ? inputs.slice(1) : inputs).map((p) => userPath(io, p));
  if (parts.length === 0)
    throw new InputError([{ file: "edgesim fleet merge", message: "give the part files (or their folder)" }]);
  const plan = loadPlan(io, file, options, "fleet merge");
  const store = readParts(plan, partFiles(parts));
  const run = runFleetPlan(plan, undefined, {
    store,
    missing: (trial, s) =>
      new InputError([
        {
          file: parts[0] as string,
          message: `site ${plan.sites[s]?.name} (trial ${trial}) is in none of the parts: were they made with this strategy?`,
        },
      ]),
  });
  setExit(printRun(io, run, options));
}

function loadPlan(
  io: Io,
  file: string | undefined,
  options: FleetCommandOptions,
  command: string,
): LoadedFleetPlan {
  const plan = loadPlanFile(io, file, options, command);
  return options.timings !== undefined ? withTimingsOption(io, plan, options.timings) : plan;
}

/** `--timings FILE` (what `edgesim calibrate -o` writes) over a loaded plan: `fleet`, and `run` given a plan. */
export function withTimingsOption(io: Io, plan: LoadedFleetPlan, given: string): LoadedFleetPlan {
  const file = loadTimingsFile(userPath(io, given));
  return withTimingsFile(plan, file, given, cachedPlanner({ rke2Quirk: plan.rke2Quirk }));
}

function loadPlanFile(
  io: Io,
  file: string | undefined,
  options: FleetCommandOptions,
  command: string,
): LoadedFleetPlan {
  const loadOptions = {
    ...(options.start !== undefined ? { start: options.start } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.trials !== undefined ? { trials: options.trials } : {}),
  };
  if (file !== undefined) {
    if (options.clusters !== undefined || options.update !== undefined)
      throw new InputError([
        { file: "--clusters", message: "give a fleet file or --clusters/--update, not both" },
      ]);
    const { file: path, kind, yaml } = fileArgument(io, file, command, ["fleet-plan", "fleet"]);
    return loadAnyFleetPlan(
      path,
      kind === "fleet" ? "fleet" : "fleet-plan",
      { ...loadOptions, root: referenceRoot(io, options, defaultRoot(io.cwd, path)) },
      yaml,
    );
  }
  if (options.clusters === undefined || options.update === undefined)
    throw new InputError([
      {
        file: "edgesim fleet",
        message: "give a fleet file, or --clusters N --update PROFILE for a what-if",
      },
    ]);
  // The what-if's profiles are named on the command line, not by a file: no root applies.
  return loadFleetPlanYaml(parseYamlFile(whatIfYaml(io, options), "<what-if>"), {
    ...loadOptions,
    root: false,
  });
}

/** Files first, each streamed to a temporary file renamed over the target; then stdout, streamed. */
function printRun(io: Io, run: FleetPlanRun, options: FleetCommandOptions): number {
  const expectations = evaluatePlanExpectations(run);
  if (options.clustersCsv)
    writeOutputStream({ file: userPath(io, options.clustersCsv), option: "--clusters-csv" }, clusterCsv(run));
  if (options.clustersNdjson)
    writeOutputStream(
      { file: userPath(io, options.clustersNdjson), option: "--clusters-ndjson" },
      clusterNdjson(run),
    );
  writePieces(
    io.stdout,
    options.json
      ? jsonChunks(planJson(run, expectations))
      : planTextPieces(run, expectations, outputColours(io, options)),
  );
  const ok =
    expectations.length > 0
      ? expectations.every((e) => e.passed)
      : run.strategies.every((s) => s.first.result === "converged");
  return ok ? EXIT.ok : EXIT.notPassed;
}

/** The bar goes to stderr: it needs stderr (alone) to be a terminal; stdout may be a file or a pipe. */
function progressOf(io: Io, options: FleetCommandOptions): ProgressSink | undefined {
  return !options.quiet && !options.json && io.stderrIsTTY ? progressBar(io.stderr) : undefined;
}

/** A generated fleet as a plan file: one wave of 10 % canary, then the rest. */
function whatIfYaml(io: Io, options: FleetCommandOptions): string {
  const abs = (p: string) => (isAbsolute(p) ? p : resolvePath(io.cwd, p));
  const update = abs(options.update as string);
  const from =
    options.from !== undefined
      ? abs(options.from)
      : `${bundledProfiles()}${loadProfileFile(update).distribution}-base.yaml`;
  const shape = options.shape ?? "1+3";
  if (!/^\s*\d+\s*\+\s*\d+\s*$/.test(shape))
    throw new InputError([
      { file: "--shape", message: `expected CONTROL_PLANES+WORKERS (e.g. 1+3), got "${shape}"` },
    ]);
  const clusters = options.clusters as number;
  const canary = Math.max(1, Math.round(clusters / 100));
  return [
    "name: what-if",
    `update: ${JSON.stringify(update)}`,
    `from: ${JSON.stringify(from)}`,
    `cluster: { shape: ${JSON.stringify(shape)} }`,
    `inventory: { generate: { clusters: ${clusters} } }`,
    "strategy:",
    "  waves:",
    `    - { name: canary, count: ${canary}, concurrency: ${Math.min(canary, 10)}, failureBudget: 0 }`,
    `    - { name: rest, rest: true, concurrency: ${Math.max(1, Math.min(100, Math.ceil(clusters / 10)))}, failureBudget: 2% }`,
    "",
  ].join("\n");
}
