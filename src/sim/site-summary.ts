import { nodeJob, resolveTimings } from "../controller/durations.js";
import type { SimProfile } from "../controller/types.js";
import type { NodeJob } from "../machines/node-types.js";
import type { Plan } from "../rules/types.js";
import { Rng } from "../shared/rng.js";
import type { Behavior, NodeAction, NodeRole } from "../shared/types.js";
import { variationWatched } from "../shared/variation.js";
import { VirtualClock } from "./clock.js";
import {
  clusterNodes,
  type SimInputEvent,
  type SimulationInput,
  type SimulationOutcome,
  type SimulationResult,
} from "./types.js";

/**
 * What a fleet reads of one site's simulation: its outcome, its duration, when its last timeline entry
 * happened, how long its nodes were away from Ready, and where its nodes ended. `summarize` reads it
 * off a full `simulate()` result; `fastSummary` computes it without building one, for the common case.
 */
export interface SiteSummary {
  result: SimulationOutcome;
  behavior: Behavior;
  finalProfile: string;
  durationMs: number;
  /** The time of the last timeline entry (0 with none). */
  lastEntryMs: number;
  /** Node-ms away from Ready: per node, from its first timeline entry to its last, summed. */
  disruptedNodeMs: number;
  failure?: { node: string; action: NodeAction; reason: string };
  nodes: { name: string; state: string; profile: string; actions: Partial<Record<NodeAction, number>> }[];
}

/** Node-ms away from Ready: from each node's first timeline entry to its last, summed. */
export function disruptedNodeMs(result: SimulationResult): number {
  const spans = new Map<string, [number, number]>();
  for (const entry of result.timeline) {
    if (entry.node === undefined) continue;
    const span = spans.get(entry.node);
    if (span) span[1] = entry.t;
    else spans.set(entry.node, [entry.t, entry.t]);
  }
  let total = 0;
  for (const [a, b] of spans.values()) total += b - a;
  return total;
}

/** The summary of a full simulation. */
export function summarize(result: SimulationResult): SiteSummary {
  const disrupted = disruptedNodeMs(result);
  return {
    result: result.result,
    behavior: result.behavior,
    finalProfile: result.finalProfile,
    durationMs: result.durationMs,
    lastEntryMs: result.timeline.at(-1)?.t ?? 0,
    disruptedNodeMs: disrupted,
    ...(result.failure ? { failure: result.failure } : {}),
    nodes: result.nodes.map((n) => ({
      name: n.name,
      state: n.state,
      profile: n.profile,
      actions: n.actions,
    })),
  };
}

/** What the fast path runs: one update whose plan takes every node through the same action. */
interface Eligible {
  events: SimInputEvent[];
  target: SimProfile;
  plan: Plan;
  action: NodeAction;
}

const FAST_ACTIONS: ReadonlySet<Behavior> = new Set(["repave", "reboot", "service-restart"]);

/**
 * The one predicate deciding whether `fastSummary` may run `input`: a valid cluster of control planes
 * and workers (no pools, no A/B partitions, not two-node), one update whose plan repaves, reboots or
 * restarts services on every node, and besides it only node failures armed no later than the update and
 * at most one agent restart — no Kubernetes outage, nothing else scripted — with no model variation in
 * force or traced. Everything else is run by `simulate()`.
 */
