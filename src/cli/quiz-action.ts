import { existsSync, readdirSync } from "node:fs";
import { userInfo } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { type BaseText, drawQuestions, type Question } from "../quiz/questions.js";
import { parseAnswer, renderQuestion } from "../quiz/render.js";
import type { QuizAnswer } from "../quiz/results.js";
import { byTopic } from "../quiz/score.js";
import { TOPICS } from "../quiz/topics.js";
import { InputError } from "../shared/diagnostics.js";
import { readTextFile, writeOutput } from "../shared/files.js";
import { MAX_SEED } from "../shared/rng.js";
import { outputColours } from "./colour.js";
import type { Io } from "./io.js";
import { bundledProfilesDir, MAX_QUIZ_COUNT, parseTopics, type QuizOptions } from "./quiz-options.js";

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

function defaultOperator(): string {
  try {
    return process.env.USER || userInfo().username || "operator";
  } catch {
    return "operator";
  }
}

/** What `edgesim quiz` does, loaded only when it runs (`quiz --help` needs none of it). */
export async function quizCommand(
  io: Io,
  setExit: (code: number) => void,
  options: QuizOptions,
): Promise<void> {
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
    const next = await questions.next();
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
}
