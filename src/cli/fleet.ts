import { statSync } from "node:fs";
import { isAbsolute, join, resolve as resolvePath } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { bundledProfiles, type LoadedFleetPlan, loadFleetPlan, loadFleetPlanYaml } from "../fleet/load.js";
import { Predictions } from "../fleet/map.js";
import { defaultThreads, mapSites } from "../fleet/outcomes.js";
import {
  clusterCsv,
  clusterNdjson,
  evaluatePlanExpectations,
  planJson,
  planTextPieces,
} from "../fleet/output.js";
import { type FleetPlanRun, type ProgressSink, runFleetPlan, runFleetPlanOnThreads } from "../fleet/run.js";
import { parseShard, partFiles, partPieces, readParts, type Shard, shardSites } from "../fleet/shard.js";
import { loadProfileFile } from "../profile/file.js";
import { cachedPlanner } from "../rules/plan-cache.js";
import { InputError } from "../shared/diagnostics.js";
import { writeOutputStream } from "../shared/files.js";
import { jsonChunks } from "../shared/json.js";
import { parseYamlFile } from "../shared/yaml.js";
import { addColourOptions, outputColours } from "./colour.js";
import { EXIT, EXIT_HELP, exitCodeHelp, type Io, writePieces } from "./io.js";
import type { Register } from "./main.js";
import { parseSeed, userPath } from "./run.js";

interface FleetCommandOptions {
  color?: boolean;
  trials?: number;
  start?: string;
  json?: boolean;
  quiet?: boolean;
  seed?: number;
  clusters?: number;
  update?: string;
  from?: string;
  shape?: string;
  clustersCsv?: string;
  clustersNdjson?: string;
  threads?: number;
  shard?: string;
  out?: string;
}

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1)
    throw new InvalidArgumentError("expected a whole number ≥ 1");
  return Number(value);
}

/** The options `fleet` and `fleet merge` share: what the fleet is and what is printed. */
function fleetOptions(command: Command): Command {
  return addColourOptions(command)
    .option(
      "--trials <n>",
      "Run the rollout N times with derived seeds and report distributions",
      positiveInt,
    )
    .option("--start <date-time>", "When the rollout starts, e.g. 2026-12-07T00:00Z (default: the file's)")
    .option("--seed <n>", "Seed (default: the file's, else 1)", parseSeed)
    .option("--json", "Print one JSON object (summary, waves, risk, expectations)")
    .option("-q, --quiet", "No progress bar")
    .option("--clusters <n>", "What-if without a file: a generated fleet of N sites", positiveInt)
    .option("--update <profile>", "What-if: the profile rolled out")
    .option(
      "--from <profile>",
      "What-if: the sites' current profile (default: the bundled base of the update's distribution)",
    )
    .option("--shape <cp+w>", "What-if: control planes + workers per site (default 1+3)")
    .option("--clusters-csv <file>", "Write one row per site (first trial) as CSV")
    .option("--clusters-ndjson <file>", "Write one JSON line per site (first trial)");
}

const EXIT_CODES = exitCodeHelp([
  EXIT_HELP.ok("every expectation holds (a file without expect: the rollout converged)"),
  EXIT_HELP.inputError,
  {
    code: EXIT.notPassed,
    meaning: "an expectation failed (without expect: the rollout did not converge)",
  },
]);

