import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { drawFaults, siteInput, siteSeed } from "../../src/fleet/map.js";
import { loadFleetSource } from "../../src/fleet/orchestrate.js";
import { cachedPlanner } from "../../src/rules/plan-cache.js";
import { Rng } from "../../src/shared/rng.js";
import { withVariation } from "../../src/shared/variation.js";
import { simulate } from "../../src/sim/simulate.js";
import {
  type FastSite,
  fastOutcome,
  fastSummary,
  prepareFast,
  summarize,
} from "../../src/sim/site-summary.js";
import type { SimInputEvent, SimulationInput } from "../../src/sim/types.js";

const profiles = resolve("scenarios/profiles");
const from = `${profiles}/k3s-base.yaml`;
/** Updates whose plan repaves, reboots or restarts services (the fast path's three actions). */
const UPDATES = [
  "k3s-registry-change",
  "k3s-os-uri-change",
  "k3s-os-version-change",
  "k3s-cluster-config",
  "k3s-storage-values",
];

const plans = new Map<string, ReturnType<typeof loadFleetSource>>();
function planOf(update: string): ReturnType<typeof loadFleetSource> {
  let plan = plans.get(update);
  if (!plan) {
    plan = loadFleetSource({ whatIf: { clusters: 3, update: `${profiles}/${update}.yaml`, from } });
    plans.set(update, plan);
  }
  return plan;
}

/**
 * A random site: its shape, limits and faults (heavy rates, so failures, retries, halts, restarts and
 * Kubernetes outages happen, outages over restarts too, and now and then a scripted flap: Kubernetes
 * down at the update, down twice, up while up, or down for good). `input` is its whole input; `drawn` its drawn events and `own` its input without them (what
 * the fleet prepares once for every trial).
 */
function randomSite(
  rng: Rng,
  i: number,
): { input: SimulationInput; own: SimulationInput; drawn: SimInputEvent[] } {
  const plan = planOf(UPDATES[i % UPDATES.length] as string);
  const base = plan.sites[0] as (typeof plan.sites)[number];
  const site = {
    ...base,
    name: `site-${i}`,
    controlPlanes: 1 + Math.floor(rng.next() * 3),
    workers: Math.floor(rng.next() * 7),
    own: { maxUnavailable: 1 + Math.floor(rng.next() * 3), retries: Math.floor(rng.next() * 3) },
  };
  const seed = siteSeed(7, 0, site.name);
  const retries = site.own.retries;
  const minMs = 60_000 + Math.floor(rng.next() * 1_800_000);
  const faults = {
    nodeActionFailure: rng.next() * 0.5,
    agentRestart: rng.next(),
    ...(rng.next() < 0.7
      ? {
          kubernetesOutage: {
            probability: rng.next(),
            minMs,
            maxMs: minMs + Math.floor(rng.next() * 1_800_000),
          },
        }
      : {}),
  };
  const drawn = drawFaults(site, { ...plan.faults, ...faults }, seed, 3_600_000 * rng.next(), retries);
  const events: SimInputEvent[] = [...drawn.events];
  const flap = rng.next();
  if (flap < 0.15) {
    // Kubernetes flapping, scripted: downs and ups in any order (a down while down, an up while up, a
    // down at the update's instant or without an up after it).
    const count = 1 + Math.floor(rng.next() * 4);
    for (let k = 0; k < count; k++)
      events.push({
        at: rng.next() < 0.2 ? 0 : Math.floor(rng.next() * 7_200_000),
        type: "kubernetes",
        state: rng.next() < 0.5 ? "down" : "up",
      });
  }
  // Sometimes a failure armed for one action only (which then never fires, or does).
  if (rng.next() < 0.2)
    events.push({ at: 0, type: "node-fail", node: "cp-1", action: rng.next() < 0.5 ? "repave" : "reboot" });
  const planner = cachedPlanner({ rke2Quirk: plan.rke2Quirk });
  const input = siteInput(plan, site, seed, events, planner);
  const own = siteInput(plan, site, seed, [], planner);
  // Sometimes the target does not cordon, or does not drain; sometimes the update comes late.
  const shape = rng.next();
  if (shape < 0.3) {
    const target = input.profiles.get(site.update);
    if (target) {
      const drain =
        shape < 0.15 ? { ...target.drain, cordon: false } : { ...target.drain, drainPods: "false" as const };
      input.profiles = new Map(input.profiles).set(site.update, { ...target, drain });
      own.profiles = input.profiles;
    }
  }
  if (rng.next() < 0.2) {
    const at = Math.floor(rng.next() * 1_800_000);
    input.events = input.events.map((e) => (e.type === "update" ? { ...e, at } : e));
    own.events = own.events.map((e) => (e.type === "update" ? { ...e, at } : e));
  }
  return { input, own, drawn: events };
}

