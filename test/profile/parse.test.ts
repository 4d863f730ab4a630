import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { inferDistribution, loadProfileFile, parseProfile } from "../../src/profile/index.js";
import type { Mapping, Profile, Value } from "../../src/profile/types.js";
import { Rng } from "../../src/shared/rng.js";
import { diagnosticsOf, FIXTURES, profileText } from "./helpers.js";

const layer = (p: Profile, name: string) => p.layers.find((l) => l.name === name);

describe("values forms", () => {
  it("a mapping and YAML text with the same content give the same values", () => {
    const mapping = parseProfile(profileText({ os: "{a: {b: 1}, c: [x, y]}" }), "m.yaml");
    const text = parseProfile(profileText({ os: '"a:\\n  b: 1\\nc: [x, y]\\n"' }), "t.yaml");
    const block = parseProfile(
      profileText({ os: "|\n      c:\n        - x\n        - y\n      a: {b: 1}" }),
      "b.yaml",
    );
    expect(layer(mapping, "os")?.values).toEqual({ a: { b: 1 }, c: ["x", "y"] });
    expect(layer(text, "os")?.values).toEqual(layer(mapping, "os")?.values);
    expect(layer(block, "os")?.values).toEqual(layer(mapping, "os")?.values);
  });

  it("absent, null and empty-text values are an empty mapping", () => {
    for (const values of ["null", "~", '""', "|\n      # only a comment"]) {
      expect(layer(parseProfile(profileText({ os: values }), "p.yaml"), "os")?.values).toEqual({});
    }
  });

  it("dotted keys equal nested keys, merged at any depth and inside lists", () => {
    const dotted = parseProfile(
      profileText({
        os: "{options.system.uri: X, options.system: {repo: r}, options: {a.b: 1}, l: [{x.y: 1}]}",
      }),
      "d.yaml",
    );
    expect(layer(dotted, "os")?.values).toEqual({
      l: [{ x: { y: 1 } }],
      options: { a: { b: 1 }, system: { repo: "r", uri: "X" } },
    });
  });

  it("keys are sorted whatever the file order, and comments do not matter", () => {
    const a = parseProfile(profileText({ os: "\n      z: 1 # last\n      a: 2" }), "a.yaml");
    const b = parseProfile(profileText({ os: "{a: 2, z: 1}" }), "b.yaml");
    expect(Object.keys(layer(a, "os")?.values ?? {})).toEqual(["a", "z"]);
    expect(layer(a, "os")?.values).toEqual(layer(b, "os")?.values);
  });

  it("the three fixture forms (mapping, YAML text, shuffled and dotted) give equal profiles", () => {
    const base = loadProfileFile(`${FIXTURES}/base.yaml`);
    const text = loadProfileFile(`${FIXTURES}/base-text.yaml`);
    expect(text.layers.map((l) => l.values)).toEqual(base.layers.map((l) => l.values));
    expect({ ...text, file: "", layers: [] }).toEqual({ ...base, file: "", layers: [] });
  });

  it("keeps a numeric version as written", () => {
    const p = parseProfile(profileText().replace("version: 1.30.5", "version: 1.30"), "p.yaml");
    expect(layer(p, "kubernetes")?.version).toBe("1.30");
  });

  // Property: however a mapping is written (key order, dotted or nested keys, mapping or YAML text),
  // the normalised values are the same.
  const key = fc.stringMatching(/^[a-z][a-z0-9-]{0,4}$/);
  const scalar = fc.oneof(
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.string({ maxLength: 8 }).filter((s) => !s.includes("{{")),
  );
  const tree = fc.letrec<{ node: Mapping }>((tie) => ({
    node: fc.dictionary(key, fc.oneof({ depthSize: "small" }, scalar, tie("node")) as fc.Arbitrary<Value>, {
      maxKeys: 4,
    }),
  })).node;

  function rewrite(value: Mapping, rng: Rng): Mapping {
    const keys = Object.keys(value);
    for (let i = keys.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [keys[i], keys[j]] = [keys[j] as string, keys[i] as string];
    }
    const out: Mapping = {};
    for (const k of keys) {
      const child = value[k] as Value;
      if (
        typeof child === "object" &&
        child !== null &&
        !Array.isArray(child) &&
        Object.keys(child).length > 0
      ) {
        const rewritten = rewrite(child, rng);
        if (rng.next() < 0.5) {
          for (const [ck, cv] of Object.entries(rewritten)) out[`${k}.${ck}`] = cv;
        } else out[k] = rewritten;
      } else out[k] = child;
    }
    return out;
  }

  it("property: shuffled, dotted and text forms parse equal", () => {
    fc.assert(
      fc.property(tree, fc.integer(), fc.boolean(), (values, seed, asText) => {
        const written = rewrite(values, new Rng(seed));
        const doc = {
          name: "p",
          layers: {
            os: { pack: "edge-native-byoi", version: "1", values: asText ? stringify(written) : written },
            kubernetes: { pack: "edge-k3s", version: "1.30.5", values: values },
          },
        };
        const profile = parseProfile(stringify(doc), "p.yaml");
        expect(layer(profile, "os")?.values).toEqual(layer(profile, "kubernetes")?.values);
      }),
      { numRuns: 200 },
    );
  });
});

