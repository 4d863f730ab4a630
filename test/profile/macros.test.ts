import { describe, expect, it } from "vitest";
import { macroReferences, parseProfile, transitiveReferences } from "../../src/profile/index.js";
import type { Profile } from "../../src/profile/types.js";
import { diagnosticsOf, profileText } from "./helpers.js";

const os = (p: Profile) => p.layers.find((l) => l.name === "os")?.values;
const PACK = ".spectro.pack.edge-k3s";

describe("rendering", () => {
  it.each([
    [`"{{${PACK}.cluster.name}}"`],
    [`"{{ ${PACK}.cluster.name }}"`],
    [`"{{   ${PACK}.cluster.name   }}"`],
    [`"{{- ${PACK}.cluster.name -}}"`],
  ])("pack macro %s", (macro) => {
    const p = parseProfile(
      profileText({ os: `{a: ${macro}}`, kubernetes: "{cluster: {name: edge}}" }),
      "p.yaml",
    );
    expect(os(p)).toEqual({ a: "edge" });
  });

  it("a value that is one macro keeps the referenced type; inside text it is text", () => {
    const p = parseProfile(
      profileText({
        os: `{n: "{{ ${PACK}.cluster.replicas }}", s: "x{{ ${PACK}.cluster.replicas }}", m: "{{ ${PACK}.cluster }}", t: "{{ ${PACK}.cluster.flag }}"}`,
        kubernetes: "{cluster: {replicas: 3, flag: true}}",
      }),
      "p.yaml",
    );
    expect(os(p)).toEqual({ n: 3, s: "x3", m: { flag: true, replicas: 3 }, t: true });
  });

  it("reaches into lists with numeric segments", () => {
    const p = parseProfile(
      profileText({
        os: "{a: '{{ .spectro.pack.edge-native-byoi.stages.boot.0.commands.1 }}', stages: {boot: [{commands: [x, y]}]}}",
      }),
      "p.yaml",
    );
    expect(os(p)?.a).toBe("y");
  });

  it("renders chains of macros, across layers, and the kubernetes version", () => {
    const p = parseProfile(
      profileText({
        os: "{uri: '{{ .spectro.pack.edge-native-byoi.parts.registry }}/os:{{ .spectro.system.kubernetes.version }}', parts: {registry: '{{ .spectro.pack.edge-k3s.reg }}'}}",
        kubernetes: "{reg: '{{ .spectro.pack.edge-k3s.host }}:5000', host: example.com}",
      }),
      "p.yaml",
    );
    expect(os(p)?.uri).toBe("example.com:5000/os:1.30.5");
    // rawValues keep what the user wrote.
    expect(p.layers[0]?.rawValues.parts).toEqual({ registry: "{{ .spectro.pack.edge-k3s.reg }}" });
  });

  it("variables come from the profile, overridden by options", () => {
    const text = profileText({
      header: "variables: {tag: v1, port: 8080}",
      os: "{a: '{{ .spectro.var.tag }}:{{.spectro.var.port}}'}",
    });
    expect(os(parseProfile(text, "p.yaml"))?.a).toBe("v1:8080");
    const overridden = parseProfile(text, "p.yaml", { variables: { tag: "v2" } });
    expect(os(overridden)?.a).toBe("v2:8080");
    expect(overridden.variables).toEqual({ tag: "v2", port: "8080" });
  });

  it("live-only macros and unset variables are kept (in one spelling) and warned once each, naming where", () => {
    const text = profileText({
      os: "\n      a: '{{.spectro.system.cluster.name}}-{{ .spectro.macro.site }}'\n      b: '{{ .spectro.var.missing }}'\n      c: '{{ .Values.helm }}'",
    });
    const p = parseProfile(text, "p.yaml");
    expect(os(p)).toEqual({
      a: "{{ .spectro.system.cluster.name }}-{{ .spectro.macro.site }}",
      b: "{{ .spectro.var.missing }}",
      c: "{{ .Values.helm }}",
    });
    expect(p.warnings).toEqual([
      "p.yaml:7:10: layers.os.values.a: {{.spectro.system.cluster.name}} is kept as written: its value exists only on a live cluster",
      "p.yaml:7:10: layers.os.values.a: {{ .spectro.macro.site }} is kept as written: its value exists only on a live cluster",
      "p.yaml:8:10: layers.os.values.b: {{ .spectro.var.missing }} is kept as written: variable missing is not set",
    ]);
  });

  // Positions are looked up only when a warning or error needs one; these pin them to where they were
  // before that (YAML-text values, dotted keys, list items, a dotted and a nested key reaching one mapping).
  it.each([
    [
      "in YAML-text values",
      {
        kubernetes:
          "|\n      a.b: '{{ .spectro.var.missing }}'\n      list:\n        - x\n        - '{{ .spectro.system.cluster.uid }}'\n      a:\n        c: '{{ .spectro.var.other }}'",
      },
      [
        "p.yaml:11:12: layers.kubernetes.values.a.b: {{ .spectro.var.missing }} is kept as written: variable missing is not set",
        "p.yaml:16:12: layers.kubernetes.values.a.c: {{ .spectro.var.other }} is kept as written: variable other is not set",
        "p.yaml:14:11: layers.kubernetes.values.list[1]: {{ .spectro.system.cluster.uid }} is kept as written: its value exists only on a live cluster",
      ],
    ],
    [
      "under a dotted key merged with a nested one",
      {
        os: "\n      a.b:\n        c: '{{ .spectro.system.cluster.uid }}'\n      a:\n        b:\n          d: '{{ .spectro.var.d }}'",
      },
      [
        "p.yaml:8:12: layers.os.values.a.b.c: {{ .spectro.system.cluster.uid }} is kept as written: its value exists only on a live cluster",
        "p.yaml:11:14: layers.os.values.a.b.d: {{ .spectro.var.d }} is kept as written: variable d is not set",
      ],
    ],
  ])("warnings %s name the line:col of the value", (_, parts, warnings) => {
    expect(parseProfile(profileText(parts), "p.yaml").warnings).toEqual(warnings);
  });

  it("a live macro referenced from elsewhere is warned once, where it is written", () => {
    const p = parseProfile(
      profileText({
        os: "{a: '{{ .spectro.system.cluster.uid }}', b: '{{ .spectro.pack.edge-native-byoi.a }}', c: '{{ .spectro.pack.edge-native-byoi.a }}'}",
      }),
      "p.yaml",
    );
    expect(os(p)).toEqual({
      a: "{{ .spectro.system.cluster.uid }}",
      b: "{{ .spectro.system.cluster.uid }}",
      c: "{{ .spectro.system.cluster.uid }}",
    });
    expect(p.warnings).toHaveLength(1);
  });
});

