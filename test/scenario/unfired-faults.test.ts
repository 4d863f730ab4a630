import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/scenario/run.js";
import { HEADER, workspace } from "./helpers.js";

// cp-1 begins its reboot at about 1m47s (cordon, drain): a fault armed at 3m comes too late for it, and
// there is no later reboot on cp-1, so it never fires.
const scenario = (expect: string) => `${HEADER}events:
  - { at: 1m, update: profiles/small-reboot.yaml }
  - { at: 3m, node: cp-1, fail: reboot }
  - { at: 10s, node: worker-2, fail: reboot }
expect:
  result: converged
${expect}`;

const run = (expect: string) => {
  const dir = workspace({ "s.yaml": scenario(expect) });
  return runScenario(join(dir, "s.yaml"));
};

describe("injected faults that never fire", () => {
  it("are reported per fault (in time order), with how many of their times fired", () => {
    const r = run("");
    expect(r.faults).toEqual([
      { at: 10_000, node: "worker-2", fail: "reboot", times: 1, fired: 1 },
      { at: 180_000, node: "cp-1", fail: "reboot", times: 1, fired: 0 },
    ]);
  });

  it("fail the scenario when it does not say it expects them", () => {
    const r = run("");
    expect(r.passed).toBe(false);
    const check = r.expectations.find((e) => e.name === "unfiredFaults");
    expect(check).toEqual({
      name: "unfiredFaults",
      passed: false,
      message: "1 injected fault did not fire: cp-1 fail reboot at 3m fired 0 of 1",
    });
  });

  it("pass with `unfiredFaults: allowed`, still listed", () => {
    const r = run("  unfiredFaults: allowed\n");
    expect(r.passed).toBe(true);
    expect(r.expectations.find((e) => e.name === "unfiredFaults")?.message).toMatch(
      /did not fire \(allowed\)/,
    );
  });

  it("add no check when every fault fired", () => {
    const dir = workspace({
      "s.yaml": `${HEADER}events:\n  - { at: 10s, node: worker-2, fail: reboot }\n  - { at: 1m, update: profiles/small-reboot.yaml }\n`,
    });
    const r = runScenario(join(dir, "s.yaml"));
    expect(r.faults.map((f) => f.fired)).toEqual([1]);
    expect(r.expectations.map((e) => e.name)).not.toContain("unfiredFaults");
  });
});
