import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { bundledProfilesDir, parseAnswer, registerQuiz } from "../../src/cli/quiz.js";
import { parseProfile } from "../../src/profile/parse.js";
import { makeQuestions } from "../../src/quiz/questions.js";

const bases = ["k3s-base.yaml", "rke2-base.yaml", "pxk-e-base.yaml"].map((name) => {
  const file = `${bundledProfilesDir()}/${name}`;
  return { file, text: readFileSync(file, "utf8") };
});

describe("quiz questions", () => {
  const questions = makeQuestions(bases, 40, 7);

  it("are drawn deterministically for a seed", () => {
    const again = makeQuestions(bases, 40, 7);
    expect(again.map((q) => `${q.distribution} ${q.layer} ${q.path} ${q.to}`)).toEqual(
      questions.map((q) => `${q.distribution} ${q.layer} ${q.path} ${q.to}`),
    );
    expect(makeQuestions(bases, 40, 8).map((q) => q.path)).not.toEqual(questions.map((q) => q.path));
  });

  it("cover several behaviors rather than one", () => {
    const answers = new Set(questions.map((q) => q.answer));
    expect(answers.size).toBeGreaterThanOrEqual(4);
    expect(answers).toContain("repave");
    expect(answers).toContain("no-op");
  });

  it("carry the planner's answer for exactly the change they describe", () => {
    for (const question of questions) {
      const base = bases.find((b) => parseProfile(b.text, b.file).distribution === question.distribution);
      expect(base).toBeDefined();
      const changed = question.plan.changes.map((c) => `${c.layer}:${c.path}`);
      // the described leaf is among the plan's changes (macros may add the uri beside it)
      expect(changed).toContain(`${question.layer}:${question.path}`);
      expect(question.answer).toBe(
        question.plan.unsupported.length > 0 ? "unsupported" : question.plan.behavior,
      );
    }
  });
});

describe("parseAnswer", () => {
  it.each([
    ["1", "repave"],
    ["2", "reboot"],
    ["service restart", "service-restart"],
    ["config-reload", "config-reload"],
    ["no-op", "no-op"],
    ["6", "unsupported"],
    ["rep", "repave"],
    ["7", undefined],
    ["banana", undefined],
  ])("%s → %s", (input, expected) => {
    expect(parseAnswer(input)).toBe(expected);
  });
});

describe("edgesim quiz", () => {
  it("asks, checks each answer against the planner and prints the score", async () => {
    const [first, second] = makeQuestions(bases, 2, 3);
    expect(first && second).toBeTruthy();
    const right = first?.answer ?? "";
    const wrong = second?.answer === "no-op" ? "repave" : "no-op";
    const io = memoryIo(process.cwd(), Readable.from(["nonsense\n", `${right}\n`, `${wrong}\n`]));
    const code = await main(["quiz", "--count", "2", "--seed", "3"], io);
    expect(code).toBe(0);
    expect(io.out).toContain("Question 1 of 2");
    expect(io.out).toContain("Answer 1-6 or a behavior's name.");
    expect(io.out).toContain(`✓ Correct: ${right}.`);
    expect(io.out).toContain(`✗ It is ${second?.answer}, not ${wrong}.`);
    expect(io.out.trimEnd().endsWith("Score: 1/2")).toBe(true);
    expect(typeof registerQuiz).toBe("function");
  });

  it("stops cleanly when input ends and reports a bad --count", async () => {
    const io = memoryIo(process.cwd(), Readable.from([]));
    expect(await main(["quiz", "--count", "3", "--seed", "1"], io)).toBe(0);
    expect(io.out).toContain("Score: 0/0 (stopped after 0 of 3)");
    const bad = memoryIo();
    expect(await main(["quiz", "--count", "zero"], bad)).toBe(1);
    expect(bad.err).toContain("--count");
  });
});
