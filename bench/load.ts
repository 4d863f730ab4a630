import { performance } from "node:perf_hooks";
import { parseProfile } from "../src/profile/parse.js";
import { planUpdate } from "../src/rules/plan.js";

/** Plan time against profile size: the loading path (YAML, duplicate-key check, normalising) must be linear. */
export interface LoadSize {
  keys: number;
  megabytes: number;
  /** Parse both profiles and plan them (one value differs), best of the runs. */
  ms: number;
}

/** A k3s profile up to its kubernetes values (indented 6 under `values:`), after its `name:` line. */
export const PROFILE_HEAD = [
  "distribution: k3s",
  "layers:",
  "  os: { pack: edge-native-byoi, version: 2.1.0, values: { options: { system.uri: registry.example.com/os:1 } } }",
  "  network: { pack: cni-calico, version: 3.28.2, values: {} }",
  "  kubernetes:",
  "    pack: edge-k3s",
  "    version: 1.30.5",
  "    values:",
];

/** A k3s profile whose kubernetes layer holds `keys` values under a few hundred parent mappings. */
export function profileWithKeys(keys: number, changed: boolean): string {
  const lines = ["name: big", ...PROFILE_HEAD];
  const perGroup = 1000;
  for (let group = 0; group * perGroup < keys; group++) {
    lines.push(`      group${group}:`);
    for (let i = group * perGroup; i < Math.min(keys, (group + 1) * perGroup); i++) {
      lines.push(`        key${i}: value-${i}${changed && i === keys - 1 ? "-changed" : ""}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

export function benchLoad(sizes: readonly number[] = [1_000, 10_000, 100_000, 500_000]): LoadSize[] {
  const out: LoadSize[] = [];
  // Warm-up, so the first size does not pay for compilation.
  planUpdate(
    parseProfile(profileWithKeys(2000, false), "a.yaml"),
    parseProfile(profileWithKeys(2000, true), "b.yaml"),
  );
  for (const keys of sizes) {
    const from = profileWithKeys(keys, false);
    const to = profileWithKeys(keys, true);
    const runs = keys >= 100_000 ? 1 : 3;
    let best = Number.POSITIVE_INFINITY;
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      const plan = planUpdate(parseProfile(from, "from.yaml"), parseProfile(to, "to.yaml"));
      best = Math.min(best, performance.now() - started);
      if (plan.changes.length !== 1) throw new Error(`expected one change, got ${plan.changes.length}`);
    }
    out.push({ keys, megabytes: Buffer.byteLength(from) / 1024 / 1024, ms: best });
  }
  return out;
}
