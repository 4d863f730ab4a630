import { existsSync, readdirSync } from "node:fs";
import { userInfo } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Option } from "commander";
import { type BaseText, drawQuestions, type Question, TOPICS, type Topic } from "../quiz/questions.js";
import { parseAnswer, renderQuestion } from "../quiz/render.js";
import type { QuizAnswer } from "../quiz/results.js";
import { byTopic } from "../quiz/score.js";
import { InputError } from "../shared/diagnostics.js";
import { readTextFile, writeOutput } from "../shared/files.js";
import { MAX_SEED } from "../shared/rng.js";
import { addColourOptions, outputColours } from "./colour.js";
import { EXIT_HELP, exitCodeHelp } from "./io.js";
import type { Register } from "./main.js";

/** Questions in one sitting: each is drawn and checked by the planner, so a typo must not ask a billion. */
const MAX_QUIZ_COUNT = 1000;

/** The bundled base profiles, shipped in the package beside dist/. */
export function bundledProfilesDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "../../scenarios/profiles");
}

function baseProfiles(dir: string): BaseText[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    throw new InputError([{ file: dir, message: "cannot read the profiles folder" }]);
  }
  const bases = names.filter((name) => /base\.ya?ml$/.test(name)).sort();
  if (bases.length === 0) {
    throw new InputError([
      { file: dir, message: "no base profiles (files named *base.yaml) to draw questions from" },
    ]);
  }
  return bases.map((name) => ({ file: join(dir, name), text: readTextFile(join(dir, name)) }));
}

/** `--topic os,sequencing` → the topics, each checked. */
export function parseTopics(value: string): Topic[] {
  const topics = value
    .split(",")
    .map((topic) => topic.trim().toLowerCase())
    .filter((topic) => topic !== "");
  const unknown = topics.filter((topic) => !(TOPICS as readonly string[]).includes(topic));
  if (topics.length === 0 || unknown.length > 0) {
    throw new InputError([
      {
        file: "--topic",
        message: `${unknown.length > 0 ? `unknown topic "${unknown[0]}"` : "no topic given"}; topics are ${TOPICS.join(", ")}`,
      },
    ]);
  }
  return [...new Set(topics)] as Topic[];
}

function defaultOperator(): string {
  try {
    return process.env.USER || userInfo().username || "operator";
  } catch {
    return "operator";
  }
}

interface QuizOptions {
  color?: boolean;
  count: string;
  seed?: string;
  profiles?: string;
  topic?: string;
  results?: string;
  operator?: string;
  scores?: boolean;
}

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
      const count = Number(options.count);
      if (!Number.isInteger(count) || count < 1 || count > MAX_QUIZ_COUNT) {
        throw new InputError([
          {
            file: "--count",
            message: `expected a whole number from 1 to ${MAX_QUIZ_COUNT}, got "${options.count}"`,
          },
        ]);
      }
      const seed = options.seed === undefined ? Math.floor(Date.now() / 86_400_000) : Number(options.seed);
      if (!Number.isSafeInteger(seed) || seed < 0 || seed > MAX_SEED) {
        throw new InputError([
          { file: "--seed", message: `expected a whole number from 0 to ${MAX_SEED}, got "${options.seed}"` },
        ]);
      }
      const topics = options.topic === undefined ? [...TOPICS] : parseTopics(options.topic);
      const resultsFile = options.results === undefined ? undefined : resolve(io.cwd, options.results);
      // Read (and check) the results before the quiz, so a broken file does not cost an attempt.
      // The results' schema is loaded only for a quiz that keeps results.
      const resultsModule =
        resultsFile === undefined && !options.scores ? undefined : await import("../quiz/results.js");
      const results =
        resultsFile === undefined || !resultsModule
          ? undefined
          : resultsModule.parseResults(
              existsSync(resultsFile) ? readTextFile(resultsFile) : "",
              options.results as string,
            );
      if (options.scores) {
        if (!results || !resultsModule)
          throw new InputError([{ file: "--scores", message: "needs --results FILE to read" }]);
        io.stdout(resultsModule.scoreboard(results));
        setExit(0);
        return;
      }
      const paint = outputColours(io, options);
      const dir = options.profiles ? resolve(io.cwd, options.profiles) : bundledProfilesDir();
      const questions = drawQuestions(baseProfiles(dir), { seed, topics });
      const stdin = io.stdin ?? process.stdin;
      const lines = createInterface({ input: stdin, terminal: false })[Symbol.asyncIterator]();
      const answers: QuizAnswer[] = [];
      let index = 0;
      let exhausted = false;
      while (index < count) {
        const next = questions.next();
        if (next.done) {
          exhausted = true;
          break;
        }
        const question: Question = next.value;
        io.stdout(renderQuestion(question, index, count));
        let given: { id: string } | undefined;
        while (given === undefined) {
          const line = await lines.next();
          if (line.done) break;
          given = parseAnswer(line.value, question.choices);
          if (given === undefined) io.stdout(`Answer 1-${question.choices.length} or a choice's name.\n> `);
        }
        if (given === undefined) break;
        index++;
        const right = given.id === question.answer;
        answers.push({
          question: question.id,
          topic: question.topic,
          distribution: question.distribution,
          given: given.id,
          answer: question.answer,
          right,
        });
        const label = (id: string) => question.choices.find((choice) => choice.id === id)?.label ?? id;
        io.stdout(
          right
            ? `\n${paint.pass(`✓ Correct: ${label(question.answer)}.`)} ${question.explanation}\n`
            : `\n${paint.fail(`✗ Not "${label(given.id)}": it is "${label(question.answer)}".`)} ${question.explanation}\n`,
        );
      }
      const score = answers.filter((answer) => answer.right).length;
      const stopped = exhausted
        ? ` (no more questions for ${topics.join(", ")} in these profiles)`
        : answers.length < count
          ? ` (stopped after ${answers.length} of ${count})`
          : "";
      const perTopic = [...byTopic(answers)].map(([topic, t]) => `${topic} ${t.right}/${t.asked}`).join(", ");
      io.stdout(
        `\nScore: ${score}/${answers.length}${stopped}${perTopic && topics.length > 1 ? `; ${perTopic}` : ""}\n`,
      );
      if (resultsFile !== undefined && resultsModule && results && answers.length > 0) {
        const operator = options.operator ?? defaultOperator();
        writeOutput(
          { file: resultsFile, option: "--results" },
          resultsModule.appendAttempt(results, {
            operator,
            finishedAt: new Date().toISOString(),
            seed,
            topics,
            count,
            asked: answers.length,
            score,
            answers,
          }),
        );
        io.stdout(`Recorded for ${operator} in ${options.results}.\n`);
      }
      setExit(0);
    });
};
