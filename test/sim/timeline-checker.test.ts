import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadScenario } from "../../src/scenario/load.js";
import { runLoadedScenario } from "../../src/scenario/run.js";
import {
  type CaseSpec,
  caseArb,
  loadedScenario,
  nodeNamesOf,
  runSeed,
  runsOf,
  scenarioYaml,
  writeScenario,
} from "./scenario-gen.js";

/*
 * An independent reading of `edgesim run --json`: this file checks the documented promises from the JSON
 * alone, with its own bookkeeping, never the project's expectation or availability code. Thousands of
 * random scenarios here; `npm run soak` runs 100x more.
 */

const BIN = fileURLToPath(new URL("../../bin/edgesim.js", import.meta.url));

// What a `--json` line of the timeline looks like to someone who only read the README.
interface Entry {
  t: number;
  node?: string;
  event: string;
  profile?: string;
  attempt?: number;
  action?: string;
  rule?: string;
  pool?: string;
  nodes?: string[];
}
interface RunJson {
  result: string;
  finalProfile: string;
  timeline: Entry[];
  nodes: { name: string; pool?: string; state: string; profile: string; actions: Record<string, number> }[];
}

/** The run as `edgesim run --json` prints it (the CLI prints exactly this; see the CLI test below). */
function runJson(spec: CaseSpec): RunJson {
  return JSON.parse(JSON.stringify(runLoadedScenario(loadedScenario(spec)), null, 2)) as RunJson;
}

const OUT = new Set(["node-cordoned", "node-draining", "node-drain-skipped", "action-started"]);
const BACK = new Set(["node-rejoined", "node-ready"]);
const SEGMENT_BEGINS = new Set(["rollout-started", "update-acknowledged"]);
const SEGMENT_ENDS = new Set(["rollout-finished", "rollout-halted", "update-rejected"]);