describe("distribution", () => {
  it.each([
    ["edge-rke2", "rke2"],
    ["rke2-hardened", "rke2"],
    ["edge-k3s", "k3s"],
    ["my-k3s", "k3s"],
    ["edge-k8s", "pxk-e"],
    ["pxk-e", "pxk-e"],
    ["edge-pxk", "pxk-e"],
    ["kubernetes", "pxk-e"],
    ["edge-canonical", "canonical"],
    ["kubernetes-ck8s", "canonical"],
    ["kubernetes-eks", undefined],
    ["edge-microk8s", undefined],
  ])("pack %s → %s", (pack, expected) => {
    expect(inferDistribution(pack)).toBe(expected);
  });

  const withPack = (pack: string, header?: string) =>
    profileText(header ? { header } : {}).replace("pack: edge-k3s", `pack: ${pack}`);

  it("the file's distribution wins over the pack name, the option over both", () => {
    const inferred = parseProfile(withPack("edge-rke2"), "p.yaml");
    expect([inferred.distribution, inferred.distributionInferred]).toEqual(["rke2", true]);
    const stated = parseProfile(withPack("edge-rke2", "distribution: k3s"), "p.yaml");
    expect([stated.distribution, stated.distributionInferred]).toEqual(["k3s", false]);
    const option = parseProfile(withPack("edge-rke2", "distribution: k3s"), "p.yaml", {
      distribution: "pxk-e",
    });
    expect([option.distribution, option.distributionInferred]).toEqual(["pxk-e", false]);
  });

  it("a pack name that says nothing is an error at layers.kubernetes.pack", () => {
    expect(diagnosticsOf(() => parseProfile(withPack("edge-microk8s"), "p.yaml"))).toEqual([
      'p.yaml:8:11: layers.kubernetes.pack: cannot infer the distribution from pack "edge-microk8s"; set distribution: to pxk-e, k3s, rke2 or canonical',
    ]);
    expect(parseProfile(withPack("edge-microk8s", "distribution: pxk-e"), "p.yaml").distribution).toBe(
      "pxk-e",
    );
  });

  it('the kubeadm pack "kubernetes" is read as pxk-e, and the profile\'s warnings say it is an assumption', () => {
    const profile = parseProfile(withPack("kubernetes"), "p.yaml");
    expect(profile.distribution).toBe("pxk-e");
    expect(profile.warnings[0]).toContain('"kubernetes"');
    expect(profile.warnings[0]).toContain("assumption");
  });

  it("an unknown distribution is an error at its line:col", () => {
    expect(diagnosticsOf(() => parseProfile(withPack("edge-k3s", "distribution: k8s"), "p.yaml"))).toEqual([
      'p.yaml:2:15: distribution: must be one of pxk-e, k3s, rke2, canonical (got "k8s")',
    ]);
  });
});

