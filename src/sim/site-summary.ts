import { drawJob, type JobDraw, jobDraw, jobShape, resolveTimings } from "../controller/durations.js";
import type { SimProfile } from "../controller/types.js";
import type { JobDurations } from "../machines/node-types.js";
import { Rng } from "../shared/rng.js";
import type { Behavior, NodeAction } from "../shared/types.js";
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

const FAST_ACTIONS: ReadonlySet<Behavior> = new Set(["repave", "reboot", "service-restart"]);

/**
 * What the fast path reads of a site once, whatever the trial: its nodes, limits, timings, plan and
 * target, and its own events (its update among them). A trial adds only its seed and drawn faults
 * (`fastOutcome`), so a fleet prepares each kind of site once for all its trials.
 */
export interface FastSite {
  names: readonly string[];
  controlPlanes: number;
  initialProfile: string;
  target: SimProfile;
  behavior: Behavior;
  action: NodeAction;
  draw: JobDraw;
  cordon: boolean;
  drainSkipped: boolean;
  maxUnavailable: number;
  retries: number;
  agentRestartMs: number;
  /** The site's events in time order (stable), as the controller is given them. */
  events: readonly SimInputEvent[];
  updateAt: number;
  restarts: number;
}

/**
 * The one predicate deciding whether the fast path may run a site (here its parts that do not depend
 * on the trial; `fastOutcome` checks a trial's drawn events the same way): a valid cluster of control
 * planes and workers (no pools, no A/B partitions, not two-node), one update whose plan repaves,
 * reboots or restarts services on every node, and besides it only node failures armed no later than
 * the update, at most one agent restart and Kubernetes going down and up (outages) — nothing else
 * scripted — with no model variation in force or traced. Everything else is run by `simulate()`, and
 * so is a run that ends blocked (Kubernetes still down with an update waiting or a rollout paused).
 */
export function prepareFast(input: SimulationInput): FastSite | undefined {
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
    else if (event.type !== "node-fail" && event.type !== "kubernetes") return undefined;
  }
  if (!update || restarts > 1) return undefined;
  const names = clusterNodes(input).map((node) => node.name);
  for (const event of input.events)
    if (event.type === "node-fail" && (event.at > update.at || !names.includes(event.node))) return undefined;
  const target = input.profiles.get(update.profile);
  if (!target) return undefined;
  const plan = input.plan(initial.profile, target.profile);
  if (plan.unsupported.length > 0 || !FAST_ACTIONS.has(plan.behavior)) return undefined;
  const action = plan.behavior as NodeAction;
  const timings = resolveTimings(input.timings);
  const shape = jobShape(action, plan, target, names.length);
  return {
    names,
    controlPlanes: input.controlPlanes,
    initialProfile: input.initialProfile,
    target,
    behavior: plan.behavior,
    action,
    draw: jobDraw(timings, action, target),
    cordon: shape.cordon,
    drainSkipped: shape.drainSkipped !== undefined,
    maxUnavailable: Math.max(1, Math.floor(input.maxUnavailable ?? 1)),
    retries: Math.max(0, Math.floor(input.retries ?? 1)),
    agentRestartMs: timings.agentRestartMs,
    // In time order, stable, as the controller is given them (after the publish-time refusals, none here).
    events: [...input.events].sort(byTime),
    updateAt: update.at,
    restarts,
  };
}

const byTime = (a: SimInputEvent, b: SimInputEvent): number => a.at - b.at;

/**
 * A site's events for a trial: its drawn ones first, then its own, in time order (stable) — the order
 * the site's input lists them in (drawn before its own at each instant, its update after those at 0).
 * Undefined when a drawn event is not one the fast path runs.
 */
function trialEvents(site: FastSite, drawn: readonly SimInputEvent[]): readonly SimInputEvent[] | undefined {
  if (drawn.length === 0) return site.events;
  let restarts = site.restarts;
  for (const event of drawn) {
    if (!(Number.isFinite(event.at) && event.at >= 0)) return undefined;
    if (event.type === "agent-restart") {
      if (++restarts > 1) return undefined;
    } else if (event.type === "kubernetes") continue;
    else if (event.type !== "node-fail" || event.at > site.updateAt || !site.names.includes(event.node))
      return undefined;
  }
  return [...drawn, ...site.events].sort(byTime);
}

