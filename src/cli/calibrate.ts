import { InvalidArgumentError } from "commander";
import type { CalibrateCommandOptions } from "./calibrate-options.js";
import { addColourOptions } from "./colour-options.js";
import { EXIT_HELP, exitCodeHelp } from "./io.js";
import type { Register } from "./options.js";

export type { CalibrateCommandOptions } from "./calibrate-options.js";

function duration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError("expected a duration such as 40s");
  const unit = { ms: 1, s: 1000, m: 60_000 }[(match[2] ?? "s") as "ms" | "s" | "m"];
  return Math.round(Number(match[1]) * unit);
}

export const registerCalibrate: Register = (program, io, setExit) => {
  addColourOptions(program.command("calibrate"))
    .description("Fit step timings and failure rates to the fleet's own history of rollouts")
    .argument(
      "<history...>",
      "History files: Prometheus query_range responses (JSON), Kubernetes events (JSON list or NDJSON), intervals (CSV or NDJSON)",
    )
    .requiredOption("--rollouts <file>", "Which update each stretch of history belongs to (YAML)")
    .option("--inventory <file>", "The fleet's inventory CSV (for label selectors and hardware classes)")
    .option(
      "--class-label <label>",
      "Fit each value of this inventory label apart where it has enough samples",
    )
    .option("--site-label <label>", "The Prometheus label that names the site (default: cluster, then site)")
    .option(
      "--not-ready-delay <duration>",
      "How late NotReady shows (the node controller's grace period)",
      duration,
    )
    .option("-o, --out <file>", "Write the fitted timings (YAML) to FILE")
    .option("--json", "Print one JSON object")
    .addHelpText(
      "after",
      "\nWhat each signal can tell, and the fit: docs/calibration.md.\n" +
        "  edgesim calibrate history/*.json history/events.ndjson --rollouts rollouts.yaml -o timings.yaml\n" +
        exitCodeHelp([
          EXIT_HELP.ok("the timings were fitted (steps with too few samples are named)"),
          EXIT_HELP.inputError,
        ]),
    )
    .action(async (history: string[], options: CalibrateCommandOptions) => {
      const { calibrateCommand } = await import("./calibrate-action.js");
      calibrateCommand(io, setExit, history, options);
    });
};