describe("Palette cluster-profile export", () => {
  it("gives the same profile as the equivalent plain file", () => {
    const plain = loadProfileFile(`${FIXTURES}/base.yaml`);
    const exported = loadProfileFile(`${FIXTURES}/palette-export.yaml`);
    expect({ ...exported, file: "" }).toEqual({ ...plain, file: "" });
  });

  it("add-on packs keep export order and need a version or tag", () => {
    const text = [
      "metadata: {name: x}",
      "spec:",
      "  template:",
      "    packs:",
      "      - {name: edge-native-byoi, layer: os, version: 2.1.0}",
      "      - {name: edge-rke2, layer: k8s, tag: 1.29.9}",
      "      - {name: zeta, layer: addon, version: 1.0.0, values: 'a: 1'}",
      "      - {name: alpha, layer: addon, version: 2.0.0}",
      "      - {name: beta, layer: addon}",
    ].join("\n");
    expect(diagnosticsOf(() => parseProfile(text, "e.yaml"))).toEqual([
      "e.yaml:9:9: spec.template.packs[4]: a pack needs a version or a tag",
    ]);
    const p = parseProfile(text.split("\n").slice(0, -1).join("\n"), "e.yaml");
    expect(p.layers.map((l) => `${l.name}@${l.version}`)).toEqual([
      "os@2.1.0",
      "kubernetes@1.29.9",
      "addon:zeta@1.0.0",
      "addon:alpha@2.0.0",
    ]);
    expect(p.distribution).toBe("rke2");
  });

  it("an export without packs names what is missing; without metadata it is named after its file", () => {
    expect(diagnosticsOf(() => parseProfile("spec: {template: {packs: []}}", "e.yaml"))).toEqual([
      "e.yaml:1:26: spec.template.packs: has no pack with layer os",
      "e.yaml:1:26: spec.template.packs: has no pack with layer k8s",
    ]);
    const packs =
      "spec: {template: {packs: [{name: edge-native-byoi, layer: os, version: 1}, {name: edge-k3s, layer: k8s, version: 1.30.5}]}}";
    expect(parseProfile(packs, "e.yaml").name).toBe("e.yaml");
  });

  it("an export without a k8s pack, or with two os packs, is an error", () => {
    const text = [
      "metadata: {name: x}",
      "spec:",
      "  template:",
      "    packs:",
      "      - {name: a, layer: os, version: 1}",
      "      - {name: b, layer: os, version: 1}",
    ].join("\n");
    expect(diagnosticsOf(() => parseProfile(text, "e.yaml"))).toEqual([
      "e.yaml:6:26: spec.template.packs[1].layer: a second os pack (the first is spec.template.packs[0])",
      "e.yaml:5:7: spec.template.packs: has no pack with layer k8s",
    ]);
  });
});