function randomInput(rng: Rng, i: number): SimulationInput {
  return randomSite(rng, i).input;
}

describe("the fleet's per-site fast path", () => {
  it("gives the summary simulate() gives, over thousands of random eligible sites", () => {
    const rng = new Rng(2026);
    const counts = {
      sites: 0,
      failed: 0,
      retried: 0,
      restarts: 0,
      outages: 0,
      outagesOverRestarts: 0,
      waited: 0,
      blocked: 0,
      behaviors: new Set<string>(),
    };
    for (let i = 0; i < 3_000; i++) {
      const { input, own, drawn } = randomSite(rng, i);
      const result = simulate(input);
      const full = summarize(result);
      const fast = fastSummary(input);
      const prepared = prepareFast(own);
      expect(prepared, `site ${i} is eligible without its faults`).toBeDefined();
      // A run that ends blocked (Kubernetes still down) is left to simulate(); every other one is taken.
      if (full.result === "blocked") {
        expect(fast, `site ${i} ends blocked`).toBeUndefined();
        expect(
          fastOutcome(prepared as FastSite, input.seed, drawn),
          `site ${i} ends blocked`,
        ).toBeUndefined();
        counts.blocked++;
        continue;
      }
      expect(fast, `site ${i} is eligible`).toBeDefined();
      expect(fast, `site ${i}`).toEqual(full);
      // As a fleet runs it: the site prepared once without its drawn faults, the trial adding them.
      const { nodes: _, ...outcome } = full;
      expect(fastOutcome(prepared as FastSite, input.seed, drawn), `site ${i}, prepared`).toEqual(outcome);
      counts.sites++;
      if (full.result === "failed") counts.failed++;
      if (full.nodes.some((n) => Object.values(n.actions).some((a) => (a ?? 0) > 1))) counts.retried++;
      const restart = input.events.some((e) => e.type === "agent-restart");
      if (restart) counts.restarts++;
      if (input.events.some((e) => e.type === "kubernetes")) {
        counts.outages++;
        if (restart) counts.outagesOverRestarts++;
      }
      if (result.timeline.some((e) => e.event === "node-waiting" || e.event === "node-rejoin-waiting"))
        counts.waited++;
      counts.behaviors.add(full.behavior);
    }
    // The random sites do reach what the fast path claims to cover.
    expect(counts.failed).toBeGreaterThan(50);
    expect(counts.retried).toBeGreaterThan(100);
    expect(counts.restarts).toBeGreaterThan(200);
    expect(counts.outages).toBeGreaterThan(500);
    expect(counts.outagesOverRestarts).toBeGreaterThan(200);
    expect(counts.waited).toBeGreaterThan(200);
    expect(counts.blocked).toBeGreaterThan(0);
    expect([...counts.behaviors].sort()).toEqual(["reboot", "repave", "service-restart"]);
  });

  it("falls back to simulate() for what it does not run", async () => {
    const rng = new Rng(5);
    const input = randomInput(rng, 0);
    expect(fastSummary(input)).toBeDefined();
    // Kubernetes down for good during the rollout: it ends blocked.
    const down: SimInputEvent = { at: 60_000, type: "kubernetes", state: "down" };
    const forGood = { ...input, events: [...input.events.filter((e) => e.type !== "kubernetes"), down] };
    expect(simulate(forGood).result).toBe("blocked");
    expect(fastSummary(forGood)).toBeUndefined();
    const twice: SimInputEvent[] = [
      { at: 10_000, type: "agent-restart" },
      { at: 20_000, type: "agent-restart" },
    ];
    expect(fastSummary({ ...input, events: [...input.events, ...twice] })).toBeUndefined();
    expect(fastSummary({ ...input, abPartitions: true })).toBeUndefined();
    expect(fastSummary({ ...input, workerPools: [{ name: "edge", workers: 2 }] })).toBeUndefined();
    const update = input.events.find((e) => e.type === "update") as SimInputEvent;
    expect(fastSummary({ ...input, events: [...input.events, { ...update, at: 1_000 }] })).toBeUndefined();
    const as = (behavior: "no-op" | "config-reload"): SimulationInput => ({
      ...input,
      plan: (a, b) => ({ ...input.plan(a, b), behavior }),
    });
    expect(fastSummary(as("no-op"))).toBeUndefined();
    expect(fastSummary(as("config-reload"))).toBeUndefined();
    expect(await withVariation({ kind: "retries-ignored" }, () => fastSummary(input))).toBeUndefined();
  });
});
