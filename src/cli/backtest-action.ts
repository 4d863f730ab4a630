import { backtest, backtestHtml, backtestJson, backtestText, parseInstant } from "../calibrate/backtest.js";
import { InputError } from "../shared/diagnostics.js";
import { writeOutput } from "../shared/files.js";
import { inputFile } from "./argument.js";
import type { BacktestCommandOptions } from "./backtest-options.js";
import { EXIT, type Io } from "./io.js";
import { userPath } from "./options.js";

export function backtestCommand(
  io: Io,
  setExit: (code: number) => void,
  history: string[],
  options: BacktestCommandOptions,
): void {
  const trainUntilMs = parseInstant(options.trainUntil);
  if (trainUntilMs === undefined)
    throw new InputError([
      {
        file: "--train-until",
        message: `"${options.trainUntil}" is not an ISO 8601 date-time (e.g. 2026-10-27T00:00Z)`,
      },
    ]);
  const result = backtest(
    history.map((h) => inputFile(io, h, "backtest")),
    {
      rollouts: inputFile(io, options.rollouts, "backtest --rollouts"),
      inventory: inputFile(io, options.inventory, "backtest --inventory"),
      trainUntilMs,
      trials: options.trials ?? 200,
      seed: options.seed ?? 1,
      ...(options.classLabel ? { classLabel: options.classLabel } : {}),
      ...(options.siteLabel ? { siteLabel: options.siteLabel } : {}),
      ...(options.notReadyDelay !== undefined ? { notReadyDelayMs: options.notReadyDelay } : {}),
    },
  );
  if (options.html) writeOutput({ file: userPath(io, options.html), option: "--html" }, backtestHtml(result));
  io.stdout(options.json ? `${JSON.stringify(backtestJson(result), null, 2)}\n` : backtestText(result));
  setExit(EXIT.ok);
}