describe("bad input", () => {
  it("malformed YAML names file:line:col", () => {
    const text = "name: test\nlayers:\n  os: {pack: a, version: 1\n  kubernetes: {}\n";
    const messages = diagnosticsOf(() => parseProfile(text, "bad.yaml"));
    expect(messages).toEqual([
      "bad.yaml:4:3: Flow map in block collection must be sufficiently indented and end with a }",
    ]);
  });

  it("a tab-indented file names the line of the tab", () => {
    const text = "name: test\nlayers:\n\tos: {}\n";
    expect(diagnosticsOf(() => parseProfile(text, "tab.yaml"))[0]).toMatch(/^tab\.yaml:3:1: /);
  });

  it("malformed YAML inside a block values text is placed in the outer file", () => {
    const text = profileText({ os: "|\n      a: 1\n      b: [1, 2\n      c: 3" });
    const messages = diagnosticsOf(() => parseProfile(text, "inner.yaml"));
    // The parser reports the unclosed list where the next entry (`c: 3`, inner line 3) begins.
    expect(messages).toEqual([
      "inner.yaml:9:7: layers.os.values: invalid YAML in values: Flow sequence in block collection must be sufficiently indented and end with a ]",
    ]);
  });

  it("malformed YAML inside a quoted values text points at the scalar and the inner line", () => {
    const text = profileText({ os: '"a: 1\\nb: [1, 2\\n"' });
    expect(diagnosticsOf(() => parseProfile(text, "q.yaml"))).toEqual([
      "q.yaml:6:13: layers.os.values: invalid YAML in values (line 3, column 1 of the values text): Flow sequence in block collection must be sufficiently indented and end with a ]",
    ]);
  });

  it("a missing file is an input error naming it", () => {
    expect(diagnosticsOf(() => loadProfileFile(`${FIXTURES}/no-such.yaml`))).toEqual([
      `${FIXTURES}/no-such.yaml: file not found`,
    ]);
  });

  it.each([
    [
      "missing name",
      "layers:\n  os: {pack: a, version: 1}\n  kubernetes: {pack: edge-k3s, version: 1}\n",
      ["f.yaml:1:1: name: is required"],
    ],
    ["missing layers", "name: x\n", ["f.yaml:1:1: layers: is required"]],
    [
      "missing kubernetes layer",
      "name: x\nlayers:\n  os: {pack: a, version: 1}\n",
      ["f.yaml:3:3: layers.kubernetes: must be a mapping with pack, version and values"],
    ],
    [
      "layer without pack",
      "name: x\nlayers:\n  os: {version: 1}\n  kubernetes: {pack: edge-k3s, version: 1}\n",
      ["f.yaml:3:7: layers.os.pack: is required"],
    ],
    [
      "layer without version",
      "name: x\nlayers:\n  os: {pack: a}\n  kubernetes: {pack: edge-k3s, version: 1}\n",
      ["f.yaml:3:7: layers.os.version: is required"],
    ],
    [
      "values a list",
      "name: x\nlayers:\n  os: {pack: a, version: 1, values: [1]}\n  kubernetes: {pack: edge-k3s, version: 1}\n",
      ["f.yaml:3:37: layers.os.values: must be a mapping or a string holding YAML"],
    ],
    [
      "values text not a mapping",
      "name: x\nlayers:\n  os: {pack: a, version: 1, values: just words}\n  kubernetes: {pack: edge-k3s, version: 1}\n",
      ["f.yaml:3:37: layers.os.values: must be a mapping or a string holding YAML that is a mapping"],
    ],
    [
      "a typo in a key",
      "name: x\nlayers:\n  os: {pack: a, verison: 1}\n  kubernetes: {pack: edge-k3s, version: 1}\n",
      [
        "f.yaml:3:7: layers.os.version: is required",
        'f.yaml:3:26: layers.os.verison: unknown key (did you mean "version"?)',
      ],
    ],
    [
      "an unknown top-level key",
      "name: x\nfoo: 1\nlayers:\n  os: {pack: a, version: 1}\n  kubernetes: {pack: edge-k3s, version: 1}\n",
      ["f.yaml:2:6: foo: unknown key (expected one of name, description, distribution, variables, layers)"],
    ],
    ["not a mapping", "- a\n- b\n", ["f.yaml:1:1: a profile must be a mapping with name and layers"]],
    ["an empty file", "", ["f.yaml:1:1: a profile must be a mapping with name and layers"]],
  ])("%s", (_, text, expected) => {
    expect(diagnosticsOf(() => parseProfile(text, "f.yaml"))).toEqual(expected);
  });

  it("several problems in one file are reported together", () => {
    const text = [
      "name: x",
      "distribution: k9s",
      "layers:",
      "  os: {version: 1}",
      "  kubernetes: {pack: edge-k3s, version: 1}",
      "  storage: {pack: csi, version: 1, valuez: {}}",
    ].join("\n");
    expect(diagnosticsOf(() => parseProfile(text, "m.yaml"))).toEqual([
      'm.yaml:2:15: distribution: must be one of pxk-e, k3s, rke2, canonical (got "k9s")',
      "m.yaml:4:7: layers.os.pack: is required",
      'm.yaml:6:44: layers.storage.valuez: unknown key (did you mean "values"?)',
    ]);
  });

  it("normalisation problems of several layers are reported together", () => {
    const text = profileText({ os: "{a.b: 1, a: {b: 2}}", kubernetes: "'x: [unclosed'" }).replace(
      "pack: edge-k3s",
      "pack: kube",
    );
    const messages = diagnosticsOf(() => parseProfile(text, "n.yaml"));
    expect(messages).toHaveLength(3);
    expect(messages[0]).toBe(
      "n.yaml:6:25: layers.os.values.a.b: is set twice (a dotted key and a nested key name the same path)",
    );
    expect(messages[1]).toMatch(/^n\.yaml:10:13: layers\.kubernetes\.values: invalid YAML in values/);
    expect(messages[2]).toMatch(/^n\.yaml:8:11: layers\.kubernetes\.pack: cannot infer the distribution/);
  });

  it("the same add-on pack twice is an error", () => {
    const text = profileText({
      extra: "  addons:\n    - {pack: metallb, version: 1}\n    - {pack: metallb, version: 2}",
    });
    expect(diagnosticsOf(() => parseProfile(text, "a.yaml"))).toEqual([
      'a.yaml:13:14: layers.addons[1].pack: pack "metallb" is already an add-on layer (layers.addons[0].pack); each add-on pack may appear once',
    ]);
  });
});

describe("keys named like Object.prototype members", () => {
  it("stay own keys, in order, without touching any prototype", () => {
    const p = parseProfile(
      profileText({ os: "'{z: 1, __proto__: 2, constructor: 3, toString: 4, a.__proto__.b: 5}'" }),
      "p.yaml",
    );
    const values = p.layers.find((l) => l.name === "os")?.values as Mapping;
    expect(Object.keys(values)).toEqual(["__proto__", "a", "constructor", "toString", "z"]);
    expect(Object.getPrototypeOf(values)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(values, "__proto__")?.value).toBe(2);
    expect(Object.getOwnPropertyDescriptor(values.a, "__proto__")?.value).toEqual({ b: 5 });
    expect(({} as Record<string, unknown>).b).toBeUndefined();
  });
});
