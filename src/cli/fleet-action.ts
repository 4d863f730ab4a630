import { isAbsolute, resolve as resolvePath } from "node:path";
import {
  clusterCsv,
  clusterNdjson,
  type FleetOverrides,
  type FleetPlanRun,
  type FleetSource,
  fleetVerdict,
  type LoadedFleetPlan,
  loadFleetSource,
  type OutcomeSource,
  planJson,
  planTextPieces,
  rollFleet,
  withTimingsFromFile,
  writeShard,
} from "../fleet/orchestrate.js";
import { InputError } from "../shared/diagnostics.js";
import { defaultRoot, writeOutputStream } from "../shared/files.js";
import { jsonChunks } from "../shared/json.js";
import { plural } from "../shared/plural.js";
import { fileArgument, inputFile } from "./argument.js";
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
  if (options.shard === undefined && options.out === undefined && options.shardBy !== undefined)
    throw new InputError([{ file: "--shard-by", message: "goes with --shard and --out" }]);
  if (options.shard !== undefined || options.out !== undefined) {
    if (options.shard === undefined || options.out === undefined)
      throw new InputError([{ file: "--shard", message: "--shard and --out go together" }]);
    const written = await writeShard(plan, options.shard, userPath(io, options.out), {
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
      ...(options.shardBy !== undefined ? { by: options.shardBy } : {}),
    });
    const { index, count } = written.shard;
    const last = written.fromTrial + written.trials - 1;
    io.stdout(
      written.layout === "trials"
        ? `shard ${index}/${count}: ${written.trials === 1 ? `trial ${last}` : `trials ${written.fromTrial}–${last}`} of ${plan.trials} × ${plural(written.sites, "site")} → ${written.file}\n`
        : `shard ${index}/${count}: ${written.sites} of ${plural(plan.sites.length, "site")} × ${plural(plan.trials, "trial")} → ${written.file}\n`,
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
  const progress = !options.quiet && !options.json && io.stderrIsTTY ? progressBar(io.stderr) : undefined;
  const outcomes: OutcomeSource = {
    from: "threads",
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(progress ? { progress } : {}),
  };
  const run = await rollFleet(plan, outcomes);
  if (progress) io.stderr("\r\u001b[K");
  setExit(printRun(io, run, options));
}

/** What `edgesim fleet merge [FILE] PARTS...` does; `options` are the merged options of both commands. */
export async function fleetMergeCommand(
  io: Io,
  setExit: (code: number) => void,
  inputs: string[],
  options: FleetCommandOptions,
): Promise<void> {
  // The fleet's own arguments first: a YAML file; the rest are parts (files or folders).
  const first = inputs[0];
  const hasFile = first !== undefined && /\.ya?ml$/i.test(first);
  const file = hasFile ? first : undefined;
  const paths = (hasFile ? inputs.slice(1) : inputs).map((p) => userPath(io, p));
  if (paths.length === 0)
    throw new InputError([{ file: "edgesim fleet merge", message: "give the part files (or their folder)" }]);
  const plan = loadPlan(io, file, options, "fleet merge");
  setExit(printRun(io, await rollFleet(plan, { from: "parts", paths }), options));
}

function loadPlan(
  io: Io,
  file: string | undefined,
  options: FleetCommandOptions,
  command: "fleet" | "fleet merge",
): LoadedFleetPlan {
  const plan = loadFleetSource(fleetSource(io, file, options, command), overridesOf(options));
  return options.timings !== undefined
    ? withTimingsOption(io, plan, options.timings, "fleet --timings")
    : plan;
}

/** `--timings FILE` (what `edgesim calibrate -o` writes) over a loaded plan: `fleet`, and `run` given a plan. */
export function withTimingsOption(
  io: Io,
  plan: LoadedFleetPlan,
  given: string,
  name: "run --timings" | "fleet --timings",
): LoadedFleetPlan {
  return withTimingsFromFile(plan, inputFile(io, given, name), given);
}

function overridesOf(options: FleetCommandOptions): FleetOverrides {
  return {
    ...(options.start !== undefined ? { start: options.start } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.trials !== undefined ? { trials: options.trials } : {}),
  };
}

/** The fleet the arguments name: a file (a fleet plan or a fleet file), or a what-if. */
function fleetSource(
  io: Io,
  file: string | undefined,
  options: FleetCommandOptions,
  command: "fleet" | "fleet merge",
): FleetSource {
  if (file !== undefined) {
    if (options.clusters !== undefined || options.update !== undefined)
      throw new InputError([
        { file: "--clusters", message: "give a fleet file or --clusters/--update, not both" },
      ]);
    const { file: path, kind, yaml } = fileArgument(io, file, command);
    return {
      file: path,
      kind: kind === "fleet" ? "fleet" : "fleet-plan",
      root: referenceRoot(io, options, defaultRoot(io.cwd, path)),
      ...(yaml ? { yaml } : {}),
    };
  }
  if (options.clusters === undefined || options.update === undefined)
    throw new InputError([
      {
        file: "edgesim fleet",
        message: "give a fleet file, or --clusters N --update PROFILE for a what-if",
      },
    ]);
  const abs = (p: string) => (isAbsolute(p) ? p : resolvePath(io.cwd, p));
  return {
    whatIf: {
      clusters: options.clusters,
      update: abs(options.update),
      ...(options.from !== undefined ? { from: abs(options.from) } : {}),
      ...(options.shape !== undefined ? { shape: options.shape } : {}),
    },
  };
}

/** Files first, each streamed to a temporary file renamed over the target; then stdout, streamed. */
function printRun(io: Io, run: FleetPlanRun, options: FleetCommandOptions): number {
  const { expectations, passed } = fleetVerdict(run);
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
  return passed ? EXIT.ok : EXIT.notPassed;
}
