import type { PathSearchResult } from "../path/search.js";
import type { ExpectationResult } from "../scenario/expectations.js";
import { plural } from "../shared/plural.js";
import type { PathExpect } from "./path-file.js";

/** A path file's expectations, checked against the recommended path (the first of the search's). */
export function evaluatePathExpectations(expect: PathExpect, result: PathSearchResult): ExpectationResult[] {
  const best = result.paths[0];
  const results: ExpectationResult[] = [];
  const none = `no path: ${result.noPath ?? "none found"}`;
  if (expect.noPath !== undefined) {
    const found = best !== undefined;
    results.push({
      name: "noPath",
      passed: found !== expect.noPath,
      message: found
        ? `a path was found (${plural(best.steps.length, "step")}), want ${expect.noPath ? "none" : "one"}`
        : `${none}${expect.noPath ? "" : ", want a path"}`,
    });
  }
  if (expect.steps !== undefined) {
    results.push(
      best
        ? {
            name: "steps",
            passed: best.steps.length === expect.steps,
            message: `the recommended path has ${plural(best.steps.length, "step")} (want ${expect.steps})`,
          }
        : { name: "steps", passed: false, message: none },
    );
  }
  if (expect.repavesPerNode !== undefined) {
    results.push(
      best
        ? {
            name: "repavesPerNode",
            passed: best.repavesPerNode === expect.repavesPerNode,
            message: `a node is repaved at most ${plural(best.repavesPerNode, "time")} (want ${expect.repavesPerNode})`,
          }
        : { name: "repavesPerNode", passed: false, message: none },
    );
  }
  if (expect.maxRepavesPerNode !== undefined) {
    results.push(
      best
        ? {
            name: "maxRepavesPerNode",
            passed: best.repavesPerNode <= expect.maxRepavesPerNode,
            message: `a node is repaved at most ${plural(best.repavesPerNode, "time")} (limit ${expect.maxRepavesPerNode})`,
          }
        : { name: "maxRepavesPerNode", passed: false, message: none },
    );
  }
  return results;
}
