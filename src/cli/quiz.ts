import { readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Option } from "commander";
import { makeQuestions, type Question } from "../quiz/questions.js";
import { InputError } from "../shared/diagnostics.js";
import { readTextFile } from "../shared/files.js";
import { BEHAVIORS } from "../shared/types.js";
import type { Register } from "./main.js";

/** A value on its own line, or, when it spans lines (a file's content), as an indented block under the label. */
function shown(label: string, value: string): string {
  const lines = value.replace(/\n+$/, "").split("\n");
  if (lines.length === 1) return `  ${label} ${value}`;
  return [`  ${label.trimEnd()}`, ...lines.map((line) => `      ${line}`)].join("\n");
}

const CHOICES = [...BEHAVIORS, "unsupported"] as const;
const CHOICE_LABELS: Record<(typeof CHOICES)[number], string> = {
  repave: "repave (re-image every node)",
  reboot: "reboot every node",
  "service-restart": "restart services",
  "config-reload": "reload configuration",
  "no-op": "no-op (acknowledge only)",
  unsupported: "refused: unsupported update",
};

/** The bundled base profiles, shipped in the package beside dist/. */
export function bundledProfilesDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "../../scenarios/profiles");
}

function baseProfiles(dir: string): { file: string; text: string }[] {
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

/** Accepts a choice's number or its name (`reboot`, `service restart`, …). */
export function parseAnswer(input: string): (typeof CHOICES)[number] | undefined {
  const text = input.trim().toLowerCase().replace(/\s+/g, "-");
  const number = Number(text);
  if (Number.isInteger(number) && number >= 1 && number <= CHOICES.length) return CHOICES[number - 1];
  return CHOICES.find((choice) => choice === text || choice.startsWith(text.length >= 3 ? text : "\0"));
}

function explain(question: Question): string {
  if (question.answer === "unsupported") {
    return question.plan.unsupported.map((u) => `${u.rule}: ${u.reason}`).join("; ");
  }
  const decisive = question.plan.changes.find((change) => change.behavior === question.plan.behavior);
  return decisive ? `rule ${decisive.rule}: ${decisive.reason}` : "no change reaches the nodes";
}

export function prompt(question: Question, index: number, total: number): string {
  const lines = [
    "",
    `Question ${index + 1} of ${total} (${question.distribution} cluster)`,
    `The ${question.layer} layer's \`${question.path}\` changes`,
    shown("from:", question.from),
    shown("to:  ", question.to),
    "What does the Palette agent do?",
    ...CHOICES.map((choice, i) => `  ${i + 1}) ${CHOICE_LABELS[choice]}`),
  ];
  return `${lines.join("\n")}\n> `;
}

export const registerQuiz: Register = (program, io, setExit) => {
  program
    .command("quiz")
    .description("Train on upgrade outcomes: guess what a profile change does, checked by the planner")
    .addOption(new Option("--count <n>", "Number of questions").default("10", "10"))
    .option("--seed <n>", "Seed for picking questions (default: a new set each day)")
    .option(
      "--profiles <dir>",
      "Folder of *base.yaml profiles to draw changes from (default: the bundled ones)",
    )
    .addHelpText(
      "after",
      "\nAnswers are read from stdin, one a line: a number (1-6) or a behavior's name; piped answers work.\n" +
        "Exit codes: 0 the quiz ran (whatever the score), 1 bad input.\n",
    )
    .action(async (options: { count: string; seed?: string; profiles?: string }) => {
      const count = Number(options.count);
      if (!Number.isInteger(count) || count < 1) {
        throw new InputError([
          { file: "--count", message: `expected a whole number ≥ 1, got "${options.count}"` },
        ]);
      }
      const seed = options.seed === undefined ? Math.floor(Date.now() / 86_400_000) : Number(options.seed);
      if (!Number.isInteger(seed)) {
        throw new InputError([{ file: "--seed", message: `expected a whole number, got "${options.seed}"` }]);
      }
      const dir = options.profiles ? resolve(io.cwd, options.profiles) : bundledProfilesDir();
      const questions = makeQuestions(baseProfiles(dir), count, seed);
      const stdin = io.stdin ?? process.stdin;
      const lines = createInterface({ input: stdin, terminal: false })[Symbol.asyncIterator]();
      let score = 0;
      let asked = 0;
      for (const [index, question] of questions.entries()) {
        io.stdout(prompt(question, index, questions.length));
        let answer: (typeof CHOICES)[number] | undefined;
        while (answer === undefined) {
          const next = await lines.next();
          if (next.done) break;
          answer = parseAnswer(next.value);
          if (answer === undefined) io.stdout(`Answer 1-${CHOICES.length} or a behavior's name.\n> `);
        }
        if (answer === undefined) break;
        asked++;
        if (answer === question.answer) {
          score++;
          io.stdout(`\n✓ Correct: ${question.answer}. ${explain(question)}\n`);
        } else {
          io.stdout(`\n✗ It is ${question.answer}, not ${answer}. ${explain(question)}\n`);
        }
      }
      io.stdout(
        `\nScore: ${score}/${asked}${asked < questions.length ? ` (stopped after ${asked} of ${questions.length})` : ""}\n`,
      );
      setExit(0);
    });
};
