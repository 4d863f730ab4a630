import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/*
 * The layout rules of docs/architecture.md ("Rules the layout test enforces"), read from the sources: the top-level folders of src/
 * import each other without a cycle (nor do the files of cli/, sim/ and fleet/), nothing imports from cli/, cli/
 * reaches the domain only through CLI_ENTRIES, and no core module (profile, rules, machines, sim,
 * controller) imports fs or pino — directly, or through another module of src/.
 */

const SRC = resolve(import.meta.dirname, "../src");
const CORE = ["profile", "rules", "machines", "sim", "controller"];
/**
 * The core modules that may read files: the profile file loader (a thin wrapper that reads the file and
 * hands the text to the pure parser) and the folder's index, which re-exports it. Nothing else in the
 * core imports either (checked below: they would show up as a chain).
 */
const CORE_IO_ALLOWED = new Set(["profile/file.ts", "profile/index.ts"]);
const IO_PACKAGES = new Set(["fs", "node:fs", "fs/promises", "node:fs/promises", "pino"]);
/**
 * The only modules of the domain cli/ may import (beyond shared/, its small helpers, and report/, the
 * formatters it prints with): one door per command, so an action parses its arguments, calls a library
 * function and prints, and orchestration (threads, shards, what-ifs, report pages) stays in the library.
 */
const CLI_ENTRIES: Record<string, string> = {
  "calibrate/backtest.ts": "backtest",
  "calibrate/calibrate.ts": "calibrate",
  "fleet/orchestrate.ts": "fleet, fleet merge; run and path --fleet given a fleet",
  "fleet/report-page.ts": "report given a fleet",
  "kinds/registry.ts": "every command that reads a file: its kind, one sentence for the wrong one",
  "path/files.ts": "path: the versions list it reads, the revisions it writes, its input's types",
  "profile/index.ts": "plan and path: profiles parsed",
  "quiz/questions.ts": "quiz: the questions drawn",
  "quiz/render.ts": "quiz: a question shown, an answer read",
  "quiz/results.ts": "quiz: the results file",
  "quiz/score.ts": "quiz: the scores",
  "quiz/topics.ts": "quiz: the topics (also for --help)",
  "rules/reference.ts": "rules --help: the reference page",
  "rules/table.ts": "rules: the rules that apply",
  "scenario/log-file.ts": "run --log",
  "scenario/report-page.ts": "report given a scenario",
  "scenario/run.ts": "run given a scenario",
  "serve/server.ts": "serve",
  "sim/estimate.ts": "plan: the plan and its estimate",
  "suite/mutants.ts": "test --mutate: the mutants",
  "suite/mutate.ts": "test --mutate: the score",
  "suite/suite-runner.ts": "test: each file run under the time limit",
  "suite/suite.ts": "test: the files found, a case's result",
};

