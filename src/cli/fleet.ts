import { isAbsolute, resolve as resolvePath } from "node:path";
import { InvalidArgumentError } from "commander";
import { bundledProfiles, loadFleetPlan, loadFleetPlanYaml } from "../fleet/load.js";
import {
  clusterCsv,
  clusterNdjson,
  evaluatePlanExpectations,
  planJson,
  planTextPieces,
} from "../fleet/output.js";
import { runFleetPlan } from "../fleet/run.js";
import { loadProfileFile } from "../profile/file.js";
import { InputError } from "../shared/diagnostics.js";
import { writeOutputStream } from "../shared/files.js";
import { jsonChunks } from "../shared/json.js";
import { parseYamlFile } from "../shared/yaml.js";
import { EXIT, EXIT_HELP, exitCodeHelp, type Io, writePieces } from "./io.js";
import type { Register } from "./main.js";
import { parseSeed, userPath } from "./run.js";

interface FleetCommandOptions {
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
}

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1)
    throw new InvalidArgumentError("expected a whole number ≥ 1");
  return Number(value);
}

export const registerFleet: Register = (program, io, setExit) => {
  program
    .command("fleet")
    .description("Plan a fleet rollout: waves, maintenance windows, image downloads and risk over many sites")
    .argument("[file]", "Fleet plan file (YAML with inventory: and strategy:)")
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
    .option("--clusters-ndjson <file>", "Write one JSON line per site (first trial)")
    .addHelpText(
      "after",
      exitCodeHelp([
        EXIT_HELP.ok("every expectation holds (a file without expect: the rollout converged)"),
        EXIT_HELP.inputError,
        {
          code: EXIT.notPassed,
          meaning: "an expectation failed (without expect: the rollout did not converge)",
        },
      ]),
    )
    .action((file: string | undefined, options: FleetCommandOptions) => {
      const loadOptions = {
        ...(options.start !== undefined ? { start: options.start } : {}),
        ...(options.seed !== undefined ? { seed: options.seed } : {}),
        ...(options.trials !== undefined ? { trials: options.trials } : {}),
      };
      let plan: ReturnType<typeof loadFleetPlan>;
      if (file !== undefined) {
        if (options.clusters !== undefined || options.update !== undefined)
          throw new InputError([
            { file: "--clusters", message: "give a fleet file or --clusters/--update, not both" },
          ]);
        plan = loadFleetPlan(userPath(io, file), loadOptions);
      } else {
        if (options.clusters === undefined || options.update === undefined)
          throw new InputError([
            {
              file: "edgesim fleet",
              message: "give a fleet file, or --clusters N --update PROFILE for a what-if",
            },
          ]);
        plan = loadFleetPlanYaml(parseYamlFile(whatIfYaml(io, options), "<what-if>"), loadOptions);
      }
      const progress =
        !options.quiet && !options.json && io.isTTY && process.stderr.isTTY ? progressBar(io) : undefined;
      const run = runFleetPlan(plan, progress);
      if (progress) io.stderr("\r\u001b[K");
      const expectations = evaluatePlanExpectations(run);
      // Files first, each streamed to a temporary file renamed over the target; then stdout, streamed.
      if (options.clustersCsv)
        writeOutputStream(
          { file: userPath(io, options.clustersCsv), option: "--clusters-csv" },
          clusterCsv(run),
        );
      if (options.clustersNdjson)
        writeOutputStream(
          { file: userPath(io, options.clustersNdjson), option: "--clusters-ndjson" },
          clusterNdjson(run),
        );
      writePieces(
        io.stdout,
        options.json ? jsonChunks(planJson(run, expectations)) : planTextPieces(run, expectations),
      );
      const ok =
        expectations.length > 0
          ? expectations.every((e) => e.passed)
          : run.strategies.every((s) => s.first.result === "converged");
      setExit(ok ? EXIT.ok : EXIT.notPassed);
    });
};

function progressBar(io: Io): (done: number, total: number) => void {
  return (done, total) => {
    const width = 30;
    const filled = Math.round((done / total) * width);
    io.stderr(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} trial(s)`);
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