/**
 * The node machine's states as the fast path keeps them (`Acting`: repaving, rebooting or restarting
 * services); the two waiting states are the machine's own, held while Kubernetes is down.
 */
type NodeState =
  | "Ready"
  | "Cordoned"
  | "Draining"
  | "WaitingForKubernetes"
  | "Acting"
  | "Rejoining"
  | "WaitingToRejoin"
  | "Failed";
/** The agent machine's states (`Blocked`: BlockedKubernetesDown; UpdatePending is never settled in). */
type AgentState = "Idle" | "Applying" | "Blocked" | "Failed" | "Restarting";
/** The rollout's lifecycle (`RolloutLifecycle`). */
type Phase = "idle" | "running" | "paused" | "halted";

/** One node of the run: a flat record, reused from site to site (its job's durations in it). */
interface FastNode extends JobDurations {
  run: FastRun;
  index: number;
  worker: boolean;
  state: NodeState;
  profile: string;
  attempts: number;
  failing: boolean;
  /** Failures armed on the node: the action each is for, and how many attempts are left to fail. */
  armed: { action: NodeAction | "any"; remaining: number }[];
  /** Attempts of the action started. */
  starts: number;
  /** First and last timeline entry of the node (-1: none yet). */
  first: number;
  last: number;
}

/**
 * The state of one site's run: the node lifecycle (cordon, drain, action, rejoin), the agent (applying,
 * restarting, failed) and the controller's sequencing (control planes one at a time, then workers
 * `maxUnavailable` at a time, retries, halt). One is kept and reset for each site, its clock too; each
 * timer is a function of the module and its node or run (no closure per timer).
 */
class FastRun {
  readonly clock = new VirtualClock();
  readonly nodes: FastNode[] = [];
  site!: FastSite;
  readonly rng = new Rng(0);
  nodeCount = 0;
  events: readonly SimInputEvent[] = [];
  nextEvent = 0;
  lastEntry = -1;
  agent: AgentState = "Idle";
  agentTarget: string | null = null;
  pending: string | null = null;
  applied = "";
  agentFailed = false;
  phase: Phase = "idle";
  failureNode: FastNode | null = null;
  behavior: Behavior = "no-op";
  firstUpdateAt = -1;
  lastRolloutEnd = -1;
  cursor = 0;
  readonly deferred: FastNode[] = [];
  busy = 0;
  busyWorkers = 0;
  /** Nodes whose attempt failed, in the order they failed (the controller's set). */
  readonly failedNodes: FastNode[] = [];
  pumpScheduled = false;
  /** Kubernetes is up (the agent's and the busy nodes' view: they are told at the same instant). */
  kubernetesUp = true;

  reset(site: FastSite, seed: number, events: readonly SimInputEvent[]): void {
    this.clock.reset();
    this.site = site;
    this.rng.reseed(seed);
    this.events = events;
    this.nextEvent = 0;
    const count = site.names.length;
    this.nodeCount = count;
    for (let i = 0; i < count; i++) {
      let node = this.nodes[i];
      if (!node) {
        node = {
          run: this,
          index: i,
          worker: false,
          state: "Ready",
          profile: "",
          attempts: 0,
          failing: false,
          armed: [],
          starts: 0,
          first: -1,
          last: -1,
          cordonMs: 0,
          drainMs: 0,
          actionMs: 0,
          rejoinMs: 0,
        };
        this.nodes.push(node);
      }
      // (An array's length is set only when it changes: setting it is a call into the runtime.)
      node.worker = i >= site.controlPlanes;
      node.state = "Ready";
      node.profile = site.initialProfile;
      node.attempts = 0;
      node.failing = false;
      if (node.armed.length > 0) node.armed.length = 0;
      node.starts = 0;
      node.first = -1;
      node.last = -1;
    }
    this.lastEntry = -1;
    this.agent = "Idle";
    this.agentTarget = null;
    this.pending = null;
    this.applied = site.initialProfile;
    this.agentFailed = false;
    this.phase = "idle";
    this.failureNode = null;
    this.behavior = "no-op";
    this.firstUpdateAt = -1;
    this.lastRolloutEnd = -1;
    this.cursor = 0;
    if (this.deferred.length > 0) this.deferred.length = 0;
    this.busy = 0;
    this.busyWorkers = 0;
    if (this.failedNodes.length > 0) this.failedNodes.length = 0;
    this.pumpScheduled = false;
    this.kubernetesUp = true;
  }

