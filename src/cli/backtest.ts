import { InvalidArgumentError } from "commander";
import type { BacktestCommandOptions } from "./backtest-options.js";
import { addColourOptions } from "./colour-options.js";
import { EXIT_HELP, exitCodeHelp } from "./io.js";
import { parseSeed, type Register } from "./options.js";

export type { BacktestCommandOptions } from "./backtest-options.js";

// The command's own small parsers: `backtest --help` loads nothing but its definition.
function trials(value: string): number {
  const n = Number(value.trim());
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 10_000)
    throw new InvalidArgumentError("expected a whole number from 1 to 10000");
  return n;
}

function notReadyDelay(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError("expected a duration such as 40s");
  const unit = { ms: 1, s: 1000, m: 60_000 }[(match[2] ?? "s") as "ms" | "s" | "m"];
  return Math.round(Number(match[1]) * unit);
}

export const registerBacktest: Register = (program, io, setExit) => {
  addColourOptions(program.command("backtest"))
    .description("Fit timings on the history before a date and score the forecast of every later rollout")
    .argument("<history...>", "History files, as for edgesim calibrate")
    .requiredOption("--rollouts <file>", "Which update each stretch of history belongs to (YAML)")
    .requiredOption("--inventory <file>", "The fleet's inventory CSV (site shapes, labels)")
    .requiredOption(
      "--train-until <date-time>",
      "Fit on what happened before this instant (ISO 8601); forecast the rollouts that start at or after it",
    )
    .option("--trials <n>", "Simulations per site (default 200, at most 10000)", trials)
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
