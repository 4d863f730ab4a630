import { describe, expect, it } from "vitest";
import { parseProfile } from "../../src/profile/parse.js";
import { planUpdate } from "../../src/rules/plan.js";
import { diagnosticsOf, profileText } from "./helpers.js";

// Regressions found by the property tests in test/robustness.
describe("profiles: inputs that used to crash or lose data", () => {
  it("an alias inside the values it names is an input error, not a stack overflow", () => {
    const text = profileText({ os: "&v { a: *v }" });
    expect(diagnosticsOf(() => parseProfile(text, "p.yaml"))).toEqual([
      "p.yaml:6:21: alias *v is inside the node it names (&v): a value cannot contain itself",
    ]);
  });

  it("the same in values given as YAML text is placed in the outer file", () => {
    const text = profileText({ os: '"a: &x [*x]"' });
    const [message, ...rest] = diagnosticsOf(() => parseProfile(text, "p.yaml"));
    expect(rest).toEqual([]);
    expect(message).toMatch(
      /^p\.yaml:6:13: layers\.os\.values: invalid YAML in values .*inside the node it names/,
    );
  });

  it("an alias without its anchor is an input error, not a ReferenceError", () => {
    const text = profileText({ os: '"a: *missing"' });
    expect(diagnosticsOf(() => parseProfile(text, "p.yaml"))[0]).toMatch(
      /^p\.yaml:6:13: layers\.os\.values: invalid YAML in values .*\*missing has no anchor/,
    );
  });

  it("an empty file is an error at 1:1", () => {
    expect(diagnosticsOf(() => parseProfile("", "p.yaml"))).toEqual([
      "p.yaml:1:1: a profile must be a mapping with name and layers",
    ]);
  });

  it("a __proto__ key in mapping values is kept, as in YAML-text values, and never reaches a prototype", () => {
    const mapping = parseProfile(profileText({ os: "{ a: 1, __proto__: { polluted: 1 } }" }), "a.yaml");
    const text = parseProfile(profileText({ os: '"a: 1\\n__proto__: { polluted: 1 }"' }), "b.yaml");
    const values = mapping.layers[0]?.values as Record<string, unknown>;
    expect(Object.keys(values)).toEqual(["__proto__", "a"]);
    expect(Object.getPrototypeOf(values)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(planUpdate(mapping, text).changes).toEqual([]);
  });
});
