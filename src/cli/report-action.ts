import { fleetReportPage } from "../fleet/report-page.js";
import { scenarioReportPage } from "../scenario/report-page.js";
import { formatDuration } from "../shared/duration.js";
import { defaultRoot, writeOutput } from "../shared/files.js";
import { fileArgument } from "./argument.js";
import type { Io } from "./io.js";
import { referenceRoot, userPath } from "./options.js";
import type { ReportCommandOptions } from "./report-options.js";

/** What `edgesim report FILE -o PAGE` does, loaded only when it runs (`report --help` needs none of it). */
export function reportCommand(
  io: Io,
  setExit: (code: number) => void,
  scenario: string,
  options: ReportCommandOptions,
): void {
  const { file, kind, yaml } = fileArgument(io, scenario, "report");
  const root = referenceRoot(io, options, defaultRoot(io.cwd, file));
  const seed = options.seed === undefined ? {} : { seed: options.seed };
  // Each page is rendered in full before the file is touched, then written atomically: never half a page.
  if (kind === "fleet-plan" || kind === "fleet") {
    const { run, html } = fleetReportPage({ file, kind, root, ...(yaml ? { yaml } : {}) }, seed);
    writeOutput({ file: userPath(io, options.output), option: "-o" }, html);
    io.stdout(`${run.plan.name}: fleet report written to ${options.output}\n`);
    setExit(0);
    return;
  }
  const { run, html } = scenarioReportPage(file, { root, ...seed, ...(yaml ? { yaml } : {}) });
  writeOutput({ file: userPath(io, options.output), option: "-o" }, html);
  io.stdout(
    `${run.name}: ${run.result}, ${run.behavior}, ${formatDuration(run.durationMs)}; timeline written to ${options.output}\n`,
  );
  setExit(0);
}
