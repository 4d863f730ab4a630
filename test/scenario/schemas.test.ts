import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { jsonSchemas } from "../../src/kinds/json-schema.js";

const SCHEMAS = fileURLToPath(new URL("../../schemas/", import.meta.url));
const SCENARIOS = fileURLToPath(new URL("../../scenarios/", import.meta.url));

describe("shipped JSON Schemas", () => {
  it.each(Object.entries(jsonSchemas()))(
    "schemas/%s equals a fresh generation (run `npm run schemas`)",
    (name, text) => {
      expect(readFileSync(`${SCHEMAS}${name}`, "utf8")).toBe(text);
    },
  );

  it("the scenario schema rejects unknown keys and lists every expectation", () => {
    const schema = JSON.parse(jsonSchemas()["scenario.schema.json"] as string);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties.expect.properties)).toContain("noDisruptionWhileKubernetesDown");
  });

  it("every bundled scenario names the scenario schema on its first line", () => {
    const files = readdirSync(SCENARIOS).filter((f) => f.endsWith(".yaml"));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const first = readFileSync(`${SCENARIOS}${file}`, "utf8").split("\n")[0];
      expect(first, file).toBe("# yaml-language-server: $schema=../schemas/scenario.schema.json");
    }
  });

  it("the fleet schema is strict, lists the fleet expectations, and every bundled fleet names it", () => {
    const schema = JSON.parse(jsonSchemas()["fleet.schema.json"] as string);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.clusters.items.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties.expect.properties)).toEqual([
      "result",
      "behavior",
      "clusters",
      "maxConcurrentClusters",
      "duration",
    ]);
    const fleets = readdirSync(`${SCENARIOS}fleet`).filter((f) => f.endsWith(".yaml"));
    expect(fleets.length).toBeGreaterThanOrEqual(3);
    for (const file of fleets) {
      const first = readFileSync(`${SCENARIOS}fleet/${file}`, "utf8").split("\n")[0];
      expect(first, file).toBe("# yaml-language-server: $schema=../../schemas/fleet.schema.json");
    }
  });
});
