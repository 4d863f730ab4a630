import { resolve } from "node:path";
import { renderHtmlReport } from "../report/html.js";
import { runScenario } from "../scenario/run.js";
import { InputError } from "../shared/diagnostics.js";
import { writeFileAtomic } from "../shared/files.js";
import type { Register } from "./main.js";

export const registerReport: Register = (program, io, setExit) => {
  program
    .command("report")
    .description("Replay a scenario and write its timeline as a self-contained HTML page")
    .argument("<scenario>", "scenario file")
    .requiredOption("-o, --output <file>", "HTML file to write")
    .option("--seed <n>", "override the scenario's seed")
    .action((scenario: string, options: { output: string; seed?: string }) => {
      let seed: number | undefined;
      if (options.seed !== undefined) {
        seed = Number(options.seed);
        if (!Number.isInteger(seed)) {
          throw new InputError([
            { file: "--seed", message: `expected a whole number, got "${options.seed}"` },
          ]);
        }
      }
      const run = runScenario(resolve(io.cwd, scenario), seed === undefined ? {} : { seed });
      const output = resolve(io.cwd, options.output);
      writeFileAtomic(output, renderHtmlReport(run));
      io.stdout(`${run.name}: ${run.result}, ${run.behavior}; timeline written to ${options.output}\n`);
      setExit(0);
    });
};