  /** A timeline entry now (of the node, when given). */
  touch(node?: FastNode): void {
    const t = this.clock.now;
    this.lastEntry = t;
    if (node) {
      if (node.first < 0) node.first = t;
      node.last = t;
    }
  }

  /** `last`: the caller's handler ends with it (see `pumpLast`). */
  beginRollout(last = false): void {
    this.behavior = this.site.behavior;
    this.cursor = 0;
    if (this.deferred.length > 0) this.deferred.length = 0;
    this.phase = this.kubernetesUp ? "running" : "paused";
    this.touch(); // rollout-started
    if (last) this.pumpLast();
    else this.schedulePump();
  }

  schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    this.clock.call(0, pumpNow, this);
  }

  /**
   * The pump, as the last thing a handler does: scheduled with no delay (`schedulePump`) unless nothing
   * else is due at this instant, when that event would be the next to run with nothing scheduled before
   * it runs: then it runs now, scheduling what it schedules in the same order (one clock event less).
   */
  pumpLast(): void {
    if (this.pumpScheduled) return;
    if (this.clock.dueNow()) this.schedulePump();
    else this.pump();
  }

  startAttempt(node: FastNode): void {
    const action = this.site.action;
    node.state = "Acting";
    const armed = node.armed;
    let index = -1;
    for (let i = 0; i < armed.length; i++) {
      const a = armed[i] as FastNode["armed"][number];
      if (a.remaining > 0 && (a.action === action || a.action === "any")) {
        index = i;
        break;
      }
    }
    if (index >= 0) {
      const a = armed[index] as FastNode["armed"][number];
      a.remaining--;
      if (a.remaining <= 0) armed.splice(index, 1);
    }
    node.failing = index >= 0;
    node.attempts++;
    node.starts++;
    this.touch(node); // action-started
    this.clock.call(node.actionMs, actionDone, node);
  }

  draining(node: FastNode): void {
    node.state = "Draining";
    this.touch(node); // node-draining / node-drain-skipped
    this.clock.call(node.drainMs, drainDone, node);
  }

  startNode(node: FastNode): void {
    const site = this.site;
    drawJob(this.rng, site.draw, node);
    if (site.drainSkipped) node.drainMs = 0;
    node.attempts = 0;
    node.failing = false;
    this.busy++;
    if (node.worker) this.busyWorkers++;
    if (site.cordon) {
      node.state = "Cordoned";
      this.touch(node); // node-cordoned
      this.clock.call(node.cordonMs, draining, node);
    } else this.draining(node);
  }

  pump(): void {
    // The runner's pump: a rollout in progress (paused or not), the agent applying, Kubernetes up.
    if (
      (this.phase !== "running" && this.phase !== "paused") ||
      this.agent !== "Applying" ||
      !this.kubernetesUp
    )
      return;
    const site = this.site;
    const to = site.target.id;
    const failedNodes = this.failedNodes;
    for (let i = 0; i < failedNodes.length; i++) {
      const node = failedNodes[i] as FastNode;
      if (node.attempts <= site.retries) {
        this.touch(node); // action-retried
        this.startAttempt(node);
      } else {
        failedNodes.splice(0, i + 1);
        this.phase = "halted";
        this.failureNode = node;
        this.lastRolloutEnd = this.clock.now;
        this.touch(node); // rollout-halted
        this.agent = "Failed";
        this.agentFailed = true;
        return;
      }
    }
    if (failedNodes.length > 0) failedNodes.length = 0;
    // The controller's `nextStarts`, for a queue of every node (control planes first), none adopting;
    // each node is started as soon as it is chosen, in the order the controller starts them.
    const nodes = this.nodes;
    const count = this.nodeCount;
    const maxUnavailable = site.maxUnavailable;
    let paused = false;
    while (this.cursor < count) {
      const node = nodes[this.cursor] as FastNode;
      if (node.profile === to) {
        this.cursor++;
        continue;
      }
      if (node.worker) break;
      paused = true;
      if (node.state === "Ready" && this.busy === 0) {
        this.cursor++;
        this.startNode(node);
      }
      break;
    }
    if (!paused && this.busy > this.busyWorkers) paused = true;
    if (!paused) {
      const deferred = this.deferred;
      let kept = 0;
      for (let i = 0; i < deferred.length; i++) {
        const node = deferred[i] as FastNode;
        if (node.profile === to) continue;
        if (node.state !== "Ready" || this.busyWorkers >= maxUnavailable) deferred[kept++] = node;
        else {
          this.startNode(node);
        }
      }
      if (kept < deferred.length) deferred.length = kept;
      while (this.cursor < count && this.busyWorkers < maxUnavailable) {
        const node = nodes[this.cursor++] as FastNode;
        if (node.profile === to) continue;
        if (node.state !== "Ready") deferred.push(node);
        else {
          this.startNode(node);
        }
      }
    }
    if (!paused && this.cursor >= count && this.deferred.length === 0 && this.busy === 0) {
      this.lastRolloutEnd = this.clock.now;
      this.touch(); // rollout-finished
      this.phase = "idle";
      this.applied = this.agentTarget ?? this.applied;
      this.agentTarget = null;
      this.agent = "Idle";
    }
  }

  /** The agent back from its restart, in the state its record and Kubernetes say. */
  resume(): void {
    let begins = false;
    if (this.agentFailed) this.agent = "Failed";
    else if (this.agentTarget !== null) this.agent = "Applying";
    else if (this.pending !== null) {
      if (this.kubernetesUp) {
        this.agent = "Applying";
        this.agentTarget = this.pending;
        this.pending = null;
        begins = true;
      } else {
        this.agent = "Blocked";
        this.touch(); // agent-blocked
      }
    } else this.agent = "Idle";
    this.touch(); // agent-resumed
    this.schedulePump();
    if (begins) this.beginRollout();
    // Kubernetes came back while the agent was down: a rollout the outage paused carries on.
    if (this.agent === "Applying" && this.kubernetesUp && this.phase === "paused") {
      this.phase = "running";
      this.touch(); // rollout-resumed
    }
  }

  /** The controller's `onKubernetesDown`: the agent and the busy nodes note it, a running rollout pauses. */
  kubernetesDown(): void {
    if (!this.kubernetesUp) return;
    this.touch(); // kubernetes-down
    this.kubernetesUp = false;
    if (this.phase === "running") {
      this.phase = "paused";
      this.touch(); // rollout-paused
    }
  }

  /**
   * The controller's `onKubernetesUp`: a blocked agent applies the update it holds, a paused rollout
   * resumes, the nodes waiting for Kubernetes go on in cluster order (a drained one begins its action, one
   * waiting to rejoin rejoins, the whole rejoin time from now), then the pump.
   */
  kubernetesBack(): void {
    if (this.kubernetesUp) return;
    this.touch(); // kubernetes-up
    this.kubernetesUp = true;
    if (this.agent === "Blocked") {
      this.agent = "Applying";
      this.agentTarget = this.pending;
      this.pending = null;
      this.beginRollout();
    }
    if (this.agent === "Applying" && this.phase === "paused") {
      this.phase = "running";
      this.touch(); // rollout-resumed
    }
    const nodes = this.nodes;
    for (let i = 0; i < this.nodeCount; i++) {
      const node = nodes[i] as FastNode;
      if (node.state === "WaitingForKubernetes") this.startAttempt(node);
      else if (node.state === "WaitingToRejoin") {
        node.state = "Rejoining";
        this.clock.call(node.rejoinMs, rejoined, node);
      }
    }
    this.schedulePump();
  }

  onEvent(event: SimInputEvent): void {
    switch (event.type) {
      case "update":
        if (this.firstUpdateAt < 0) this.firstUpdateAt = this.clock.now;
        this.touch(); // update-received
        if (this.agent === "Idle" && this.kubernetesUp) {
          this.agent = "Applying";
          this.agentTarget = event.profile;
          this.beginRollout(true);
        } else {
          this.pending = event.profile;
          if (this.agent === "Idle") {
            this.agent = "Blocked";
            this.touch(); // agent-blocked
          }
        }
        return;
      case "node-fail": {
        const node = this.nodes[this.site.names.indexOf(event.node)] as FastNode;
        this.touch(node); // failure-armed
        node.armed.push({ action: event.action, remaining: Math.max(1, event.times ?? 1) });
        return;
      }
      case "agent-restart":
        this.touch(); // agent-restart
        this.agent = "Restarting";
        this.clock.call(this.site.agentRestartMs, resumeNow, this);
        return;
      case "kubernetes":
        if (event.state === "down") this.kubernetesDown();
        else this.kubernetesBack();
        return;
      default:
        throw new Error(`the fast path does not run ${event.type} events`);
    }
  }

  /** Runs the site to the end; false when it ends in a state the fast path does not summarise. */
  run(): boolean {
    const events = this.events;
    // One event due at 0 would be the first to run, alone on the clock: it runs now (one clock event less).
    if (events.length === 1 && (events[0] as SimInputEvent).at <= 0) nextEvent(this);
    else
      for (let i = 0; i < events.length; i++)
        this.clock.call(Math.max(0, (events[i] as SimInputEvent).at), nextEvent, this);
    this.clock.runUntilIdle();
    // Blocked (the agent not back to Idle: Kubernetes still down): left to `simulate()`.
    return this.phase === "halted" || this.agent === "Idle";
  }

  failure(): SiteSummary["failure"] {
    const node = this.failureNode;
    if (!node) return undefined;
    const action = this.site.action;
    const name = this.site.names[node.index] as string;
    return { node: name, action, reason: `injected failure: ${action} did not complete on ${name}` };
  }

  /** What a fleet reads of the run, but the nodes. */
  outcome(): FastOutcome {
    const outcome = this.outcomeInto(blankFastOutcome());
    if (outcome.failure === undefined) delete outcome.failure;
    return outcome;
  }

  /** The same, written into `out` (its `failure` set, undefined when none). */
  outcomeInto(out: FastOutcome): FastOutcome {
    let finalProfile = this.applied;
    const nodes = this.nodes;
    const count = this.nodeCount;
    if (count > 0) {
      const first = (nodes[0] as FastNode).profile;
      let same = true;
      for (let i = 1; i < count; i++) if ((nodes[i] as FastNode).profile !== first) same = false;
      if (same) finalProfile = first;
    }
    let disrupted = 0;
    for (let i = 0; i < count; i++) {
      const node = nodes[i] as FastNode;
      if (node.first >= 0) disrupted += node.last - node.first;
    }
    out.result = this.phase === "halted" ? "failed" : "converged";
    out.behavior = this.behavior;
    out.finalProfile = finalProfile;
    out.durationMs =
      this.firstUpdateAt >= 0 && this.lastRolloutEnd >= 0
        ? Math.max(0, this.lastRolloutEnd - this.firstUpdateAt)
        : 0;
    out.lastEntryMs = Math.max(0, this.lastEntry);
    out.disruptedNodeMs = disrupted;
    out.failure = this.failure();
    return out;
  }
}

