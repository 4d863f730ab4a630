import { calibrate, calibrationJson, calibrationText, calibrationYaml } from "../calibrate/calibrate.js";
import { writeOutput } from "../shared/files.js";
import { inputFile } from "./argument.js";
import type { CalibrateCommandOptions } from "./calibrate-options.js";
import { EXIT, type Io } from "./io.js";
import { userPath } from "./options.js";

export function calibrateCommand(
  io: Io,
  setExit: (code: number) => void,
  history: string[],
  options: CalibrateCommandOptions,
): void {
  if (options.classLabel && !options.inventory) {
    io.stderr("error: --class-label: hardware classes come from the inventory; give --inventory FILE\n");
    setExit(EXIT.inputError);
    return;
  }
  const result = calibrate(
    history.map((h) => inputFile(io, h, "calibrate")),
    {
      rollouts: inputFile(io, options.rollouts, "calibrate --rollouts"),
      ...(options.inventory ? { inventory: inputFile(io, options.inventory, "calibrate --inventory") } : {}),
      ...(options.classLabel ? { classLabel: options.classLabel } : {}),
      ...(options.siteLabel ? { siteLabel: options.siteLabel } : {}),
      ...(options.notReadyDelay !== undefined ? { notReadyDelayMs: options.notReadyDelay } : {}),
    },
  );
  const out = options.out ? userPath(io, options.out) : undefined;
  if (out) writeOutput({ file: out, option: "--out" }, calibrationYaml(result));
  if (options.json) io.stdout(`${JSON.stringify(calibrationJson(result), null, 2)}\n`);
  else io.stdout(calibrationText(result, out));
  setExit(EXIT.ok);
}
