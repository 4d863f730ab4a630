import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseProfile } from "../src/profile/parse.js";
import { planUpdate } from "../src/rules/plan.js";
import { parseYamlFile } from "../src/shared/yaml.js";

export interface PlanBench {
  /** Lines of the two profiles planned (each). */
  profileLines: [number, number];
  /** Parse both profiles and plan: what `edgesim plan` does after reading the files. */
  plansPerSecond: number;
  /** planUpdate alone, on profiles parsed once. */
  classifyPerSecond: number;
  /** Only YAML parsing of the two texts (the pack values held as YAML text included). */
  yamlPairsPerSecond: number;
  /** plan time / YAML time: how close planning comes to being limited by YAML parsing (1 = only YAML). */
  ratioToYaml: number;
  /** Share of a plan's time spent in planUpdate (diff + rules); the rest is reading the profiles. */
  classifyShare: number;
}

function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

/**
 * Calls per second of each function, measured in alternating slices of about `ms / rounds` milliseconds
 * (after a warm-up of all of them): on a shared machine, load that comes and goes then weighs on every
 * figure alike, so their ratios hold even when the absolute numbers do not.
 */
function rates(fns: readonly (() => void)[], ms: number, rounds = 10): number[] {
  for (const fn of fns) {
    const warmUpEnd = performance.now() + ms / 4;
    while (performance.now() < warmUpEnd) fn();
  }
  const calls = fns.map(() => 0);
  const elapsed = fns.map(() => 0);
  for (let round = 0; round < rounds; round++) {
    for (const [i, fn] of fns.entries()) {
      const start = performance.now();
      let now = start;
      let n = 0;
      while (now - start < ms / rounds) {
        for (let k = 0; k < 10; k++) fn();
        n += 10;
        now = performance.now();
      }
      calls[i] = (calls[i] as number) + n;
      elapsed[i] = (elapsed[i] as number) + (now - start);
    }
  }
  return calls.map((n, i) => (n * 1000) / (elapsed[i] as number));
}

/**
 * The YAML parsing a profile load cannot avoid: the same parseYamlFile call the loader makes (with its
 * LineCounter and toJS), for the file and for every pack's values held as YAML text.
 */
function parseYamlDeep(text: string): unknown {
  const document = parseYamlFile(text, "bench.yaml").value as {
    layers?: Record<string, { values?: unknown } | { values?: unknown }[]>;
    spec?: { template?: { packs?: { values?: unknown }[] } };
  };
  const layers = [...Object.values(document.layers ?? {}).flat(), ...(document.spec?.template?.packs ?? [])];
  for (const layer of layers) {
    if (typeof layer.values === "string") parseYamlFile(layer.values, "values");
  }
  return document;
}

/** Plans k3s-base → k3s-registry-change (two ~170-line profiles) over and over. */
export function benchPlan(ms = 1000): PlanBench {
  const dir = join(repositoryRoot(), "scenarios", "profiles");
  const fromText = readFileSync(join(dir, "k3s-base.yaml"), "utf8");
  const toText = readFileSync(join(dir, "k3s-registry-change.yaml"), "utf8");
  const from = parseProfile(fromText, "k3s-base.yaml");
  const to = parseProfile(toText, "k3s-registry-change.yaml");
  if (planUpdate(from, to).behavior !== "repave") throw new Error("bench profiles no longer repave");

  const [plansPerSecond, classifyPerSecond, yamlPairsPerSecond] = rates(
    [
      () => planUpdate(parseProfile(fromText, "from.yaml"), parseProfile(toText, "to.yaml")),
      () => planUpdate(from, to),
      () => {
        parseYamlDeep(fromText);
        parseYamlDeep(toText);
      },
    ],
    ms,
  ) as [number, number, number];
  return {
    profileLines: [fromText.split("\n").length, toText.split("\n").length],
    plansPerSecond,
    classifyPerSecond,
    yamlPairsPerSecond,
    ratioToYaml: yamlPairsPerSecond / plansPerSecond,
    classifyShare: plansPerSecond / classifyPerSecond,
  };
}