describe("macro errors", () => {
  it("a missing pack names the value holding the macro with line:col", () => {
    const text = profileText({ os: "\n      a:\n        b: 'x-{{ .spectro.pack.edge-nope.a }}'" });
    expect(diagnosticsOf(() => parseProfile(text, "p.yaml"))).toEqual([
      'p.yaml:8:12: layers.os.values.a.b: {{ .spectro.pack.edge-nope.a }} names pack "edge-nope", which the profile does not have',
    ]);
  });

  it("a missing path in a YAML-text value is placed in the outer file", () => {
    const text = profileText({
      kubernetes: '|\n      cluster:\n        uri: "{{ .spectro.pack.edge-native-byoi.options.nope }}"',
    });
    expect(diagnosticsOf(() => parseProfile(text, "p.yaml"))).toEqual([
      'p.yaml:12:14: layers.kubernetes.values.cluster.uri: {{ .spectro.pack.edge-native-byoi.options.nope }} names "options.nope", which pack "edge-native-byoi" does not have',
    ]);
  });

  it("a cycle is an error naming the cycle; missing refs are reported together with it", () => {
    const text = profileText({
      os: "{a: '{{ .spectro.pack.edge-native-byoi.b }}', b: 'x{{ .spectro.pack.edge-native-byoi.a }}', c: '{{.spectro.pack.x.y}}'}",
    });
    expect(diagnosticsOf(() => parseProfile(text, "p.yaml"))).toEqual([
      "p.yaml:6:17: layers.os.values.a: macros form a cycle: layers.os.values.a -> layers.os.values.b -> layers.os.values.a",
      'p.yaml:6:108: layers.os.values.c: {{.spectro.pack.x.y}} names pack "x", which the profile does not have',
    ]);
  });

  it("a value that contains itself is a cycle", () => {
    const text = profileText({ os: "{a: {b: '{{ .spectro.pack.edge-native-byoi.a }}'}}" });
    expect(diagnosticsOf(() => parseProfile(text, "p.yaml"))[0]).toContain(
      "macros form a cycle: layers.os.values.a -> layers.os.values.a.b -> layers.os.values.a",
    );
  });
});

describe("references", () => {
  it("macroReferences lists each macro once, in order", () => {
    expect(
      macroReferences(
        "{{ .spectro.pack.edge-native-byoi.options.system.registry }}/{{.spectro.var.repo}}:{{ .spectro.system.kubernetes.version }}-{{ .spectro.system.cluster.uid }}{{ .spectro.var.repo }}{{ .Values.x }}",
      ),
    ).toEqual([
      { kind: "pack", pack: "edge-native-byoi", path: "options.system.registry" },
      { kind: "variable", name: "repo" },
      { kind: "kubernetes-version" },
      { kind: "live", text: "{{ .spectro.system.cluster.uid }}" },
    ]);
    expect(macroReferences("plain")).toEqual([]);
  });

  it("transitiveReferences follows values that are themselves macros", () => {
    const p = parseProfile(
      profileText({
        header: "variables: {tag: v1}",
        os: "{options: {system: {uri: '{{ .spectro.pack.edge-native-byoi.options.system.registry }}:{{ .spectro.var.tag }}', registry: '{{ .spectro.pack.edge-k3s.reg }}', repo: r}}}",
        kubernetes: "{reg: 'h/{{ .spectro.system.kubernetes.version }}'}",
      }),
      "p.yaml",
    );
    expect(transitiveReferences(p, "os", "options.system.uri")).toEqual([
      // Depth first: what registry references comes before the uri's next macro.
      { kind: "pack", pack: "edge-native-byoi", path: "options.system.registry" },
      { kind: "pack", pack: "edge-k3s", path: "reg" },
      { kind: "kubernetes-version" },
      { kind: "variable", name: "tag" },
    ]);
    expect(transitiveReferences(p, "os", "options.system.repo")).toEqual([]);
    expect(transitiveReferences(p, "os", "options.nope")).toEqual([]);
  });
});
