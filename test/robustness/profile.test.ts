import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseProfile } from "../../src/profile/parse.js";
import type { Profile } from "../../src/profile/types.js";
import { planUpdate } from "../../src/rules/plan.js";
import { applyMutations, expectCleanError, MACRO_TEXTS, mutationsArb, valueArb } from "./mutate.js";

const PROFILES = "scenarios/profiles";
/** The bundled profiles plus the test fixtures' Palette export and YAML-text-values forms. */
const bundledFiles = [
  ...readdirSync(PROFILES)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => join(PROFILES, f)),
  "test/fixtures/profiles/palette-export.yaml",
  "test/fixtures/profiles/base-text.yaml",
];
const bundledText = new Map(bundledFiles.map((f) => [f, readFileSync(f, "utf8")]));
const bundled = [...bundledText.values()];

const load = (text: string): Profile | undefined =>
  expectCleanError(() => parseProfile(text, "p.yaml"), "p.yaml");

/** A plan between two profiles that load never throws, in either direction and with or without the quirk. */
function planBoth(a: Profile, b: Profile): void {
  for (const [from, to] of [
    [a, b],
    [b, a],
  ] as const) {
    const plan = planUpdate(from, to);
    expect(typeof plan.behavior).toBe("string");
    planUpdate(from, to, { rke2Quirk: false });
  }
}

/** Small profiles in the edgesim format: few layers, values with dotted keys, macros and odd scalars. */
const leafArb = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 8 }),
  fc.constantFrom(...MACRO_TEXTS),
);
const valuesArb = fc.oneof(
  fc.dictionary(
    fc.constantFrom(
      "a",
      "b",
      "a.b",
      "stages.boot",
      "pack.drain.timeout",
      "options.system.uri",
      "cluster.config",
    ),
    fc.oneof(leafArb, fc.dictionary(fc.constantFrom("x", "y.z", "a"), leafArb, { maxKeys: 2 })),
    { maxKeys: 4 },
  ),
  fc.constant(null),
);
const layerArb = (packs: readonly string[]) =>
  fc.record({
    pack: fc.constantFrom(...packs),
    version: fc.oneof(fc.constantFrom("1.30.5", "2.1.0", "1.30"), fc.double({ noNaN: true })),
    values: fc.oneof(
      valuesArb,
      valuesArb.map((v) => (v === null ? "" : stringify(v))),
    ),
  });
const generatedArb = fc
  .record({
    name: fc.constantFrom("gen-a", "gen-b"),
    distribution: fc.option(fc.constantFrom("k3s", "rke2", "pxk-e"), { nil: undefined }),
    variables: fc.option(fc.dictionary(fc.constantFrom("site", "x"), fc.oneof(fc.string(), fc.integer())), {
      nil: undefined,
    }),
    os: layerArb(["edge-native-byoi", "edge-native-ubuntu"]),
    kubernetes: layerArb(["edge-k3s", "edge-rke2", "edge-k8s", "kube-other"]),
    network: fc.option(layerArb(["cni-calico", "cni-cilium"]), { nil: undefined }),
    addons: fc.option(fc.array(layerArb(["addon-a", "addon-b"]), { maxLength: 2 }), { nil: undefined }),
  })
  .map(({ os, kubernetes, network, addons, distribution, variables, name }) => {
    const clean = (o: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
    return stringify(
      clean({
        name,
        distribution,
        variables,
        layers: clean({ os, kubernetes, network, addons }),
      }),
    );
  });

/** A bundled file by name (so a counterexample stays short) or a generated profile's text. */
const sourceArb = fc.oneof(fc.constantFrom(...bundledFiles), generatedArb);
const textOf = (source: string): string => bundledText.get(source) ?? source;

describe("profiles: bad input is an InputError naming p.yaml and a place, never a crash", () => {
  it("bundled profiles load as they are", () => {
    for (const text of bundled) expect(load(text)).toBeDefined();
  });

  it("mutated bundled and generated profiles load or fail cleanly", () => {
    fc.assert(
      fc.property(sourceArb, mutationsArb, (text, mutations) => {
        load(applyMutations(textOf(text), mutations));
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it("a value of another type anywhere in a generated profile fails cleanly", () => {
    fc.assert(
      fc.property(generatedArb, fc.nat(), valueArb, (text, at, value) => {
        load(applyMutations(text, [{ kind: "replace", at, value }]));
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it("planUpdate never throws between two profiles that load", () => {
    fc.assert(
      fc.property(sourceArb, mutationsArb, sourceArb, mutationsArb, (textA, mA, textB, mB) => {
        const a = load(applyMutations(textOf(textA), mA));
        const b = load(applyMutations(textOf(textB), mB));
        if (a && b) planBoth(a, b);
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});