// The clock's handlers: one function each, given its node or run.
function pumpNow(run: FastRun): void {
  run.pumpScheduled = false;
  run.pump();
}
function resumeNow(run: FastRun): void {
  run.resume();
}
function nextEvent(run: FastRun): void {
  run.onEvent(run.events[run.nextEvent++] as SimInputEvent);
}
function draining(node: FastNode): void {
  node.run.draining(node);
}
function drainDone(node: FastNode): void {
  const run = node.run;
  // node-drained (or, drain skipped, the action's start or the wait at the same instant)
  run.touch(node);
  // Palette applies nothing while Kubernetes is down: the drained node waits, cordoned (node-waiting).
  if (!run.kubernetesUp) node.state = "WaitingForKubernetes";
  else run.startAttempt(node);
}
function actionDone(node: FastNode): void {
  const run = node.run;
  if (node.failing) {
    node.state = "Failed";
    node.failing = false;
    run.touch(node); // action-failed
    run.failedNodes.push(node);
    run.pumpLast();
    return;
  }
  node.profile = run.site.target.id;
  run.touch(node); // action-finished (and node-rejoin-waiting while Kubernetes is down)
  // A node reports Ready through the API server: with Kubernetes down it waits to rejoin.
  if (!run.kubernetesUp) {
    node.state = "WaitingToRejoin";
    return;
  }
  node.state = "Rejoining";
  run.clock.call(node.rejoinMs, rejoined, node);
}
function rejoined(node: FastNode): void {
  const run = node.run;
  if (!run.kubernetesUp) {
    node.state = "WaitingToRejoin";
    run.touch(node); // node-rejoin-waiting
    return;
  }
  node.state = "Ready";
  run.touch(node); // node-rejoined
  node.attempts = 0;
  run.busy--;
  if (node.worker) run.busyWorkers--;
  run.pumpLast();
}

