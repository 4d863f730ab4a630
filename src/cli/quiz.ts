import { Option } from "commander";
import { TOPICS } from "../quiz/topics.js";
import { addColourOptions } from "./colour-options.js";
import { EXIT_HELP, exitCodeHelp } from "./io.js";
import type { Register } from "./options.js";

import type { QuizOptions } from "./quiz-options.js";

export * from "./quiz-options.js";

export const registerQuiz: Register = (program, io, setExit) => {
  addColourOptions(program.command("quiz"))
    .description(
      "Train on upgrade outcomes: realistic profile changes and rollout stories, checked by the planner and the simulation",
    )
    .addOption(new Option("--count <n>", "Number of questions").default("10", "10"))
    .option("--seed <n>", "Seed for picking questions (default: a new set each day)")
    .option("--topic <topics>", `Only these topics, comma-separated: ${TOPICS.join(", ")}`)
    .option(
      "--profiles <dir>",
      "Folder of *base.yaml profiles to draw changes from (default: the bundled ones)",
    )
    .option("--results <file>", "JSON file of the team's results: this attempt is appended to it")
    .option("--operator <name>", "Name the attempt is recorded under in --results (default: $USER)")
    .option("--scores", "Print the scoreboard of --results (per operator and topic) and exit")
    .addHelpText(
      "after",
      "\nAnswers are read from stdin, one a line: a choice's number or its name (a behavior, a node); piped answers work.\n" +
        exitCodeHelp([EXIT_HELP.ok("the quiz ran (whatever the score)"), EXIT_HELP.inputError]),
    )
    .action(async (options: QuizOptions) => {
      // What the command runs is loaded here, not with its options: `quiz --help` needs none of it.
      const { quizCommand } = await import("./quiz-action.js");
      await quizCommand(io, setExit, options);
    });
};
