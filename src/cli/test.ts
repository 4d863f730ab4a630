import { InputError } from "../shared/diagnostics.js";
import { DEFAULT_FILE_TIMEOUT_SECONDS, FILE_TIMEOUT_ENV } from "../shared/limits.js";
import { defaultThreads } from "../shared/threads.js";
import { addColourOptions } from "./colour-options.js";
import { EXIT, EXIT_HELP, exitCodeHelp } from "./io.js";
import type { Register } from "./options.js";
import { ALLOW_OUTSIDE_HELP } from "./options.js";
import type { TestCommandOptions } from "./test-options.js";
import { minScoreOption, threadsOption, timeoutOption } from "./test-options.js";

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
    .option(
      "--mutate [ids]",
      "Mutation testing: run the suite against each mutant of the model (rule rows, sequencing, fleet) and report which the suite kills; IDS (comma-separated, a trailing * matches a prefix, or a group: rules, sequencing, fleet) runs a chosen few; list prints them",
    )
    .option(
      "--min-score <percent>",
      "With --mutate: exit 4 when fewer than PERCENT of the mutants are killed, equivalent ones left out (survivors fail in --junit)",
      minScoreOption,
    )
    .option(
      "--threads <n>",
      `With --mutate: mutants run at once, each in a worker thread (default: the available cores, ${defaultThreads()} here)`,
      threadsOption,
    )
    .addHelpText(
      "after",
      "\nA broken scenario, or one stopped at the time limit, fails on its own line; the others still run.\n" +
        exitCodeHelp([
          EXIT_HELP.ok("every scenario passed"),
          { code: EXIT.inputError, meaning: "a file did not load (bad input), or no scenario was found" },
          {
            code: EXIT.notPassed,
            meaning:
              "every file loaded and a scenario failed (see run's code 4); with --mutate, the score is below --min-score",
          },
        ]),
    )
    .action(async (dir: string, options: TestCommandOptions) => {
      // What the command runs is loaded here, not with its options: `test --help` needs none of it.
      if (options.mutate !== undefined) {
        const { mutateCommand } = await import("./mutate-action.js");
        await mutateCommand(io, setExit, dir, options);
        return;
      }
      if (options.minScore !== undefined)
        throw new InputError([{ file: "--min-score", message: "goes with --mutate" }]);
      const { testCommand } = await import("./test-action.js");
      await testCommand(io, setExit, dir, options);
    });
};
