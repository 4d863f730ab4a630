import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { parseProfile } from "../src/profile/parse.js";
import { planUpdate } from "../src/rules/plan.js";

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

/** Runs `fn` repeatedly for about `ms` milliseconds (after a warm-up) and returns calls per second. */
function rate(fn: () => void, ms: number): number {
  const warmUpEnd = performance.now() + ms / 4;
  while (performance.now() < warmUpEnd) fn();
  let calls = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 10; i++) fn();
    calls += 10;
    now = performance.now();
  }
  return (calls * 1000) / (now - start);
}

/** YAML-parses a document and every string value that itself holds a YAML mapping (Palette pack values). */
function parseYamlDeep(text: string): unknown {
  const visit = (value: unknown): void => {
    if (typeof value === "string" && value.includes(":\n")) visit(parse(value));
    else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === "object") Object.values(value).forEach(visit);
  };
  const document = parse(text);
  visit(document);
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

  const plansPerSecond = rate(() => {
    planUpdate(parseProfile(fromText, "from.yaml"), parseProfile(toText, "to.yaml"));
  }, ms);
  const classifyPerSecond = rate(() => {
    planUpdate(from, to);
  }, ms);
  const yamlPairsPerSecond = rate(() => {
    parseYamlDeep(fromText);
    parseYamlDeep(toText);
  }, ms);
  return {
    profileLines: [fromText.split("\n").length, toText.split("\n").length],
    plansPerSecond,
    classifyPerSecond,
    yamlPairsPerSecond,
    ratioToYaml: yamlPairsPerSecond / plansPerSecond,
    classifyShare: plansPerSecond / classifyPerSecond,
  };
}
