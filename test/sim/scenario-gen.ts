import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { type LoadedScenario, loadScenario, type ScenarioEvent } from "../../src/scenario/load.js";
import type { NodeAction } from "../../src/sim/types.js";

/*
 * Random scenarios on the bundled k3s profiles (the real planner: repave, reboot, service restart, config
 * reload, no-op, and refused pack switches), as plain specs that print as scenario files. Built to reach
 * the corners: the same profile published again (also mid-rollout), bursts of updates at one instant,
 * outages that begin between a node's cordon and its action, agent restarts during outages, failures
 * armed before and after a node's action began, A/B fallbacks, worker pools skipping Kubernetes updates.
 */

const MIN = 60_000;
export const PROFILES_DIR = fileURLToPath(new URL("../../scenarios/profiles", import.meta.url));
export const PROFILES = [
  "k3s-base",
  "k3s-os-uri-change",
  "k3s-stage-boot-change",
  "k3s-cluster-config",
  "k3s-reconcile-change",
  "k3s-noop",
  "k3s-cni-values",
  "k3s-cni-switch",
  "k3s-kubernetes-upgrade",
  "sc-k3s-kubernetes-1-34",
] as const;
export type ProfileName = (typeof PROFILES)[number];
const ACTIONS = ["repave", "reboot", "service-restart", "config-reload", "any"] as const;

export type GenEvent =
  | { kind: "update"; at: number; profile: ProfileName }
  | { kind: "down"; at: number }
  | { kind: "up"; at: number }
  | { kind: "fail"; at: number; node: string; action: NodeAction | "any"; times: number }
  | { kind: "restart"; at: number }
  | { kind: "pool"; at: number; skipWorkerUpdate: boolean };

export interface CaseSpec {
  seed: number;
  controlPlanes: number;
  workers: number;
  /** Workers as one pool `edge` (nodes edge-1..) that skips worker updates, instead of worker-1... */
  pool: boolean;
  maxUnavailable: number;
  retries: number;
  abPartitions: boolean;
  jitter: 0 | 0.1;
  events: GenEvent[];
}

export function nodeNamesOf(spec: Pick<CaseSpec, "controlPlanes" | "workers" | "pool">): string[] {
  const names: string[] = [];
  for (let i = 1; i <= spec.controlPlanes; i++) names.push(`cp-${i}`);
  for (let i = 1; i <= spec.workers; i++) names.push(`${spec.pool ? "edge" : "worker"}-${i}`);
  return names;
}

const minutes = (max: number) => fc.integer({ min: 0, max }).map((m) => m * MIN);
/** Seconds after an anchor: inside a cordon (2 s) and drain (45 s), or a little later. */
const soonAfter = fc.oneof(fc.integer({ min: 0, max: 50_000 }), fc.integer({ min: 0, max: 20 * MIN }));

interface RawSpec extends Omit<CaseSpec, "events"> {
  updates: { at: number; profile: ProfileName; repeatAfter: number | null }[];
  outages: { anchor: number; offset: number; forMs: number | null }[];
  failures: { anchor: number; offset: number; node: number; action: NodeAction | "any"; times: number }[];
  restarts: { anchor: number; offset: number }[];
  toggles: { at: number; skipWorkerUpdate: boolean }[];
}

const profileArb = fc.constantFrom<ProfileName>(...PROFILES.filter((p) => p !== "k3s-base"), "k3s-base");