/** Every specifier a module imports: `import … from`, `export … from`, side-effect `import "…"`, `import("…")`. */
function importsOf(text: string): string[] {
  const found: string[] = [];
  const patterns = [
    /^\s*(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']/gm,
    /^\s*import\s*["']([^"']+)["']/gm,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.push(match[1] as string);
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** Module (path under src/, `.ts`) → the modules of src/ and the packages it imports. */
function moduleGraph(): Map<string, { local: string[]; packages: string[] }> {
  const graph = new Map<string, { local: string[]; packages: string[] }>();
  for (const file of sourceFiles(SRC)) {
    const local: string[] = [];
    const packages: string[] = [];
    for (const spec of importsOf(readFileSync(file, "utf8"))) {
      if (spec.startsWith("."))
        local.push(relative(SRC, resolve(dirname(file), spec)).replace(/\.js$/, ".ts"));
      else packages.push(spec);
    }
    graph.set(relative(SRC, file), { local, packages });
  }
  return graph;
}

const folderOf = (module: string) => (module.includes("/") ? (module.split("/")[0] as string) : module);

/** A cycle in a directed graph, as the list of its nodes (first = last), or undefined. */
function findCycle(edges: ReadonlyMap<string, ReadonlySet<string>>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === "done") return undefined;
    if (state.get(node) === "open") return [...path.slice(path.indexOf(node)), node];
    state.set(node, "open");
    path.push(node);
    for (const next of edges.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, "done");
    return undefined;
  };
  for (const node of [...edges.keys()].sort()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

const graph = moduleGraph();

describe("the layout of src/", () => {
  it("reads every kind of import statement", () => {
    const text = [
      'import { a } from "./a.js";',
      'import type { B } from "../b/b.js";',
      "import {\n  c,\n  d,\n} from './c.js';",
      'export { e } from "./e.js";',
      'export * from "./f.js";',
      'import "./g.js";',
      'const h = await import("../h/h.js");',
      '// a comment that says import x from "nowhere" is not read as an import',
    ].join("\n");
    expect(importsOf(text)).toEqual([
      "./a.js",
      "../b/b.js",
      "./c.js",
      "./e.js",
      "./f.js",
      "./g.js",
      "../h/h.js",
    ]);
  });

  it("finds a cycle when there is one, and none when there is not", () => {
    const edges = (pairs: [string, string][]) => {
      const map = new Map<string, Set<string>>();
      for (const [from, to] of pairs) map.set(from, (map.get(from) ?? new Set()).add(to));
      return map;
    };
    expect(
      findCycle(
        edges([
          ["a", "b"],
          ["b", "c"],
          ["a", "c"],
        ]),
      ),
    ).toBeUndefined();
    expect(
      findCycle(
        edges([
          ["a", "b"],
          ["b", "c"],
          ["c", "a"],
        ]),
      ),
    ).toEqual(["a", "b", "c", "a"]);
  });

  it("sees the whole source tree", () => {
    expect(graph.size).toBeGreaterThan(50);
    for (const folder of [...CORE, "cli", "scenario", "fleet", "shared", "suite"])
      expect(
        [...graph.keys()].some((m) => folderOf(m) === folder),
        folder,
      ).toBe(true);
  });

  it("has no import cycle between the top-level folders", () => {
    const edges = new Map<string, Set<string>>();
    const why = new Map<string, string>();
    for (const [module, { local }] of graph) {
      const from = folderOf(module);
      for (const target of local) {
        const to = folderOf(target);
        if (to === from) continue;
        edges.set(from, (edges.get(from) ?? new Set()).add(to));
        if (!why.has(`${from}>${to}`)) why.set(`${from}>${to}`, `${module} imports ${target}`);
      }
    }
    const cycle = findCycle(edges);
    const explained = cycle?.slice(1).map((to, i) => why.get(`${cycle[i]}>${to}`));
    expect(explained, `folder cycle ${cycle?.join(" → ")}`).toBeUndefined();
  });

  it.each(["cli", "sim", "fleet"])("has no import cycle between the files of %s/", (folder) => {
    const edges = new Map<string, Set<string>>();
    for (const [module, { local }] of graph) {
      if (folderOf(module) !== folder) continue;
      edges.set(module, new Set(local.filter((t) => folderOf(t) === folder)));
    }
    expect(edges.size).toBeGreaterThan(5);
    const cycle = findCycle(edges);
    expect(cycle, `file cycle ${cycle?.join(" → ")}`).toBeUndefined();
  });

  it("imports nothing from cli/ outside cli/", () => {
    const offenders = [...graph]
      .filter(([module]) => folderOf(module) !== "cli")
      .flatMap(([module, { local }]) =>
        local.filter((t) => folderOf(t) === "cli").map((t) => `${module} → ${t}`),
      );
    expect(offenders).toEqual([]);
  });

  it("lets cli/ reach the domain only through the named entry modules", () => {
    const offenders = [...graph]
      .filter(([module]) => folderOf(module) === "cli")
      .flatMap(([module, { local }]) =>
        local
          .filter((t) => !["cli", "shared", "report"].includes(folderOf(t)) && !(t in CLI_ENTRIES))
          .map((t) => `${module} → ${t}`),
      );
    expect(offenders).toEqual([]);
    // Every entry is used: the list says what the CLI needs, no more.
    const used = new Set([...graph].filter(([m]) => folderOf(m) === "cli").flatMap(([, { local }]) => local));
    expect(Object.keys(CLI_ENTRIES).filter((entry) => !used.has(entry))).toEqual([]);
  });

  it("keeps the charts out of `edgesim fleet`: its static imports never reach the page or its packages", () => {
    // Observable Plot and the DOM it draws in are most of the bundle's bytes; every fleet process (each
    // shard of a Kubernetes Job, each merge) would parse them for nothing. Only `report` and `serve` load them.
    const staticLocal = (module: string): string[] => {
      const text = readFileSync(join(SRC, module), "utf8").replace(/\bimport\(\s*["'][^"']+["']\s*\)/g, "");
      return importsOf(text)
        .filter((spec) => spec.startsWith("."))
        .map((spec) => relative(SRC, resolve(dirname(join(SRC, module)), spec)).replace(/\.js$/, ".ts"));
    };
    const reached = new Map<string, string>([["cli/fleet-action.ts", "cli/fleet-action.ts"]]);
    for (const [module, chain] of reached)
      for (const next of staticLocal(module)) if (!reached.has(next)) reached.set(next, `${chain} → ${next}`);
    expect(reached.size).toBeGreaterThan(20);
    expect(reached.has("fleet/run.ts")).toBe(true);
    const charts = ["fleet/html.ts", "fleet/svg.ts"];
    expect(charts.flatMap((m) => reached.get(m) ?? [])).toEqual([]);
    const packages = [...reached.keys()].flatMap((m) =>
      (graph.get(m)?.packages ?? [])
        .filter((p) => p.startsWith("@observablehq/") || p === "linkedom")
        .map((p) => `${reached.get(m)} imports ${p}`),
    );
    expect(packages).toEqual([]);
  });

  it("keeps fs and pino out of the core, directly and through other modules", () => {
    // Module → how it reaches fs or pino, to a fixpoint: a direct import, or an import of such a module.
    const io = new Map<string, string>();
    for (const [module, { packages }] of graph) {
      const direct = packages.find((p) => IO_PACKAGES.has(p));
      if (direct !== undefined) io.set(module, `${module} imports ${direct}`);
    }
    for (let grown = true; grown; ) {
      grown = false;
      for (const [module, { local }] of graph) {
        const target = io.has(module) ? undefined : local.find((t) => io.has(t));
        if (target === undefined) continue;
        io.set(module, `${module} → ${io.get(target)}`);
        grown = true;
      }
    }
    const offenders = [...graph.keys()]
      .filter((m) => CORE.includes(folderOf(m)) && !CORE_IO_ALLOWED.has(m))
      .flatMap((m) => io.get(m) ?? []);
    expect(offenders).toEqual([]);
  });
});