/** Every broken promise in one run, as readable sentences (empty when all hold). */
function violations(spec: CaseSpec, run: RunJson): string[] {
  const found: string[] = [];
  const say = (entry: Entry | undefined, what: string) =>
    found.push(`${what}${entry ? ` (at ${entry.t} ms: ${JSON.stringify(entry)})` : ""}`);
  const isCp = (node: string) => node.startsWith("cp-");
  const out = new Set<string>();
  let down = false;
  let segment = 0;
  let workerBegan = false;
  const firstAttempts = new Map<string, number>();
  const failedSince = new Set<string>();
  let lastT = 0;
  for (const entry of run.timeline) {
    if (entry.t < lastT) say(entry, "time went back");
    lastT = entry.t;
    if (entry.event === "kubernetes-down") down = true;
    if (entry.event === "kubernetes-up") down = false;
    if (SEGMENT_BEGINS.has(entry.event)) {
      segment++;
      workerBegan = false;
    }
    if (SEGMENT_ENDS.has(entry.event)) workerBegan = false;
    const node = entry.node;
    if (node === undefined) continue;
    const begins = OUT.has(entry.event) && !out.has(node);
    if (begins) out.add(node);
    if (BACK.has(entry.event)) out.delete(node);
    if (down && (begins || entry.event === "action-started" || entry.event === "action-retried"))
      say(entry, "something started while Kubernetes was down");
    // A node reports Ready through the API server: none rejoins while Kubernetes is down.
    if (down && BACK.has(entry.event)) say(entry, "a node came back Ready while Kubernetes was down");
    const cps = [...out].filter(isCp).length;
    if (cps > 1) say(entry, `${cps} control planes disrupted at once`);
    if (out.size - cps > spec.maxUnavailable)
      say(entry, `${out.size - cps} workers disrupted at once (maxUnavailable ${spec.maxUnavailable})`);
    if (begins && isCp(node) && workerBegan)
      say(entry, "a control plane began after a worker in one rollout");
    if (begins && !isCp(node)) {
      if (cps > 0) say(entry, "a worker began while a control plane was disrupted");
      workerBegan = true;
    }
    if (entry.event === "action-failed") failedSince.add(node);
    if (entry.event === "action-started") {
      if (entry.attempt === 1) {
        const key = `${segment}/${node}/${entry.profile}`;
        const n = (firstAttempts.get(key) ?? 0) + 1;
        firstAttempts.set(key, n);
        if (n > 1) say(entry, `${node} updated twice to ${entry.profile} for one update`);
      } else if (!failedSince.has(node))
        say(entry, `${node} attempt ${entry.attempt} without a failed attempt`);
      failedSince.delete(node);
    }
  }

  for (const node of run.nodes) {
    const logged: Record<string, number> = {};
    for (const e of run.timeline)
      if (e.node === node.name && e.event === "action-started")
        logged[e.action as string] = (logged[e.action as string] ?? 0) + 1;
    if (JSON.stringify(Object.entries(node.actions).sort()) !== JSON.stringify(Object.entries(logged).sort()))
      say(
        undefined,
        `${node.name} actions ${JSON.stringify(node.actions)} but the timeline shows ${JSON.stringify(logged)}`,
      );
  }

  const kubernetes = run.timeline.filter((e) => e.event === "kubernetes-down" || e.event === "kubernetes-up");
  const upAtEnd = kubernetes.at(-1)?.event !== "kubernetes-down";
  const failed = run.timeline.some((e) => e.event === "rollout-halted" || e.event === "update-rejected");
  const outside = run.nodes.filter((n) => n.pool === undefined);
  if (run.result === "failed" && !failed) say(undefined, "result failed but no rollout halted");
  if (run.result === "blocked" && upAtEnd)
    say(undefined, "result blocked although Kubernetes is up at the end");
  if (run.result === "converged") {
    for (const n of run.nodes)
      if (n.state !== "Ready") say(undefined, `converged but ${n.name} is ${n.state}`);
    for (const n of outside)
      if (n.profile !== run.finalProfile) say(undefined, `converged but ${n.name} is on ${n.profile}`);
  }
  if (upAtEnd && !failed) {
    if (run.result !== "converged")
      say(undefined, `Kubernetes is up at the end and nothing failed, yet ${run.result}`);
    const skew = run.timeline.some(
      (e) => e.event === "update-refused" && e.rule === "kubernetes.version-skew",
    );
    const latest = run.timeline.filter((e) => e.event === "update-received").at(-1)?.profile ?? "k3s-base";
    if (!skew)
      for (const n of outside)
        if (n.profile !== latest)
          say(undefined, `the latest update is ${latest} but ${n.name} ended on ${n.profile}`);
  }
  // Pool nodes: on the final profile, unless the last rollout left them out (`pool-skipped`, the whole pool or
  // the nodes it lists) and no catch-up took them along since. A node left out while it finished a superseded
  // rollout's repave stays on that profile, or, if the repave fell back (A/B), on the one it rejoined on.
  if (run.result === "converged") {
    const staying = new Map<string, string>();
    const fellBack = new Set<string>();
    const members = (pool: string) => run.nodes.filter((n) => n.pool === pool).map((n) => n.name);
    for (const e of run.timeline) {
      if (SEGMENT_BEGINS.has(e.event) || e.event === "update-rejected") staying.clear();
      if (e.event === "pool-skipped")
        for (const name of e.nodes ?? members(e.pool as string)) staying.set(name, e.profile as string);
      if (e.event === "pool-catch-up") for (const name of members(e.pool as string)) staying.delete(name);
      if (e.node === undefined || !staying.has(e.node)) continue;
      if (e.event === "image-fallback") fellBack.add(e.node);
      if (e.event === "node-rejoined" && fellBack.delete(e.node)) staying.set(e.node, e.profile as string);
    }
    for (const n of run.nodes)
      if (n.pool !== undefined && n.profile !== (staying.get(n.name) ?? run.finalProfile))
        say(undefined, `converged but ${n.name} (pool ${n.pool}) is on ${n.profile}`);
  }
  if (run.nodes.map((n) => n.name).join() !== nodeNamesOf(spec).join())
    say(undefined, "unexpected node names");
  return found;
}