function eligible(input: SimulationInput): Eligible | undefined {
  if (variationWatched()) return undefined;
  if (input.twoNode !== undefined || input.abPartitions) return undefined;
  if (input.workerPools !== undefined && input.workerPools.length > 0) return undefined;
  if (!Number.isInteger(input.controlPlanes) || input.controlPlanes < 1) return undefined;
  if (!Number.isInteger(input.workers) || input.workers < 0) return undefined;
  if (input.maxUnavailable !== undefined && !(input.maxUnavailable >= 1)) return undefined;
  if (input.retries !== undefined && !(input.retries >= 0)) return undefined;
  const initial = input.profiles.get(input.initialProfile);
  if (!initial) return undefined;
  let update: Extract<SimInputEvent, { type: "update" }> | undefined;
  let restarts = 0;
  for (const event of input.events) {
    if (!(Number.isFinite(event.at) && event.at >= 0)) return undefined;
    if (event.type === "update") {
      if (update) return undefined;
      update = event;
    } else if (event.type === "agent-restart") restarts++;
    else if (event.type !== "node-fail") return undefined;
  }
  if (!update || restarts > 1) return undefined;
  const names = new Set(clusterNodes(input).map((node) => node.name));
  for (const event of input.events)
    if (event.type === "node-fail" && (event.at > update.at || !names.has(event.node))) return undefined;
  const target = input.profiles.get(update.profile);
  if (!target) return undefined;
  const plan = input.plan(initial.profile, target.profile);
  if (plan.unsupported.length > 0 || !FAST_ACTIONS.has(plan.behavior)) return undefined;
  // In time order, stable, as the controller is given them (after the publish-time refusals, none here).
  const events = [...input.events].sort((a, b) => a.at - b.at);
  return { events, target, plan, action: plan.behavior as NodeAction };
}

type FastState = "Ready" | "Cordoned" | "Draining" | "Acting" | "Rejoining" | "Failed";

interface FastNode {
  name: string;
  role: NodeRole;
  state: FastState;
  profile: string;
  job: NodeJob | null;
  attempts: number;
  failing: boolean;
  failureReason: string | null;
  armed: { action: NodeAction | "any"; remaining: number }[];
  started: Partial<Record<NodeAction, number>>;
  /** First and last timeline entry of the node (-1: none yet). */
  first: number;
  last: number;
}

type AgentState = "Idle" | "Applying" | "Failed" | "Restarting";

/**
 * The site's summary computed without the machines: the node lifecycle (cordon, drain, action, rejoin),
 * the agent (applying, restarting, failed) and the controller's sequencing (control planes one at a
 * time, then workers `maxUnavailable` at a time, retries, halt) as a plain loop on the same
 * `VirtualClock`, scheduling in the same order, drawing each job from the controller's own `nodeJob`
 * on the same generator in the same order — so the summary is the one `summarize(simulate(input))`
 * gives (test/sim/site-summary.test.ts checks that over thousands of random sites). Undefined when the
 * input is not one it runs (see `eligible`): run `simulate()` then.
 */