const rawArb: fc.Arbitrary<RawSpec> = fc.record({
  seed: fc.integer({ min: 0, max: 1_000_000 }),
  controlPlanes: fc.integer({ min: 1, max: 3 }),
  workers: fc.integer({ min: 0, max: 4 }),
  pool: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  maxUnavailable: fc.integer({ min: 1, max: 3 }),
  retries: fc.integer({ min: 0, max: 2 }),
  abPartitions: fc.boolean(),
  jitter: fc.constantFrom<0 | 0.1>(0, 0.1),
  updates: fc.array(
    fc.record({
      at: fc.oneof(minutes(60), fc.integer({ min: 0, max: 90 * MIN })),
      profile: profileArb,
      // The same profile published again this long after (null: once).
      repeatAfter: fc.option(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30 * MIN })), { freq: 3 }),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  outages: fc.array(
    fc.record({
      anchor: fc.nat({ max: 4 }),
      offset: soonAfter,
      forMs: fc.option(fc.integer({ min: 1, max: 60 * MIN }), { freq: 6 }),
    }),
    { maxLength: 2 },
  ),
  failures: fc.array(
    fc.record({
      anchor: fc.nat({ max: 4 }),
      offset: fc.oneof(fc.constant(0), soonAfter),
      node: fc.nat({ max: 8 }),
      action: fc.constantFrom<NodeAction | "any">(...ACTIONS),
      times: fc.integer({ min: 1, max: 3 }),
    }),
    { maxLength: 2 },
  ),
  restarts: fc.array(fc.record({ anchor: fc.nat({ max: 4 }), offset: soonAfter }), { maxLength: 2 }),
  toggles: fc.array(fc.record({ at: minutes(120), skipWorkerUpdate: fc.boolean() }), { maxLength: 1 }),
});

/** Resolves anchors: an event anchored to update k (or outage k - updates) happens `offset` after it. */
function resolve(raw: RawSpec): CaseSpec {
  const events: GenEvent[] = [];
  for (const u of raw.updates) {
    events.push({ kind: "update", at: u.at, profile: u.profile });
    if (u.repeatAfter !== null) events.push({ kind: "update", at: u.at + u.repeatAfter, profile: u.profile });
  }
  const anchors = events.map((e) => e.at);
  const anchor = (k: number) => anchors[k % anchors.length] as number;
  const outageStarts: number[] = [];
  for (const o of raw.outages) {
    const at = anchor(o.anchor) + o.offset;
    outageStarts.push(at);
    events.push({ kind: "down", at });
    if (o.forMs !== null) events.push({ kind: "up", at: at + o.forMs });
  }
  const names = nodeNamesOf(raw);
  for (const f of raw.failures) {
    events.push({
      kind: "fail",
      at: anchor(f.anchor) + f.offset,
      node: names[f.node % names.length] as string,
      action: f.action,
      times: f.times,
    });
  }
  // Restarts anchor on outages when there are some: an agent restart during an outage.
  const restartAnchors = outageStarts.length > 0 ? outageStarts : anchors;
  for (const r of raw.restarts)
    events.push({
      kind: "restart",
      at: (restartAnchors[r.anchor % restartAnchors.length] as number) + r.offset,
    });
  if (raw.pool && raw.workers > 0)
    for (const t of raw.toggles)
      events.push({ kind: "pool", at: t.at, skipWorkerUpdate: t.skipWorkerUpdate });
  events.sort((a, b) => a.at - b.at);
  const { updates: _u, outages: _o, failures: _f, restarts: _r, toggles: _t, ...shape } = raw;
  return { ...shape, pool: raw.pool && raw.workers > 0, events };
}

export const caseArb: fc.Arbitrary<CaseSpec> = rawArb.map(resolve);

