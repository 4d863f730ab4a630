import { renderHtmlReport } from "../report/html.js";
import { runScenario } from "../scenario/run.js";
import { fileKind } from "../scenario/suite.js";
import { InputError } from "../shared/diagnostics.js";
import { formatDuration } from "../shared/duration.js";
import { writeOutput } from "../shared/files.js";
import type { Register } from "./main.js";
import { parseSeed, userPath } from "./run.js";

export const registerReport: Register = (program, io, setExit) => {
  program
    .command("report")
    .description("Replay a scenario and write its timeline as a self-contained HTML page")
    .argument("<scenario>", "Scenario file (YAML; not a fleet file)")
    .requiredOption("-o, --output <file>", "HTML file to write (required)")
    .option("--seed <n>", "Override the scenario's seed (default: the file's seed, else 1)", parseSeed)
    .addHelpText("after", "\nExit codes: 0 the page was written, 1 bad input.\n")
    .action((scenario: string, options: { output: string; seed?: number }) => {
      const file = userPath(io, scenario);
      if (fileKind(file) === "fleet") {
        throw new InputError([
          {
            file,
            message:
              "is a fleet file; `edgesim report` draws one cluster's timeline (`edgesim run FILE --timelines` shows a fleet's)",
          },
        ]);
      }
      const run = runScenario(file, options.seed === undefined ? {} : { seed: options.seed });
      // Rendered in full before the file is touched, then written atomically: never half a page.
      writeOutput({ file: userPath(io, options.output), option: "-o" }, renderHtmlReport(run));
      io.stdout(
        `${run.name}: ${run.result}, ${run.behavior}, ${formatDuration(run.durationMs)}; timeline written to ${options.output}\n`,
      );
      setExit(0);
    });
};
