import { addColourOptions } from "./colour-options.js";
import { EXIT_HELP, exitCodeHelp } from "./io.js";
import type { Register } from "./options.js";
import { ALLOW_OUTSIDE_HELP, parseSeed, ROOT_HELP } from "./options.js";

import type { ReportCommandOptions } from "./report-options.js";

export * from "./report-options.js";

export const registerReport: Register = (program, io, setExit) => {
  addColourOptions(program.command("report"))
    .description("Replay a scenario and write its timeline as a self-contained HTML page")
    .argument(
      "<scenario>",
      "Scenario file, or a fleet plan or fleet file for the fleet page; - reads standard input",
    )
    .requiredOption("-o, --output <file>", "HTML file to write (required)")
    .option("--seed <n>", "Override the scenario's seed (default: the file's seed, else 1)", parseSeed)
    .option("--root <dir>", ROOT_HELP)
    .option("--allow-outside", ALLOW_OUTSIDE_HELP)
    .addHelpText(
      "after",
      exitCodeHelp([
        EXIT_HELP.ok("the page was written (whatever the run's result)"),
        { ...EXIT_HELP.inputError, meaning: `${EXIT_HELP.inputError.meaning}; nothing is written` },
      ]),
    )
    .action(async (scenario: string, options: ReportCommandOptions) => {
      // What the command runs is loaded here, not with its options: `report --help` needs none of it.
      const { reportCommand } = await import("./report-action.js");
      reportCommand(io, setExit, scenario, options);
    });
};
