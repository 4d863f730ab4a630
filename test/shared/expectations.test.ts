import { describe, expect, it } from "vitest";
import { checkExpectations, type ExpectationCheck, nestedResults } from "../../src/shared/expectations.js";

/** A run as the checks below see it. */
interface Run {
  result: string;
  sites: number[];
}

const result: ExpectationCheck<string, Run> = {
  id: "result",
  check: (expected, run) => ({
    passed: run.result === expected,
    message: `result is ${run.result} (want ${expected})`,
  }),
};

/** One outcome per value of a list. */
const atLeast: ExpectationCheck<number[], Run> = {
  id: "atLeast",
  check: (expected, run) =>
    expected.map((min, i) => ({
      passed: (run.sites[i] ?? 0) >= min,
      message: `site ${i}: ${run.sites[i]} ≥ ${min}`,
    })),
};

/** Checks nested under names: results that name themselves. */
const named: ExpectationCheck<Record<string, string>, Run> = {
  id: "named",
  check: (expected, run) =>
    Object.entries(expected).flatMap(([name, want]) =>
      nestedResults(
        name,
        checkExpectations([result] as ExpectationCheck<never, Run>[], { result: want }, run),
      ),
    ),
};

const nothing: ExpectationCheck<boolean, Run> = { id: "nothing", check: () => [] };

const checks = [result, atLeast, named, nothing] as ExpectationCheck<never, Run>[];
const run: Run = { result: "converged", sites: [3, 1] };

describe("the expectation contract", () => {
  it("checks only what the mapping states, in the checks' order, named by their id", () => {
    expect(checkExpectations(checks, { atLeast: [2], result: "failed", other: 1 }, run)).toEqual([
      { name: "result", passed: false, message: "result is converged (want failed)" },
      { name: "atLeast", passed: true, message: "site 0: 3 ≥ 2" },
    ]);
    expect(checkExpectations(checks, {}, run)).toEqual([]);
  });

  it("gives each outcome of a list its own result, in the list's order", () => {
    const got = checkExpectations(checks, { atLeast: [2, 2] }, run);
    expect(got.map((r) => [r.name, r.passed])).toEqual([
      ["atLeast", true],
      ["atLeast", false],
    ]);
  });

  it("keeps the names of nested results, prefixed, and drops an empty list", () => {
    const got = checkExpectations(checks, { named: { a: "converged", b: "halted" }, nothing: true }, run);
    expect(got).toEqual([
      { name: "a.result", passed: true, message: "result is converged (want converged)" },
      { name: "b.result", passed: false, message: "result is converged (want halted)" },
    ]);
    // The name comes first, as text, JSON and JUnit print it.
    expect(Object.keys(got[0] ?? {})).toEqual(["name", "passed", "message"]);
  });

  it("treats null as a stated value and undefined as none", () => {
    const isNull: ExpectationCheck<null, Run> = {
      id: "halted",
      check: (expected) => ({ passed: expected === null, message: "no halt" }),
    };
    const list = [isNull] as ExpectationCheck<never, Run>[];
    expect(checkExpectations(list, { halted: null }, run)).toHaveLength(1);
    expect(checkExpectations(list, { halted: undefined }, run)).toHaveLength(0);
  });
});