export function fastSummary(input: SimulationInput): SiteSummary | undefined {
  const ok = eligible(input);
  if (!ok) return undefined;
  const { target, plan, action } = ok;
  const timings = resolveTimings(input.timings);
  const maxUnavailable = Math.max(1, Math.floor(input.maxUnavailable ?? 1));
  const retries = Math.max(0, Math.floor(input.retries ?? 1));
  const nodeCount = input.controlPlanes + input.workers;
  const clock = new VirtualClock();
  const rng = new Rng(input.seed);
  const nodes: FastNode[] = clusterNodes(input).map(({ name, role }) => ({
    name,
    role,
    state: "Ready",
    profile: input.initialProfile,
    job: null,
    attempts: 0,
    failing: false,
    failureReason: null,
    armed: [],
    started: {},
    first: -1,
    last: -1,
  }));
  const byName = new Map(nodes.map((node) => [node.name, node]));

  let lastEntry = -1;
  const touch = (node?: FastNode): void => {
    const t = clock.now;
    lastEntry = t;
    if (node) {
      if (node.first < 0) node.first = t;
      node.last = t;
    }
  };

  let agent = "Idle" as AgentState;
  let agentTarget: string | null = null;
  let pending: string | null = null;
  let applied = input.initialProfile;
  let agentFailed = false;
  type Phase = "idle" | "running" | "halted";
  let phase = "idle" as Phase;
  let failure: SiteSummary["failure"];
  let behavior: Behavior = "no-op";
  let firstUpdateAt: number | undefined;
  let lastRolloutEnd: number | undefined;
  let cursor = 0;
  let deferred: FastNode[] = [];
  let busy = 0;
  let busyWorkers = 0;
  const failed = new Set<FastNode>();
  let pumpScheduled = false;

  const becomeBusy = (node: FastNode): void => {
    busy++;
    if (node.role === "worker") busyWorkers++;
  };

  const beginRollout = (): void => {
    behavior = plan.behavior;
    cursor = 0;
    deferred = [];
    phase = "running";
    touch(); // rollout-started
    schedulePump();
  };

  const schedulePump = (): void => {
    if (pumpScheduled) return;
    pumpScheduled = true;
    clock.schedule(0, () => {
      pumpScheduled = false;
      pump();
    });
  };

  const startAttempt = (node: FastNode): void => {
    const job = node.job as NodeJob;
    node.state = "Acting";
    const index = node.armed.findIndex(
      (a) => a.remaining > 0 && (a.action === job.action || a.action === "any"),
    );
    if (index >= 0) {
      const armed = node.armed[index] as FastNode["armed"][number];
      armed.remaining--;
      if (armed.remaining <= 0) node.armed.splice(index, 1);
    }
    node.failing = index >= 0;
    node.attempts++;
    node.started[job.action] = (node.started[job.action] ?? 0) + 1;
    touch(node); // action-started
    clock.schedule(job.durations.actionMs, () => actionDone(node));
  };

  const drainDone = (node: FastNode): void => {
    touch(node); // node-drained (or, drain skipped, the action's start at the same instant)
    startAttempt(node);
  };

  const draining = (node: FastNode): void => {
    node.state = "Draining";
    touch(node); // node-draining / node-drain-skipped
    clock.schedule((node.job as NodeJob).durations.drainMs, () => drainDone(node));
  };

  const actionDone = (node: FastNode): void => {
    const job = node.job as NodeJob;
    if (node.failing) {
      node.state = "Failed";
      node.failing = false;
      node.failureReason = `injected failure: ${job.action} did not complete on ${node.name}`;
      touch(node); // action-failed
      failed.add(node);
      schedulePump();
      return;
    }
    node.profile = job.targetProfile;
    node.state = "Rejoining";
    touch(node); // action-finished
    clock.schedule(job.durations.rejoinMs, () => rejoined(node));
  };

  const rejoined = (node: FastNode): void => {
    node.state = "Ready";
    touch(node); // node-rejoined
    node.job = null;
    node.attempts = 0;
    busy--;
    if (node.role === "worker") busyWorkers--;
    schedulePump();
  };

  const startNode = (node: FastNode): void => {
    const job = nodeJob(rng, timings, action, plan, target, nodeCount);
    node.job = job;
    node.attempts = 0;
    node.failureReason = null;
    node.failing = false;
    if (job.cordon) {
      node.state = "Cordoned";
      touch(node); // node-cordoned
      clock.schedule(job.durations.cordonMs, () => draining(node));
    } else draining(node);
  };

  const isOn = (node: FastNode, to: string): boolean =>
    node.profile === to && (node.job?.targetProfile ?? node.profile) === to;

  const pump = (): void => {
    if (phase !== "running" || agent !== "Applying") return;
    const to = target.id;
    for (const node of [...failed]) {
      if (node.attempts <= retries) {
        touch(node); // action-retried
        failed.delete(node);
        startAttempt(node);
      } else {
        phase = "halted";
        failure = {
          node: node.name,
          action: (node.job as NodeJob).action,
          reason: node.failureReason ?? "action failed",
        };
        lastRolloutEnd = clock.now;
        touch(node); // rollout-halted
        agent = "Failed";
        agentFailed = true;
        return;
      }
    }
    // The controller's `nextStarts`, for a queue of every node (control planes first), none adopting.
    const starts: FastNode[] = [];
    let paused = false;
    let b = busy;
    let bw = busyWorkers;
    while (cursor < nodes.length) {
      const node = nodes[cursor] as FastNode;
      if (isOn(node, to)) {
        cursor++;
        continue;
      }
      if (node.role !== "control-plane") break;
      paused = true;
      if (node.state === "Ready" && b === 0) {
        cursor++;
        starts.push(node);
        b++;
      }
      break;
    }
    if (!paused && b > bw) paused = true;
    if (!paused) {
      if (deferred.length > 0) {
        const still: FastNode[] = [];
        for (const node of deferred) {
          if (isOn(node, to)) continue;
          if (node.state !== "Ready" || bw >= maxUnavailable) still.push(node);
          else {
            starts.push(node);
            b++;
            bw++;
          }
        }
        deferred = still;
      }
      while (cursor < nodes.length && bw < maxUnavailable) {
        const node = nodes[cursor++] as FastNode;
        if (isOn(node, to)) continue;
        if (node.state !== "Ready") deferred = [...deferred, node];
        else {
          starts.push(node);
          b++;
          bw++;
        }
      }
    }
    for (const node of starts) {
      becomeBusy(node);
      startNode(node);
    }
    if (!paused && cursor >= nodes.length && deferred.length === 0 && b === 0) {
      lastRolloutEnd = clock.now;
      touch(); // rollout-finished
      phase = "idle";
      applied = agentTarget ?? applied;
      agentTarget = null;
      agent = "Idle";
    }
  };

  const resume = (): void => {
    let begins = false;
    if (agentFailed) agent = "Failed";
    else if (agentTarget !== null) agent = "Applying";
    else if (pending !== null) {
      agent = "Applying";
      agentTarget = pending;
      pending = null;
      begins = true;
    } else agent = "Idle";
    touch(); // agent-resumed
    schedulePump();
    if (begins) beginRollout();
  };

  const onEvent = (event: SimInputEvent): void => {
    switch (event.type) {
      case "update":
        firstUpdateAt ??= clock.now;
        touch(); // update-received
        if (agent === "Idle") {
          agent = "Applying";
          agentTarget = event.profile;
          beginRollout();
        } else pending = event.profile;
        return;
      case "node-fail": {
        const node = byName.get(event.node) as FastNode;
        touch(node); // failure-armed
        node.armed.push({ action: event.action, remaining: Math.max(1, event.times ?? 1) });
        return;
      }
      case "agent-restart":
        touch(); // agent-restart
        agent = "Restarting";
        clock.schedule(timings.agentRestartMs, resume);
        return;
      default:
        throw new Error(`the fast path does not run ${event.type} events`);
    }
  };

  for (const event of ok.events) clock.scheduleAt(Math.max(0, event.at), () => onEvent(event));
  clock.runUntilIdle();

  let result: SimulationOutcome = "converged";
  if (phase === "halted") result = "failed";
  else if (agent !== "Idle") return undefined; // blocked: not a case it runs (nothing here blocks)
  const first = nodes[0]?.profile;
  const finalProfile = first !== undefined && nodes.every((n) => n.profile === first) ? first : applied;
  let disrupted = 0;
  for (const node of nodes) if (node.first >= 0) disrupted += node.last - node.first;
  return {
    result,
    behavior,
    finalProfile,
    durationMs:
      firstUpdateAt !== undefined && lastRolloutEnd !== undefined
        ? Math.max(0, lastRolloutEnd - firstUpdateAt)
        : 0,
    lastEntryMs: Math.max(0, lastEntry),
    disruptedNodeMs: disrupted,
    ...(failure ? { failure } : {}),
    nodes: nodes.map((n) => ({
      name: n.name,
      state: n.state === "Failed" ? "Failed" : "Ready",
      profile: n.profile,
      actions: { ...n.started },
    })),
  };
}
