import { describe, expect, it } from "vitest";
import { diffProfiles, diffValues, loadProfileFile, parseProfile } from "../../src/profile/index.js";
import type { LayerDiff } from "../../src/profile/types.js";
import { FIXTURES, profileText } from "./helpers.js";

const profile = (parts: Parameters<typeof profileText>[0]) => parseProfile(profileText(parts), "p.yaml");

/** The layer diffs without the profiles, for compact expectations. */
function layersOf(
  from: Parameters<typeof profileText>[0],
  to: Parameters<typeof profileText>[0],
): LayerDiff[] {
  return diffProfiles(profile(from), profile(to)).layers;
}

describe("diffValues", () => {
  it.each([
    ["leaf change", { a: { b: 1 } }, { a: { b: 2 } }, [{ path: "a.b", kind: "changed", from: 1, to: 2 }]],
    [
      "list item change",
      { stages: { boot: [{ commands: ["x", "y"] }] } },
      { stages: { boot: [{ commands: ["x", "z"] }] } },
      [{ path: "stages.boot[0].commands[1]", kind: "changed", from: "y", to: "z" }],
    ],
    [
      "added key",
      { a: 1 },
      { a: 1, b: { c: 1, d: [] } },
      [
        { path: "b.c", kind: "added", to: 1 },
        { path: "b.d", kind: "added", to: [] },
      ],
    ],
    ["removed key", { a: 1, b: 2 }, { a: 1 }, [{ path: "b", kind: "removed", from: 2 }]],
    ["list grows", { l: [1] }, { l: [1, 2] }, [{ path: "l[1]", kind: "added", to: 2 }]],
    [
      "empty mapping becomes a value",
      { m: {} },
      { m: { k: 1 } },
      [
        { path: "m", kind: "removed", from: {} },
        { path: "m.k", kind: "added", to: 1 },
      ],
    ],
    ["type change", { a: 1 }, { a: "1" }, [{ path: "a", kind: "changed", from: 1, to: "1" }]],
    ["nothing", { a: [1, { b: null }] }, { a: [1, { b: null }] }, []],
  ])("%s", (_, from, to, expected) => {
    expect(diffValues(from, to)).toEqual(expected);
  });

  it("sorts by path, list indices numerically", () => {
    const from = { l: Array.from({ length: 12 }, (_, i) => i), b: 1, a: { z: 1 } };
    const to = { l: Array.from({ length: 12 }, (_, i) => i + 1), b: 2, a: { z: 2 } };
    expect(diffValues(from, to).map((c) => c.path)).toEqual([
      "a.z",
      "b",
      ...Array.from({ length: 12 }, (_, i) => `l[${i}]`),
    ]);
  });
});

describe("diffProfiles", () => {
  it("equal profiles written differently have no differences", () => {
    const base = loadProfileFile(`${FIXTURES}/base.yaml`);
    expect(diffProfiles(base, loadProfileFile(`${FIXTURES}/base-text.yaml`)).layers).toEqual([]);
    expect(diffProfiles(base, loadProfileFile(`${FIXTURES}/palette-export.yaml`)).layers).toEqual([]);
  });

  it("compares rendered values: a parameter change shows at the macro's target too", () => {
    const from = profile({
      header: "variables: {tag: v1}",
      os: "{a: '{{ .spectro.var.tag }}', uri: 'r:{{ .spectro.pack.edge-native-byoi.a }}'}",
    });
    const to = profile({
      header: "variables: {tag: v2}",
      os: "{a: '{{ .spectro.var.tag }}', uri: 'r:{{ .spectro.pack.edge-native-byoi.a }}'}",
    });
    expect(diffProfiles(from, to).layers[0]?.changes).toEqual([
      { path: "a", kind: "changed", from: "v1", to: "v2" },
      { path: "uri", kind: "changed", from: "r:v1", to: "r:v2" },
    ]);
  });

  it("a version change", () => {
    const to = profileText().replace("version: 1.30.5", "version: 1.31.1");
    expect(diffProfiles(profile({}), parseProfile(to, "q.yaml")).layers).toEqual([
      {
        layer: "kubernetes",
        fromPack: "edge-k3s",
        toPack: "edge-k3s",
        fromVersion: "1.30.5",
        toVersion: "1.31.1",
        packSwitched: false,
        versionChanged: true,
        changes: [],
        manifestChanges: [],
      },
    ]);
  });

  it("a pack switch lists no value changes", () => {
    const network = (pack: string, mtu: number) =>
      `  network: {pack: ${pack}, version: 1.0.0, values: {mtu: ${mtu}}}`;
    expect(layersOf({ extra: network("cni-calico", 1) }, { extra: network("cni-cilium", 2) })).toEqual([
      {
        layer: "network",
        fromPack: "cni-calico",
        toPack: "cni-cilium",
        fromVersion: "1.0.0",
        toVersion: "1.0.0",
        packSwitched: true,
        versionChanged: false,
        changes: [],
        manifestChanges: [],
      },
    ]);
  });

  it("add-on layers added and removed, matched by pack, in layer order", () => {
    const addons = (...packs: string[]) =>
      `  addons:\n${packs.map((p) => `    - {pack: ${p}, version: 1.0.0, values: {v: ${p}}}`).join("\n")}`;
    const diff = layersOf(
      { os: "{a: 1}", extra: addons("metallb", "nginx") },
      { os: "{a: 2}", extra: addons("nginx", "longhorn") },
    );
    expect(diff.map((l) => [l.layer, l.fromPack, l.toPack])).toEqual([
      ["os", "edge-native-byoi", "edge-native-byoi"],
      ["addon:longhorn", undefined, "longhorn"],
      ["addon:metallb", "metallb", undefined],
    ]);
    expect(diff[1]).toEqual({
      layer: "addon:longhorn",
      toPack: "longhorn",
      toVersion: "1.0.0",
      packSwitched: false,
      versionChanged: false,
      changes: [],
      manifestChanges: [],
    });
  });
});
