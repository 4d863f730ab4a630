import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { loadFleet, runLoadedFleet } from "../../src/fleet/file.js";
import { loadScenario } from "../../src/scenario/load.js";
import { runLoadedScenario } from "../../src/scenario/run.js";
import { InputError } from "../../src/shared/diagnostics.js";
import { applyMutations, assertDiagnostic, expectCleanError, mutationsArb, valueArb } from "./mutate.js";

/*
 * Mutated copies of the bundled scenarios and fleets, written next to copies of the bundled profiles and
 * golden timelines (the layout they expect: profiles/ and golden/ beside scenarios, fleets one folder down).
 * Loading either works or throws an InputError whose diagnostics name the scenario (or a profile it names)
 * and a place; a scenario that loads runs to its end, failing at most with an InputError.
 */

const SCENARIOS = "scenarios";
const dir = mkdtempSync(join(tmpdir(), "edgesim-robust-"));
cpSync(join(SCENARIOS, "profiles"), join(dir, "profiles"), { recursive: true });
cpSync(join(SCENARIOS, "golden"), join(dir, "golden"), { recursive: true });
mkdirSync(join(dir, "fleet"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const yamlFiles = (folder: string) =>
  readdirSync(folder)
    .filter((f) => f.endsWith(".yaml"))
    .sort();
const scenarioText = new Map(yamlFiles(SCENARIOS).map((f) => [f, readFileSync(join(SCENARIOS, f), "utf8")]));
const fleetText = new Map(
  yamlFiles(join(SCENARIOS, "fleet")).map((f) => [f, readFileSync(join(SCENARIOS, "fleet", f), "utf8")]),
);

const SCENARIO_FILE = join(dir, "s.yaml");
const FLEET_FILE = join(dir, "fleet", "f.yaml");
/** A diagnostic may name the file loaded or a profile it refers to (reported with that profile's own place). */
const namesOurFiles = (file: string) => file.startsWith(dir);

/** Whatever the run does with odd input, the only exception it may throw is an InputError that says where. */
function runCleanly(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    for (const d of error.diagnostics) assertDiagnostic(d, namesOurFiles);
  }
}

describe("scenarios and fleets: bad input is an InputError naming the file and a place", () => {
  it("bundled scenarios and fleets load from the temporary folder as they are", async () => {
    for (const [name, text] of scenarioText) {
      writeFileSync(SCENARIO_FILE, text);
      expect(loadScenario(SCENARIO_FILE).name, name).toBeTruthy();
    }
    for (const [name, text] of fleetText) {
      writeFileSync(FLEET_FILE, text);
      expect((await runLoadedFleet(loadFleet(FLEET_FILE))).name, name).toBeTruthy();
    }
  });

  it("mutated scenarios load or fail cleanly, and those that load run to the end", () => {
    fc.assert(
      fc.property(fc.constantFrom(...scenarioText.keys()), mutationsArb, (name, mutations) => {
        writeFileSync(SCENARIO_FILE, applyMutations(scenarioText.get(name) as string, mutations));
        const scenario = expectCleanError(() => loadScenario(SCENARIO_FILE), namesOurFiles);
        if (scenario) runCleanly(() => runLoadedScenario(scenario));
      }),
      { seed: 42, numRuns: 250 },
    );
  });

  it("a value of another type anywhere in a scenario (huge numbers included) fails cleanly or runs", () => {
    fc.assert(
      fc.property(fc.constantFrom(...scenarioText.keys()), fc.nat(), valueArb, (name, at, value) => {
        writeFileSync(
          SCENARIO_FILE,
          applyMutations(scenarioText.get(name) as string, [{ kind: "replace", at, value }]),
        );
        const scenario = expectCleanError(() => loadScenario(SCENARIO_FILE), namesOurFiles);
        if (scenario) runCleanly(() => runLoadedScenario(scenario));
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it("mutated fleets load or fail cleanly, and those that load roll to the end", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...fleetText.keys()), mutationsArb, async (name, mutations) => {
        writeFileSync(FLEET_FILE, applyMutations(fleetText.get(name) as string, mutations));
        const fleet = expectCleanError(() => loadFleet(FLEET_FILE), namesOurFiles);
        if (!fleet) return;
        try {
          await runLoadedFleet(fleet);
        } catch (error) {
          runCleanly(() => {
            throw error;
          });
        }
      }),
      { seed: 42, numRuns: 150 },
    );
  });
});
