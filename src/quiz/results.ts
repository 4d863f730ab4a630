import { LineCounter, parseDocument } from "yaml";
import * as z from "zod";
import { type Diagnostic, InputError } from "../shared/diagnostics.js";
import { byTopic } from "./score.js";
import { TOPICS } from "./types.js";

export { byTopic } from "./score.js";

/*
 * A team's quiz results: one JSON file that every run of `edgesim quiz --results FILE` appends an
 * attempt to, so scores can be kept in a repository or a shared folder and compared over time.
 */

const topicSchema = z.enum(TOPICS);

const answerSchema = z.strictObject({
  question: z.string(),
  topic: topicSchema,
  distribution: z.string(),
  given: z.string(),
  answer: z.string(),
  right: z.boolean(),
});

const attemptSchema = z.strictObject({
  operator: z.string().min(1),
  finishedAt: z.string(),
  seed: z.number().int(),
  topics: z.array(topicSchema),
  /** Questions the quiz was to ask (`--count`). */
  count: z.number().int().min(0),
  asked: z.number().int().min(0),
  score: z.number().int().min(0),
  answers: z.array(answerSchema),
});

const resultsSchema = z.strictObject({
  kind: z.literal("edgesim-quiz-results"),
  version: z.literal(1),
  attempts: z.array(attemptSchema),
});

export type QuizAnswer = z.infer<typeof answerSchema>;
export type QuizAttempt = z.infer<typeof attemptSchema>;
export type QuizResults = z.infer<typeof resultsSchema>;

const firstLine = (text: string) => text.split("\n")[0] as string;

export function emptyResults(): QuizResults {
  return { kind: "edgesim-quiz-results", version: 1, attempts: [] };
}

/** Where JSON text first goes wrong: Node 20's JSON.parse does not say, the YAML parser (JSON is YAML) does. */
function errorPlace(text: string): { line: number; col: number } | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const error = doc.errors[0];
  return error ? lineCounter.linePos(error.pos[0]) : undefined;
}

/** Reads a results file's text; anything else (bad JSON, another file) is an input error naming the place. */
export function parseResults(text: string, file: string): QuizResults {
  if (text.trim() === "") return emptyResults();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // Node's message quotes the text around the error; the place is enough.
    const message = (firstLine((error as Error).message).split(/, (?:\.\.\.)?"/)[0] as string).replace(
      /^U/,
      "u",
    );
    throw new InputError([
      { file, message: `not a JSON file of quiz results (${message})`, ...errorPlace(text) },
    ]);
  }
  const parsed = resultsSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const diagnostics: Diagnostic[] = parsed.error.issues.slice(0, 5).map((issue) => ({
    file,
    path:
      issue.path
        .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
        .join("") || "(top level)",
    message:
      issue.path.length === 0 || issue.path[0] === "kind"
        ? `is not an edgesim quiz results file (${issue.message})`
        : issue.message,
  }));
  throw new InputError(diagnostics);
}

/** The file's text with `attempt` appended: stable, two-space JSON, one trailing newline. */
export function appendAttempt(results: QuizResults, attempt: QuizAttempt): string {
  return `${JSON.stringify({ ...results, attempts: [...results.attempts, attempt] }, null, 2)}\n`;
}

/** Right/asked per topic over some answers. */
const percent = (right: number, asked: number) =>
  asked === 0 ? "-" : `${Math.round((100 * right) / asked)}%`;

/** One row per operator: attempts, last and best score, and how they do per topic over every attempt. */
export function scoreboard(results: QuizResults): string {
  const operators = [...new Set(results.attempts.map((attempt) => attempt.operator))].sort();
  if (operators.length === 0) return "No attempts yet.\n";
  const header = ["operator", "attempts", "last", "best", ...TOPICS];
  const rows = operators.map((operator) => {
    const attempts = results.attempts.filter((attempt) => attempt.operator === operator);
    const last = attempts[attempts.length - 1] as QuizAttempt;
    const best = attempts.reduce((a, b) =>
      b.score / Math.max(1, b.asked) > a.score / Math.max(1, a.asked) ? b : a,
    );
    const topics = byTopic(attempts.flatMap((attempt) => attempt.answers));
    return [
      operator,
      String(attempts.length),
      `${last.score}/${last.asked}`,
      `${best.score}/${best.asked}`,
      ...TOPICS.map((topic) => {
        const t = topics.get(topic);
        return t ? percent(t.right, t.asked) : "-";
      }),
    ];
  });
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => (row[i] as string).length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] as number))
      .join("  ")
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join("\n")}\n`;
}
