import { type Command, InvalidArgumentError } from "commander";
import { defaultThreads } from "../shared/threads.js";
import { addColourOptions } from "./colour-options.js";
import { EXIT, EXIT_HELP, exitCodeHelp } from "./io.js";
import type { Register } from "./main.js";
import { ALLOW_OUTSIDE_HELP, parseSeed, ROOT_HELP, type RootOptions } from "./run.js";

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
    .option("--clusters-ndjson <file>", "Write one JSON line per site (first trial)")
    .option("--root <dir>", ROOT_HELP)
    .option("--allow-outside", ALLOW_OUTSIDE_HELP);
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
      .argument("[file]", "Fleet plan (YAML with inventory: and strategy:) or fleet file (fleet: and clusters:)"),
  )
    .option(
      "--threads <n>",
      `Worker threads simulating sites (default: the available cores, ${defaultThreads()} here, from 16,384 site simulations; 1 = in this process)`,
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
      // What the command runs is loaded here, not with its options: `fleet --help` needs none of it.
      const { fleetCommand } = await import("./fleet-action.js");
      await fleetCommand(io, setExit, file, options);
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
    .action(async (inputs: string[], _options: FleetCommandOptions, command: Command) => {
      const { fleetMergeCommand } = await import("./fleet-action.js");
      // `fleet` knows the same options; whichever command commander gave one to, it counts.
      fleetMergeCommand(io, setExit, inputs, command.optsWithGlobals() as FleetCommandOptions);
    });
};
