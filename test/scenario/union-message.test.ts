import { describe, it } from "vitest";
import { expectScenarioDiagnostic, HEADER } from "./helpers.js";

describe("a value of a type no branch of a union takes", () => {
  it("is told the types it may be, not zod's 'Invalid input'", () => {
    const text = HEADER.replace("workers: 2", 'workers: 0\n  twoNode: "yes"').replace(
      "controlPlanes: 1",
      "controlPlanes: 2",
    );
    expectScenarioDiagnostic(`${text}events: []\n`, /^must be a boolean or a mapping \(got "yes"\)$/, 5, 12);
  });
});