/** The case as a scenario file (profiles in `profilesDir`), for `edgesim run`. */
export function scenarioYaml(spec: CaseSpec, profilesDir = PROFILES_DIR, name = "generated-case"): string {
  const ms = (t: number) => `${t}ms`;
  const cluster = spec.pool
    ? `  workerPools: [{ name: edge, workers: ${spec.workers}, skipWorkerUpdate: true }]`
    : `  workers: ${spec.workers}`;
  const lines = [
    `name: ${name}`,
    `seed: ${spec.seed}`,
    "cluster:",
    `  controlPlanes: ${spec.controlPlanes}`,
    cluster,
    `  maxUnavailable: ${spec.maxUnavailable}`,
    `  retries: ${spec.retries}`,
    `  abPartitions: ${spec.abPartitions}`,
    ...(spec.abPartitions ? ["  abFallback: rejoin"] : []),
    `  timings: { jitter: ${spec.jitter} }`,
    `profile: ${join(profilesDir, "k3s-base.yaml")}`,
    "events:",
  ];
  for (const e of spec.events) {
    switch (e.kind) {
      case "update":
        lines.push(`  - { at: ${ms(e.at)}, update: ${join(profilesDir, `${e.profile}.yaml`)} }`);
        break;
      case "down":
      case "up":
        lines.push(`  - { at: ${ms(e.at)}, kubernetes: ${e.kind} }`);
        break;
      case "fail":
        lines.push(`  - { at: ${ms(e.at)}, node: ${e.node}, fail: ${e.action}, times: ${e.times} }`);
        break;
      case "restart":
        lines.push(`  - { at: ${ms(e.at)}, agent: restart }`);
        break;
      case "pool":
        lines.push(`  - { at: ${ms(e.at)}, pool: edge, skipWorkerUpdate: ${e.skipWorkerUpdate} }`);
        break;
    }
  }
  if (spec.events.length === 0) lines.push("  []");
  lines.push("expect:", "  unfiredFaults: allowed", "");
  return lines.join("\n");
}

/** Writes the case where `edgesim run FILE` replays it; returns the path. */
export function writeScenario(spec: CaseSpec): string {
  const dir = mkdtempSync(join(tmpdir(), "edgesim-case-"));
  const file = join(dir, "case.yaml");
  writeFileSync(file, scenarioYaml(spec));
  return file;
}

let template: LoadedScenario | undefined;

/** The case as a loaded scenario, without reading files again (every profile is loaded once). */
export function loadedScenario(spec: CaseSpec): LoadedScenario {
  if (!template) {
    const all: CaseSpec = {
      ...{ seed: 1, controlPlanes: 1, workers: 1, pool: false, maxUnavailable: 1, retries: 1 },
      ...{ abPartitions: false, jitter: 0.1 },
      events: PROFILES.map((profile, i) => ({ kind: "update" as const, at: i, profile })),
    };
    template = loadScenario(writeScenario(all));
  }
  const names = nodeNamesOf(spec);
  const events: ScenarioEvent[] = spec.events.map((e, index) => {
    switch (e.kind) {
      case "update":
        return { index, at: e.at, type: "update", profile: e.profile };
      case "down":
      case "up":
        return { index, at: e.at, type: "kubernetes", state: e.kind };
      case "fail":
        return { index, at: e.at, type: "node-fail", node: e.node, action: e.action, times: e.times };
      case "restart":
        return { index, at: e.at, type: "agent-restart" };
      default:
        return { index, at: e.at, type: "pool-toggle", pool: "edge", skipWorkerUpdate: e.skipWorkerUpdate };
    }
  });
  const { workerPools: _pools, ...base } = template;
  return {
    ...base,
    name: "generated-case",
    seed: spec.seed,
    controlPlanes: spec.controlPlanes,
    workers: spec.workers,
    ...(spec.pool ? { workerPools: [{ name: "edge", workers: spec.workers, skipWorkerUpdate: true }] } : {}),
    maxUnavailable: spec.maxUnavailable,
    retries: spec.retries,
    abPartitions: spec.abPartitions,
    ...(spec.abPartitions ? { abFallback: "rejoin" as const } : {}),
    timings: { jitter: spec.jitter },
    nodes: names,
    events,
    expect: { unfiredFaults: "allowed" },
  };
}

/** A fresh seed per run unless INVARIANT_SEED is set; printed so any run can be replayed. */
export function runSeed(label: string): number {
  const fixed = process.env.INVARIANT_SEED;
  const seed = fixed !== undefined ? Number(fixed) : Math.floor(Math.random() * 2 ** 31);
  console.log(`${label}: seed ${seed} (replay with INVARIANT_SEED=${seed})`);
  return seed;
}

/** Runs scale with INVARIANT_RUNS (the soak sets it 100x). */
export const runsOf = (ci: number) => Math.max(1, Math.round(ci * Number(process.env.INVARIANT_SCALE ?? 1)));