/** The one run kept and reset for each site (the fast path is not re-entered while it runs). */
let shared: FastRun | undefined;

function runFast(site: FastSite, seed: number, drawn: readonly SimInputEvent[]): FastRun | undefined {
  if (variationWatched()) return undefined;
  const events = trialEvents(site, drawn);
  if (!events) return undefined;
  shared ??= new FastRun();
  shared.reset(site, seed, events);
  return shared.run() ? shared : undefined;
}

/** What a fleet reads of a site's run: its summary but the nodes. */
export type FastOutcome = Omit<SiteSummary, "nodes">;

/** A `FastOutcome` to be written into (`outcomeInto`), its fields in the order the outcome lists them. */
export function blankFastOutcome(): FastOutcome {
  return {
    result: "converged",
    behavior: "no-op",
    finalProfile: "",
    durationMs: 0,
    lastEntryMs: 0,
    disruptedNodeMs: 0,
    failure: undefined,
  };
}

/**
 * A prepared site's summary for a trial (its seed, and the faults drawn for it, listed before its own
 * events at each instant as a site's input lists them), without the nodes; undefined when the drawn
 * events are not ones the fast path runs (run `simulate()` then).
 */
export function fastOutcome(
  site: FastSite,
  seed: number,
  drawn: readonly SimInputEvent[],
): FastOutcome | undefined {
  return runFast(site, seed, drawn)?.outcome();
}

