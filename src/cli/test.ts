import { DEFAULT_FILE_TIMEOUT_SECONDS, FILE_TIMEOUT_ENV } from "../shared/limits.js";
import { addColourOptions } from "./colour-options.js";
import { EXIT, EXIT_HELP, exitCodeHelp } from "./io.js";
import type { Register } from "./options.js";
import { ALLOW_OUTSIDE_HELP } from "./options.js";

import type { TestCommandOptions } from "./test-options.js";

import { timeoutOption } from "./test-options.js";

export * from "./test-options.js";

export const registerTest: Register = (program, io, setExit) => {
  addColourOptions(program.command("test"))
    .description("Run every scenario and fleet file under DIR and report which pass")
    .argument(
      "<dir>",
      "Folder of scenarios and fleet files (searched recursively; profiles/ and golden/ are skipped)",
    )
    .option("--junit <file>", "Also write a JUnit XML report to FILE")
    .option("--filter <text>", "Run only scenarios whose name contains TEXT (ignoring case)")
    .option("-q, --quiet", "Print only the failed scenarios and the summary line")
    .option("--update", "Rewrite the golden timelines of the scenarios that have one")
    .option("--json", "Print the results as one JSON object")
    .option(
      "--root <dir>",
      "Folder the scenarios' references (profiles, golden timelines) must stay in (default: DIR)",
    )
    .option("--allow-outside", ALLOW_OUTSIDE_HELP)
    .option(
      "--timeout <seconds>",
      `Stop a file that runs longer than SECONDS; it fails on its own line, the others still run (default: ${FILE_TIMEOUT_ENV}, else ${DEFAULT_FILE_TIMEOUT_SECONDS})`,
      timeoutOption,
    )
    .addHelpText(
      "after",
      "\nA broken scenario, or one stopped at the time limit, fails on its own line; the others still run.\n" +
        exitCodeHelp([
          EXIT_HELP.ok("every scenario passed"),
          { code: EXIT.inputError, meaning: "a file did not load (bad input), or no scenario was found" },
          { code: EXIT.notPassed, meaning: "every file loaded and a scenario failed (see run's code 4)" },
        ]),
    )
    .action(async (dir: string, options: TestCommandOptions) => {
      // What the command runs is loaded here, not with its options: `test --help` needs none of it.
      const { testCommand } = await import("./test-action.js");
      await testCommand(io, setExit, dir, options);
    });
};
