import type { BacktestCommandOptions } from "./backtest-options.js";
import { notReadyDelay } from "./calibrate.js";
import { addColourOptions } from "./colour-options.js";
import { boundedInt } from "./fleet-options.js";
import { EXIT_HELP, exitCodeHelp } from "./io.js";
import { parseSeed, type Register } from "./options.js";

export type { BacktestCommandOptions } from "./backtest-options.js";

export const registerBacktest: Register = (program, io, setExit) => {
  addColourOptions(program.command("backtest"))
    .description(
      "Fit timings on the history before a date, forecast every later rollout, and score the forecast against what happened",
    )
    .argument("<history...>", "History files, as for edgesim calibrate")
    .requiredOption("--rollouts <file>", "Which update each stretch of history belongs to (YAML)")
    .requiredOption("--inventory <file>", "The fleet's inventory CSV (site shapes, labels)")
    .requiredOption(
      "--train-until <date-time>",
      "Fit on what happened before this instant (ISO 8601); forecast the rollouts that start at or after it",
    )
    .option("--trials <n>", "Simulations per site (default 200, at most 10000)", boundedInt(10_000))
    .option("--seed <n>", "Seed of the forecast's draws (default 1)", parseSeed)
    .option(
      "--class-label <label>",
      "Fit and forecast each value of this inventory label apart where it has enough samples",
    )
    .option("--site-label <label>", "The Prometheus label that names the site (default: cluster, then site)")
    .option(
      "--not-ready-delay <duration>",
      "How late NotReady shows (the node controller's grace period)",
      notReadyDelay,
    )
    .option("--json", "Print one JSON object")
    .option(
      "--html <file>",
      "Write a page: each site's forecast interval against its actual duration, coverage against the nominal level",
    )
    .addHelpText(
      "after",
      "\nThe walkthrough: docs/calibration.md.\n" +
        "  edgesim backtest history/* --rollouts rollouts.yaml --inventory inventory.csv --train-until 2026-10-27T00:00Z\n" +
        exitCodeHelp([EXIT_HELP.ok("the forecast was scored"), EXIT_HELP.inputError]),
    )
    .action(async (history: string[], options: BacktestCommandOptions) => {
      const { backtestCommand } = await import("./backtest-action.js");
      backtestCommand(io, setExit, history, options);
    });
};
