import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { InputError, loadProfile, plan, runScenario } from "../../src/index.js";

const profiles = fileURLToPath(new URL("../fixtures/scenarios/profiles/", import.meta.url));
const scenario = fileURLToPath(new URL("../fixtures/scenarios/reboot.yaml", import.meta.url));

describe("library API", () => {
  it("plan takes paths or loaded profiles and gives the same plan", () => {
    const byPath = plan(`${profiles}small-base.yaml`, `${profiles}small-reboot.yaml`);
    const byProfile = plan(
      loadProfile(`${profiles}small-base.yaml`),
      loadProfile(`${profiles}small-reboot.yaml`),
    );
    expect(byPath.behavior).toBe("reboot");
    expect(byProfile).toEqual(byPath);
  });

  it("runScenario runs a file and checks its expectations", () => {
    const run = runScenario(scenario);
    expect(run).toMatchObject({ name: "fixture-reboot", result: "converged", passed: true });
    expect(runScenario(scenario, { seed: 5 })).toEqual(run);
  });

  it("bad input throws InputError", () => {
    expect(() => plan(`${profiles}broken.yaml`, `${profiles}small-base.yaml`)).toThrow(InputError);
  });
});