/**
 * `fastOutcome` written into `out` (its `failure` undefined when none), for a caller that reads it at
 * once and keeps nothing of it: no object made per site.
 */
export function fastOutcomeInto(
  site: FastSite,
  seed: number,
  drawn: readonly SimInputEvent[],
  out: FastOutcome,
): FastOutcome | undefined {
  return runFast(site, seed, drawn)?.outcomeInto(out);
}

/**
 * The site's summary computed without the machines: the node lifecycle, the agent and the controller's
 * sequencing as a plain loop on the same `VirtualClock`, scheduling in the same order, drawing each
 * job's durations as the controller's `nodeJob` does (`jobDraw`, `drawJob`, `jobShape`) on the same
 * generator in the same order — so the summary is the one `summarize(simulate(input))` gives
 * (test/sim/site-summary.test.ts checks that over thousands of random sites). Undefined when the input
 * is not one it runs (see `prepareFast`): run `simulate()` then.
 */
export function fastSummary(input: SimulationInput): SiteSummary | undefined {
  const site = prepareFast(input);
  const run = site && runFast(site, input.seed, []);
  if (!run) return undefined;
  const nodes: SiteSummary["nodes"] = [];
  for (let i = 0; i < run.nodeCount; i++) {
    const node = run.nodes[i] as FastNode;
    nodes.push({
      name: site.names[i] as string,
      // A run it summarises ends with each node Ready, Failed or (halted, then Kubernetes went down)
      // waiting for Kubernetes: the machine's state names.
      state: node.state,
      profile: node.profile,
      actions: node.starts > 0 ? { [site.action]: node.starts } : {},
    });
  }
  return { ...run.outcome(), nodes };
}
