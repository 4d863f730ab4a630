import type { PathSearchResult } from "../path/search.js";
import { checkExpectations, type ExpectationCheck, type ExpectationResult } from "../shared/expectations.js";
import { plural } from "../shared/plural.js";
import type { PathExpect } from "./path-file.js";

type PathCheck<K extends keyof PathExpect> = ExpectationCheck<NonNullable<PathExpect[K]>, PathSearchResult>;

const none = (result: PathSearchResult) => `no path: ${result.noPath ?? "none found"}`;

/** A check of the recommended path (the first of the search's); without one, it fails saying why. */
const ofBest =
  (
    check: (
      expected: number,
      best: NonNullable<PathSearchResult["paths"][number]>,
    ) => {
      passed: boolean;
      message: string;
    },
  ) =>
  (expected: number, result: PathSearchResult) => {
    const best = result.paths[0];
    return best ? check(expected, best) : { passed: false, message: none(result) };
  };

const noPath: PathCheck<"noPath"> = {
  id: "noPath",
  check: (expected, result) => {
    const best = result.paths[0];
    return {
      passed: (best !== undefined) !== expected,
      message: best
        ? `a path was found (${plural(best.steps.length, "step")}), want ${expected ? "none" : "one"}`
        : `${none(result)}${expected ? "" : ", want a path"}`,
    };
  },
};

const steps: PathCheck<"steps"> = {
  id: "steps",
  check: ofBest((expected, best) => ({
    passed: best.steps.length === expected,
    message: `the recommended path has ${plural(best.steps.length, "step")} (want ${expected})`,
  })),
};

const repavesPerNode: PathCheck<"repavesPerNode"> = {
  id: "repavesPerNode",
  check: ofBest((expected, best) => ({
    passed: best.repavesPerNode === expected,
    message: `a node is repaved at most ${plural(best.repavesPerNode, "time")} (want ${expected})`,
  })),
};

const maxRepavesPerNode: PathCheck<"maxRepavesPerNode"> = {
  id: "maxRepavesPerNode",
  check: ofBest((expected, best) => ({
    passed: best.repavesPerNode <= expected,
    message: `a node is repaved at most ${plural(best.repavesPerNode, "time")} (limit ${expected})`,
  })),
};

/** A path file's expectations, in the order they are reported. */
export const PATH_EXPECTATIONS = [noPath, steps, repavesPerNode, maxRepavesPerNode] as const;

/** A path file's expectations, checked against the recommended path (the first of the search's). */
export function evaluatePathExpectations(expect: PathExpect, result: PathSearchResult): ExpectationResult[] {
  return checkExpectations(PATH_EXPECTATIONS, expect, result);
}