function assertNoViolations(label: string, runs: number) {
  const seed = runSeed(label);
  const details = fc.check(
    fc.property(caseArb, (spec) => violations(spec, runJson(spec)).length === 0),
    { seed, numRuns: runs },
  );
  if (details.failed && details.counterexample) {
    const [spec] = details.counterexample;
    const file = writeScenario(spec);
    throw new Error(
      `${violations(spec, runJson(spec)).join("\n")}\n\nshrunk case (seed ${seed}), replay with: npx edgesim run ${file} --allow-outside\n\n${scenarioYaml(spec)}`,
    );
  }
  if (details.failed) throw new Error(`property failed (seed ${seed}): ${String(details.errorInstance)}`);
}

describe("an independent reading of `edgesim run --json` timelines", () => {
  it(
    "finds no broken promise over thousands of random scenarios",
    () => {
      assertNoViolations("timeline checker", runsOf(1000));
    },
    120_000 * Number(process.env.INVARIANT_SCALE ?? 1),
  );

  it("accepts a left-out pool node whose superseded repave fell back (a shrunk soak case)", () => {
    // edge-1 is cordoned for k3s-os-uri-change when the Kubernetes upgrade supersedes it: it sits out the
    // upgrade, finishes the old repave, which fails and boots its previous image: it ends on k3s-base.
    const spec: CaseSpec = {
      seed: 0,
      controlPlanes: 1,
      workers: 2,
      pool: true,
      maxUnavailable: 1,
      retries: 0,
      abPartitions: true,
      jitter: 0,
      events: [
        { kind: "update", at: 0, profile: "k3s-os-uri-change" },
        { kind: "update", at: 60_000, profile: "k3s-kubernetes-upgrade" },
        { kind: "fail", at: 60_000, node: "edge-1", action: "repave", times: 1 },
        { kind: "down", at: 827_001 },
        { kind: "up", at: 827_002 },
      ],
    };
    const run = runJson(spec);
    expect(run.result).toBe("converged");
    // K3s refuses an update while a pool skips worker updates (kubernetes.skip-worker-update), so
    // the control plane stays where it was too.
    expect(run.nodes.map((n) => [n.name, n.profile])).toEqual([
      ["cp-1", "k3s-base"],
      ["edge-1", "k3s-base"],
      ["edge-2", "k3s-base"],
    ]);
    expect(violations(spec, run)).toEqual([]);
    // Had edge-1 ended on the upgrade, which it was left out of, that is a violation.
    const moved = { ...run, nodes: run.nodes.map((n) => ({ ...n, profile: "k3s-kubernetes-upgrade" })) };
    expect(violations(spec, moved)).toContain(
      "converged but edge-1 (pool edge) is on k3s-kubernetes-upgrade",
    );
  });

  it("reads what the CLI prints: `edgesim run --json` is the same JSON", () => {
    const spec = fc.sample(caseArb, { seed: 42, numRuns: 1 })[0] as CaseSpec;
    const file = writeScenario(spec);
    const printed = execFileSync(process.execPath, [BIN, "run", file, "--json", "--allow-outside"], {
      encoding: "utf8",
    });
    expect(printed).toBe(`${JSON.stringify(runLoadedScenario(loadScenario(file)), null, 2)}\n`);
  });

  it("catches a broken promise (the checker is not vacuous)", () => {
    const spec = fc.sample(caseArb, { seed: 7, numRuns: 1 })[0] as CaseSpec;
    const run = runJson({ ...spec, events: [{ kind: "update", at: 0, profile: "k3s-stage-boot-change" }] });
    // Pretend a worker went first and two control planes overlapped.
    const bad: RunJson = {
      ...run,
      timeline: [
        { t: 0, event: "rollout-started", profile: "x" },
        { t: 1, node: "worker-1", event: "node-cordoned" },
        { t: 2, node: "cp-1", event: "node-cordoned" },
        { t: 3, node: "cp-2", event: "node-cordoned" },
        { t: 2, event: "kubernetes-down" },
        { t: 4, node: "cp-3", event: "action-started", attempt: 2, action: "reboot" },
      ],
    };
    const found = violations({ ...spec, controlPlanes: 3, workers: 1 }, bad).join("\n");
    expect(found).toMatch(/control plane began after a worker/);
    expect(found).toMatch(/2 control planes disrupted at once/);
    expect(found).toMatch(/time went back/);
    expect(found).toMatch(/started while Kubernetes was down/);
    expect(found).toMatch(/attempt 2 without a failed attempt/);
  });
});
