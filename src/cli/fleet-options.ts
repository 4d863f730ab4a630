import { type Command, InvalidArgumentError } from "commander";
import { addColourOptions } from "./colour-options.js";
import { EXIT, EXIT_HELP, exitCodeHelp } from "./io.js";
import { ALLOW_OUTSIDE_HELP, parseSeed, ROOT_HELP, type RootOptions } from "./options.js";

/* The options of `edgesim fleet`, shared by its registration (fleet.ts) and its action, which import this leaf. */
export interface FleetCommandOptions extends RootOptions {
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
  shardBy?: string;
  out?: string;
  timings?: string;
}

/**
 * The generated-fleet cap, MAX_GENERATED_SITES of src/fleet/limits.ts (which the file's schema reads), written
 * out here so that `fleet --help` loads nothing but this leaf; a test checks that the two agree.
 */
export const MAX_CLUSTERS_OPTION = 1_000_000;

export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1)
    throw new InvalidArgumentError("expected a whole number ≥ 1");
  return Number(value);
}

/** A whole number 1..max: the options whose file fields are capped are capped alike. */
export function boundedInt(max: number): (value: string) => number {
  return (value) => {
    const n = positiveInt(value);
    if (n > max) throw new InvalidArgumentError(`expected a whole number from 1 to ${max}`);
    return n;
  };
}

/** The options `fleet` and `fleet merge` share: what the fleet is and what is printed. */
export function fleetOptions(command: Command): Command {
  return addColourOptions(command)
    .option(
      "--trials <n>",
      "Run the rollout N times with derived seeds and report distributions (at most 10000)",
      boundedInt(10_000),
    )
    .option("--start <date-time>", "When the rollout starts, e.g. 2026-12-07T00:00Z (default: the file's)")
    .option("--seed <n>", "Seed (default: the file's, else 1)", parseSeed)
    .option("--json", "Print one JSON object (summary, waves, risk, expectations)")
    .option("-q, --quiet", "No progress bar")
    .option(
      "--clusters <n>",
      `What-if without a file: a generated fleet of N sites (at most ${MAX_CLUSTERS_OPTION})`,
      boundedInt(MAX_CLUSTERS_OPTION),
    )
    .option("--update <profile>", "What-if: the profile rolled out")
    .option(
      "--from <profile>",
      "What-if: the sites' current profile (default: the bundled base of the update's distribution)",
    )
    .option("--shape <cp+w>", "What-if: control planes + workers per site (default 1+3)")
    .option(
      "--timings <file>",
      "Step timings over the plan's (YAML, as edgesim calibrate -o writes them): distributions, classes, failure rate",
    )
    .option("--clusters-csv <file>", "Write one row per site (first trial) as CSV")
    .option("--clusters-ndjson <file>", "Write one JSON line per site (first trial)")
    .option("--root <dir>", ROOT_HELP)
    .option("--allow-outside", ALLOW_OUTSIDE_HELP);
}

export const EXIT_CODES = exitCodeHelp([
  EXIT_HELP.ok("every expectation holds (a file without expect: the rollout converged)"),
  EXIT_HELP.inputError,
  {
    code: EXIT.notPassed,
    meaning: "an expectation failed (without expect: the rollout did not converge)",
  },
]);