export const registerFleet: Register = (program, io, setExit) => {
  const fleet = fleetOptions(
    program
      .command("fleet")
      .description(
        "Plan a fleet rollout: waves, maintenance windows, image downloads and risk over many sites",
      )
      .argument("[file]", "Fleet plan file (YAML with inventory: and strategy:)"),
  )
    .option(
      "--threads <n>",
      `Worker threads simulating sites (default: the available cores, ${defaultThreads()} here; 1 = in this process)`,
      positiveInt,
    )
    .option(
      "--shard <i/n>",
      "Simulate only shard I of N (0-based; I from JOB_COMPLETION_INDEX when set) and write its part to --out",
    )
    .option("--out <file|dir>", "With --shard: the part file to write (a folder: part-I-of-N.ndjson in it)")
    .addHelpText(
      "after",
      `${EXIT_CODES}\nShards: \`edgesim fleet FILE --shard I/N --out DIR\` on N machines, then\n\`edgesim fleet merge FILE DIR\` prints what one process would have printed.\n`,
    )
    .action(async (file: string | undefined, options: FleetCommandOptions) => {
      const plan = loadPlan(io, file, options);
      const threads = options.threads ?? defaultThreads();
      if (options.shard !== undefined || options.out !== undefined) {
        if (options.shard === undefined || options.out === undefined)
          throw new InputError([{ file: "--shard", message: "--shard and --out go together" }]);
        const shard = parseShard(options.shard);
        const sites = shardSites(plan, shard);
        const planner = cachedPlanner({ rke2Quirk: plan.rke2Quirk });
        const predictions = new Predictions(plan, planner);
        const store = await mapSites(
          plan,
          sites,
          (s) => predictions.of(plan.sites[s] as LoadedFleetPlan["sites"][number]).durationMs,
          { threads, planner },
        );
        const out = partPath(userPath(io, options.out), shard);
        writeOutputStream({ file: out, option: "--out" }, partPieces(plan, shard, store, sites.length));
        io.stdout(
          `shard ${shard.index}/${shard.count}: ${sites.length} of ${plan.sites.length} site(s) × ${plan.trials} trial(s) → ${out}\n`,
        );
        setExit(EXIT.ok);
        return;
      }
      const progress = progressOf(io, options);
      const run = await runFleetPlanOnThreads(plan, { threads, ...(progress ? { progress } : {}) });
      if (progress) io.stderr("\r\u001b[K");
      setExit(printRun(io, run, options));
    });

  fleetOptions(
    fleet
      .command("merge")
      .description("Merge the parts written by `fleet --shard` and print what one process would have printed")
      .argument(
        "<inputs...>",
        "The fleet file (as given to the shards; none for a --clusters what-if), then part files or folders of them",
      ),
  )
    .addHelpText("after", EXIT_CODES)
    .action((inputs: string[], _options: FleetCommandOptions, command: Command) => {
      // `fleet` knows the same options; whichever command commander gave one to, it counts.
      const options = command.optsWithGlobals() as FleetCommandOptions;
      // The fleet's own arguments first: a YAML file; the rest are parts (files or folders).
      const first = inputs[0];
      const hasFile = first !== undefined && /\.ya?ml$/i.test(first);
      const file = hasFile ? first : undefined;
      const parts = (hasFile ? inputs.slice(1) : inputs).map((p) => userPath(io, p));
      if (parts.length === 0)
        throw new InputError([
          { file: "edgesim fleet merge", message: "give the part files (or their folder)" },
        ]);
      const plan = loadPlan(io, file, options);
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
    });
};

function loadPlan(io: Io, file: string | undefined, options: FleetCommandOptions): LoadedFleetPlan {
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
    return loadFleetPlan(userPath(io, file), loadOptions);
  }
  if (options.clusters === undefined || options.update === undefined)
    throw new InputError([
      {
        file: "edgesim fleet",
        message: "give a fleet file, or --clusters N --update PROFILE for a what-if",
      },
    ]);
  return loadFleetPlanYaml(parseYamlFile(whatIfYaml(io, options), "<what-if>"), loadOptions);
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

/** `--out DIR` names the part after the shard; `--out FILE` is the part itself. */
function partPath(out: string, shard: Shard): string {
  let isDir = false;
  try {
    isDir = statSync(out).isDirectory();
  } catch {
    // A new file.
  }
  return isDir ? join(out, `part-${shard.index}-of-${shard.count}.ndjson`) : out;
}

function progressOf(io: Io, options: FleetCommandOptions): ProgressSink | undefined {
  return !options.quiet && !options.json && io.isTTY && process.stderr.isTTY ? progressBar(io) : undefined;
}

function progressBar(io: Io): ProgressSink {
  return (done, total, unit) => {
    const width = 30;
    const filled = Math.round((done / total) * width);
    io.stderr(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} ${unit}`);
  };
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
