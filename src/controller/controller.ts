import { type Actor, createActor } from "xstate";
import { type AgentMachine, type AgentStateName, agentMachine, agentRecord } from "../machines/agent.js";
import {
  DEFAULT_TIMINGS,
  isActionState,
  type JobDurations,
  type NodeJob,
  type NodeMachine,
  type NodeStateName,
  nodeMachine,
} from "../machines/node.js";
import type { Plan } from "../rules/types.js";
import type { Rng } from "../shared/rng.js";
import { assertNever, type Behavior, mostDisruptive, SERVICES, type Service } from "../shared/types.js";
import type { Bus } from "../sim/bus.js";
import type { VirtualClock } from "../sim/clock.js";
import {
  clusterNodes,
  type NodeAction,
  type NodeReport,
  type NodeRole,
  type SimInputEvent,
  type SimProfile,
  type SimulationInput,
  type SimulationOutcome,
  type SimulationResult,
  type TimelineEntry,
  type Timings,
} from "../sim/types.js";

interface NodeHandle {
  name: string;
  role: NodeRole;
  /** The worker pool, when the cluster has `workerPools`. */
  pool?: string;
  actor: Actor<NodeMachine>;
  state: NodeStateName;
  profile: string;
}

interface Rollout {
  target: string;
  behavior: Behavior;
  /** A rollout whose every node plan is no-op: acknowledged, no node touched. */
  noOp: boolean;
  paused: boolean;
  /**
   * Nodes not on the target when it began (or heading away from it, in a superseded rollout's action),
   * control planes first; `cursor` is the next to consider.
   */
  queue: NodeHandle[];
  cursor: number;
  deferred: NodeHandle[];
  /** Nodes of pools with "skip worker node update" left out because this update changes their Kubernetes version. */
  skipped: Set<NodeHandle>;
}

/** Palette's limit: a skipped pool may trail the control plane by at most this many minor versions. */
export const MAX_KUBERNETES_MINOR_SKEW = 3;

/** `{ major, minor }` of a Kubernetes pack version (`1.30.5`, `v1.31.1+k3s1`); undefined when unreadable. */
export function kubernetesMinor(version: string | undefined): { major: number; minor: number } | undefined {
  const match = version === undefined ? null : /^v?(\d+)\.(\d+)/.exec(version);
  return match ? { major: Number(match[1]), minor: Number(match[2]) } : undefined;
}

/** How many minor versions `pool` trails `controlPlane`; undefined when either version is unreadable. */
export function kubernetesSkew(
  controlPlane: string | undefined,
  pool: string | undefined,
): number | undefined {
  const cp = kubernetesMinor(controlPlane);
  const worker = kubernetesMinor(pool);
  if (!cp || !worker) return undefined;
  if (cp.major !== worker.major) return cp.major > worker.major ? Number.POSITIVE_INFINITY : -1;
  return cp.minor - worker.minor;
}

function kubernetesVersionOf(profile: SimProfile): string | undefined {
  return profile.profile.layers.find((layer) => layer.name === "kubernetes")?.version;
}

/** The plan bumps the Kubernetes pack version: what "skip worker node update" pools sit out. */
export function changesKubernetesVersion(plan: Plan): boolean {
  return plan.changes.some((change) => change.layer === "kubernetes" && change.path === "@version");
}

export interface ControllerDeps {
  clock: VirtualClock;
  bus: Bus;
  rng: Rng;
}

/** What a rollout ends with: exactly what `simulate` returns. */
export type ControllerOutcome = SimulationResult;

export function resolveTimings(partial: Partial<Timings> | undefined): Required<Timings> {
  return { ...DEFAULT_TIMINGS, ...(partial ?? {}) } as Required<Timings>;
}

function actionBaseMs(action: NodeAction, timings: Required<Timings>): number {
  switch (action) {
    case "repave":
      return timings.repaveMs;
    case "reboot":
      return timings.rebootMs;
    case "service-restart":
      return timings.serviceRestartMs;
    case "config-reload":
      return timings.configReloadMs;
    default:
      return assertNever(action);
  }
}

/**
 * Sequences an update over the cluster's nodes, on the shared virtual clock:
 * - every behavior runs on all nodes, control planes first, one control plane at a time; the next one
 *   starts only when the previous is Ready again and Kubernetes is up (the health gate), and no worker
 *   starts before every control plane is done;
 * - then workers, at most `maxUnavailable` not Ready at once;
 * - while Kubernetes is down nothing new starts (nor is retried); a node already in its action finishes it;
 * - a failed action is retried `retries` times, then the rollout halts and the rest stays untouched; with
 *   A/B partitions a repave whose image does not boot falls back (the node Ready on its old image and
 *   profile), which counts as a failed attempt the same way.
 * The Kubernetes service is modelled as HA: a control plane's own repave/reboot/restart of kubernetes does
 * not take the cluster's Kubernetes down; only the scenario's `kubernetes: down/up` events do.
 * Timeline entries are derived from the actors' state changes, never written by the machines.
 */
export class RolloutController {
  readonly timeline: TimelineEntry[] = [];
  private readonly nodes: NodeHandle[] = [];
  private readonly byName = new Map<string, NodeHandle>();
  private readonly agent: Actor<AgentMachine>;
  private agentState: AgentStateName = "Idle";
  private kubernetesUp = true;
  private rollout: Rollout | null = null;
  private halted = false;
  private rejected = false;
  private failure: ControllerOutcome["failure"];
  private lastBehavior: Behavior = "no-op";
  private firstUpdateAt: number | undefined;
  private lastRolloutEnd: number | undefined;
  private pumpScheduled = false;
  private needsCatchUp = false;
  /** Nodes not Ready (in any step of an action, or Failed), kept as counters: the pump runs per node. */
  private busy = 0;
  private busyWorkers = 0;
  private readonly failed = new Set<NodeHandle>();
  /** Nodes back Ready on their old image after a repave fell back (A/B partitions), awaiting retry or halt. */
  private readonly fellBack = new Set<NodeHandle>();
  private readonly planCache = new Map<string, Plan>();
  /** Worker pools by name: their "skip worker node update" toggle. */
  private readonly pools = new Map<string, { skipWorkerUpdate: boolean }>();
  /** Nodes of a pool whose toggle was turned off, to be repaved whatever their plan says. */
  private readonly catchUp = new Set<NodeHandle>();
  private readonly timings: Required<Timings>;
  private readonly maxUnavailable: number;
  private readonly retries: number;

  constructor(
    private readonly input: SimulationInput,
    private readonly deps: ControllerDeps,
  ) {
    this.timings = resolveTimings(input.timings);
    this.maxUnavailable = Math.max(1, Math.floor(input.maxUnavailable ?? 1));
    this.retries = Math.max(0, Math.floor(input.retries ?? 1));
    const initial = this.profile(input.initialProfile);
    const clock = deps.clock;
    for (const pool of input.workerPools ?? [])
      this.pools.set(pool.name, { skipWorkerUpdate: pool.skipWorkerUpdate ?? false });
    for (const { name, role, pool } of clusterNodes(input)) {
      const actor = createActor(nodeMachine, {
        clock,
        input: {
          name,
          role,
          profile: initial.id,
          osImage: initial.osImage,
          abPartitions: input.abPartitions ?? false,
        },
      });
      const handle: NodeHandle = { name, role, actor, state: "Ready", profile: initial.id };
      if (pool !== undefined) handle.pool = pool;
      actor.subscribe((snapshot) =>
        this.onNodeSnapshot(handle, snapshot.value as NodeStateName, snapshot.context),
      );
      this.nodes.push(handle);
      this.byName.set(name, handle);
    }
    this.agent = createActor(agentMachine, {
      clock,
      input: { profile: initial.id, restartMs: this.timings.agentRestartMs },
    });
    let previous = this.agent.getSnapshot();
    this.agent.subscribe((snapshot) => {
      const before = previous;
      previous = snapshot;
      this.onAgentSnapshot(before, snapshot);
    });
  }

  /** Starts the actors and schedules the scenario's events. */
  start(events: readonly SimInputEvent[]): void {
    for (const node of this.nodes) node.actor.start();
    this.agent.start();
    for (const event of events)
      this.deps.clock.scheduleAt(Math.max(0, event.at), () => this.onInputEvent(event));
  }

  outcome(): ControllerOutcome {
    const nodes: NodeReport[] = this.nodes.map((node) => {
      const context = node.actor.getSnapshot().context;
      return {
        name: node.name,
        role: node.role,
        ...(node.pool !== undefined ? { pool: node.pool } : {}),
        state: node.state,
        profile: context.profile,
        osImage: context.osImage,
        ...(context.abPartitions ? { activeImage: context.osImage, passiveImage: context.passiveImage } : {}),
        actions: { ...context.started },
      };
    });
    const record = this.agent.getSnapshot().context.record;
    const first = nodes[0]?.profile;
    const finalProfile =
      first !== undefined && nodes.every((n) => n.profile === first) ? first : record.applied;
    let result: SimulationOutcome = "converged";
    if (this.halted || this.rejected) result = "failed";
    else if (this.agentState !== "Idle") result = "blocked";
    const durationMs =
      this.firstUpdateAt !== undefined && this.lastRolloutEnd !== undefined
        ? Math.max(0, this.lastRolloutEnd - this.firstUpdateAt)
        : 0;
    const outcome: ControllerOutcome = {
      result,
      behavior: this.lastBehavior,
      finalProfile,
      nodes,
      timeline: this.timeline,
      durationMs,
    };
    if (this.failure) outcome.failure = this.failure;
    return outcome;
  }

  /** Stops every actor (their pending timers are cancelled on the clock). */
  stop(): void {
    for (const node of this.nodes) node.actor.stop();
    this.agent.stop();
  }

  private profile(id: string): SimProfile {
    const profile = this.input.profiles.get(id);
    if (!profile) throw new Error(`unknown profile ${id}`);
    return profile;
  }

  private record(event: string, details: Omit<TimelineEntry, "t" | "event"> = {}): void {
    // `t`, `node`, `event` first, for readable JSON.
    const entry: TimelineEntry =
      details.node === undefined
        ? { t: this.deps.clock.now, event, ...details }
        : { t: this.deps.clock.now, node: details.node as string, event, ...details };
    this.timeline.push(entry);
    this.deps.bus.emit("timeline", entry);
  }

  private transition(actor: string, from: string, to: string): void {
    // Thousands of node transitions: build the event only when someone listens.
    if (this.deps.bus.listenerCount("transition") === 0) return;
    this.deps.bus.emit("transition", { t: this.deps.clock.now, actor, from, to });
  }

  private onInputEvent(event: SimInputEvent): void {
    switch (event.type) {
      case "update":
        this.onUpdate(event.profile);
        return;
      case "kubernetes":
        if (event.state === "down") this.onKubernetesDown();
        else this.onKubernetesUp();
        return;
      case "node-fail": {
        const node = this.byName.get(event.node);
        if (!node) return;
        this.record("failure-armed", { node: node.name, action: event.action, times: event.times ?? 1 });
        node.actor.send({ type: "ARM_FAILURE", action: event.action, times: event.times ?? 1 });
        return;
      }
      case "agent-restart":
        this.record("agent-restart", { downMs: this.timings.agentRestartMs });
        this.agent.send({ type: "AGENT_RESTART" });
        return;
      case "pool-toggle":
        this.onPoolToggle(event.pool, event.skipWorkerUpdate);
        return;
      default:
        assertNever(event);
    }
  }

  private onUpdate(profile: string): void {
    this.firstUpdateAt ??= this.deps.clock.now;
    this.record("update-received", { profile });
    const before = this.agent.getSnapshot().context.record.pending;
    this.agent.send({ type: "UPDATE", profile });
    const after = this.agent.getSnapshot().context.record.pending;
    if (before !== null && after === profile)
      this.record("update-coalesced", { profile, superseded: before });
  }

  /**
   * Turning "skip worker node update" on only affects later rollouts. Turning it off repaves the pool's
   * nodes that are not on the cluster's profile: within the rollout in progress (its target), or as a
   * rollout of the applied profile of its own — through the agent, so it waits while Kubernetes is down and
   * coalesces with updates like any other. A halted agent (Failed) catches nothing up until an operator acts.
   */
  private onPoolToggle(name: string, skipWorkerUpdate: boolean): void {
    const pool = this.pools.get(name);
    if (!pool) return;
    pool.skipWorkerUpdate = skipWorkerUpdate;
    this.record("pool-toggled", { pool: name, skipWorkerUpdate });
    if (skipWorkerUpdate) return;
    const rollout = this.rollout;
    const members = this.nodes.filter((node) => node.pool === name);
    if (rollout) {
      const behind = members.filter((node) => rollout.skipped.has(node));
      if (behind.length === 0) return;
      for (const node of behind) {
        rollout.skipped.delete(node);
        this.catchUp.add(node);
        // After the rollout's own workers: the pool joins the end of the queue.
        rollout.queue.push(node);
      }
      rollout.behavior = mostDisruptive([rollout.behavior, "repave"]);
      rollout.noOp = false;
      this.lastBehavior = rollout.behavior;
      this.record("pool-catch-up", { pool: name, profile: rollout.target, nodes: behind.length });
      this.schedulePump();
      return;
    }
    const record = this.agent.getSnapshot().context.record;
    const quiet = this.agentState === "Idle" || (this.agentState === "Restarting" && record.pending === null);
    const behind = members.filter((node) => this.heading(node) !== record.applied);
    if (!quiet || behind.length === 0) return;
    for (const node of behind) this.catchUp.add(node);
    this.firstUpdateAt ??= this.deps.clock.now;
    this.record("pool-catch-up", { pool: name, profile: record.applied, nodes: behind.length });
    this.agent.send({ type: "UPDATE", profile: record.applied });
  }

  private onKubernetesDown(): void {
    if (!this.kubernetesUp) return;
    this.kubernetesUp = false;
    this.record("kubernetes-down");
    this.agent.send({ type: "KUBERNETES_DOWN" });
    // Also while the agent restarts: its rollout is paused all the same (it resumes into the outage).
    if (this.rollout && !this.rollout.paused) {
      this.rollout.paused = true;
      this.record("rollout-paused", { profile: this.rollout.target, reason: "kubernetes-down" });
    }
  }

  private onKubernetesUp(): void {
    if (this.kubernetesUp) return;
    this.kubernetesUp = true;
    this.record("kubernetes-up");
    this.agent.send({ type: "KUBERNETES_UP" });
    // A retargeted rollout announced itself (rollout-started); only a rollout that carries on says it resumed.
    if (this.rollout?.paused && this.agentState === "Applying") {
      this.rollout.paused = false;
      this.record("rollout-resumed", { profile: this.rollout.target });
    }
    this.schedulePump();
  }

  private onAgentSnapshot(
    before: ReturnType<Actor<AgentMachine>["getSnapshot"]>,
    after: ReturnType<Actor<AgentMachine>["getSnapshot"]>,
  ): void {
    const from = before.value as AgentStateName;
    const to = after.value as AgentStateName;
    this.agentState = to;
    if (from !== to) this.transition("agent", from, to);
    if (to === "BlockedKubernetesDown" && from !== to) {
      this.record("agent-blocked", { profile: after.context.record.pending, reason: "kubernetes-down" });
    }
    if (from === "Restarting" && to !== "Restarting") {
      const record = after.context.record;
      this.record("agent-resumed", {
        state: to,
        target: record.target,
        doneNodes: after.context.done?.size ?? 0,
        pending: record.pending,
      });
      this.needsCatchUp = true;
      this.schedulePump();
    }
    const previousTarget = before.context.record.target;
    const target = after.context.record.target;
    if (target !== null && target !== previousTarget) {
      if (previousTarget !== null && this.rollout) {
        this.record("rollout-superseded", { profile: previousTarget, by: target });
        // A node back Ready on its old image after a fallback is not in its action any more: retrying it
        // towards the superseded profile would disrupt it out of turn (before the control planes, past
        // maxUnavailable) for a profile it then leaves again. The new rollout takes it in its turn.
        // A Failed node is different: cordoned and drained mid-action, its retry finishes the old step.
        for (const node of this.fellBack) node.actor.send({ type: "ABANDON" });
        this.fellBack.clear();
      }
      this.beginRollout(target);
    }
    // Kubernetes came back while the agent was down, and the rollout carries on (not retargeted).
    if (from === "Restarting" && to === "Applying" && this.rollout?.paused && this.kubernetesUp) {
      this.rollout.paused = false;
      this.record("rollout-resumed", { profile: this.rollout.target });
    }
  }

  private planFor(from: string, to: string): Plan {
    const key = `${from}\u0000${to}`;
    let plan = this.planCache.get(key);
    if (!plan) {
      plan = this.input.plan(this.profile(from).profile, this.profile(to).profile);
      this.planCache.set(key, plan);
    }
    return plan;
  }

  private beginRollout(target: string): void {
    const from = this.agent.getSnapshot().context.record.applied;
    // A retargeted rollout can begin while nodes are still in the superseded one's action: such a node
    // ends on that rollout's profile, not on the one it is on now, so that is where its plan starts (and it
    // is queued even when it is on the new target now: it is about to leave it).
    const heading = new Map(this.nodes.map((node) => [node, this.heading(node)]));
    const moving = this.nodes.filter((node) => heading.get(node) !== target);
    // Pools with "skip worker node update" sit out an update that changes their Kubernetes version.
    const skipped = new Set(
      moving.filter(
        (node) =>
          node.pool !== undefined &&
          this.pools.get(node.pool)?.skipWorkerUpdate === true &&
          !this.catchUp.has(node) &&
          changesKubernetesVersion(this.planFor(heading.get(node) as string, target)),
      ),
    );
    const queue = moving.filter((node) => !skipped.has(node));
    const plans = new Map<string, Plan>();
    for (const node of queue) {
      const start = heading.get(node) as string;
      if (!plans.has(start)) plans.set(start, this.planFor(start, target));
    }
    const tooFarBehind = this.skewViolation(skipped, heading, target);
    if (tooFarBehind && [...plans.values()].every((plan) => plan.unsupported.length === 0)) {
      // Palette blocks the upgrade: the cluster stays as it is, the agent drops the update.
      this.rollout = null;
      this.record("update-refused", { profile: target, rule: "kubernetes.version-skew", ...tooFarBehind });
      this.lastRolloutEnd = this.deps.clock.now;
      this.agent.send({ type: "ROLLOUT_REFUSED" });
      return;
    }
    const unsupported = [...plans.values()].flatMap((plan) => plan.unsupported);
    if (unsupported.length > 0) {
      this.rejected = true;
      this.rollout = null;
      this.record("update-rejected", { profile: target, reasons: unsupported.map((u) => u.reason) });
      this.lastRolloutEnd = this.deps.clock.now;
      this.agent.send({ type: "ROLLOUT_FAILED", reason: "unsupported update" });
      return;
    }
    const catchingUp = queue.some((node) => this.catchUp.has(node));
    const behavior = mostDisruptive([
      ...[...plans.values()].map((plan) => plan.behavior),
      ...(catchingUp ? (["repave"] as const) : []),
    ]);
    const services = SERVICES.filter((s) => [...plans.values()].some((plan) => plan.services.includes(s)));
    this.lastBehavior = behavior;
    this.rollout = {
      target,
      behavior,
      noOp: behavior === "no-op",
      paused: !this.kubernetesUp,
      queue,
      cursor: 0,
      deferred: [],
      skipped,
    };
    if (behavior === "no-op") this.record("update-acknowledged", { profile: target, from });
    else this.record("rollout-started", { profile: target, from, behavior, services });
    const reported = new Set<string>();
    for (const node of skipped) {
      const pool = node.pool as string;
      if (reported.has(pool)) continue;
      reported.add(pool);
      const stays = heading.get(node) as string;
      this.record("pool-skipped", {
        pool,
        profile: stays,
        kubernetes: kubernetesVersionOf(this.profile(stays)),
        target,
      });
    }
    this.schedulePump();
  }

  /**
   * The first skipped pool that would trail the control plane (on `target`) by more than N-3 minor
   * versions, for the refusal's details; undefined when every pool stays within the skew (or a version
   * cannot be read: no refusal on a guess).
   */
  private skewViolation(
    skipped: ReadonlySet<NodeHandle>,
    heading: ReadonlyMap<NodeHandle, string>,
    target: string,
  ): { reason: string; pool: string; poolKubernetes: string; controlPlaneKubernetes: string } | undefined {
    const controlPlane = kubernetesVersionOf(this.profile(target));
    for (const node of skipped) {
      const version = kubernetesVersionOf(this.profile(heading.get(node) as string));
      const skew = kubernetesSkew(controlPlane, version);
      if (skew === undefined || skew <= MAX_KUBERNETES_MINOR_SKEW) continue;
      const pool = node.pool as string;
      return {
        reason: `worker pool ${pool} skips worker updates and would stay on Kubernetes ${version} while the control plane moves to ${controlPlane}: more than ${MAX_KUBERNETES_MINOR_SKEW} minor versions behind (Kubernetes N-3 skew)`,
        pool,
        poolKubernetes: version as string,
        controlPlaneKubernetes: controlPlane as string,
      };
    }
    return undefined;
  }

  /** The profile `node` ends on if its current job (if any) succeeds. */
  private heading(node: NodeHandle): string {
    return node.actor.getSnapshot().context.job?.targetProfile ?? node.profile;
  }

  /** Done with `target`: on it, and not in an action (of a superseded rollout) taking it elsewhere. */
  private isOn(node: NodeHandle, target: string): boolean {
    return node.profile === target && this.heading(node) === target;
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    // Deferred to the same instant so decisions read settled snapshots, never one mid-transition.
    this.deps.clock.schedule(0, () => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Starts whatever may start now; finishes or halts the rollout. */
  private pump(): void {
    const rollout = this.rollout;
    if (!rollout || this.halted || this.agentState !== "Applying" || !this.kubernetesUp) return;
    const target = rollout.target;
    if (this.needsCatchUp) {
      // Nodes that finished while the agent was down are recorded now (it re-read its record on resume).
      this.needsCatchUp = false;
      const done = new Set(agentRecord(this.agent.getSnapshot().context).doneNodes);
      for (const node of this.nodes) {
        if (node.state === "Ready" && node.profile === target && !done.has(node.name)) {
          this.agent.send({ type: "NODE_DONE", node: node.name });
        }
      }
    }

    // A fallback is a failed attempt too: same retries, same halt (the node just is not left Failed).
    for (const node of [...this.failed, ...this.fellBack]) {
      const context = node.actor.getSnapshot().context;
      const action = context.job?.action ?? "reboot";
      if (context.attempts <= this.retries) {
        this.record("action-retried", { node: node.name, action, attempt: context.attempts + 1 });
        node.actor.send({ type: "RETRY" });
      } else {
        this.halt(node, action, context.failureReason ?? "action failed");
        return;
      }
    }

    // Control planes come first in the queue: one at a time, each after the previous is Ready again.
    const queue = rollout.queue;
    while (rollout.cursor < queue.length) {
      const node = queue[rollout.cursor] as NodeHandle;
      if (this.isOn(node, target)) {
        rollout.cursor++;
        continue;
      }
      if (node.role !== "control-plane") break;
      if (node.state !== "Ready" || this.busy > 0) return;
      rollout.cursor++;
      if (this.startNode(node, target)) return;
    }
    // No worker starts while a control plane is busy (including one finishing an earlier rollout).
    if (this.busy > this.busyWorkers) return;

    // Workers skipped earlier because they were busy finishing a superseded rollout.
    if (rollout.deferred.length > 0) {
      const still: NodeHandle[] = [];
      for (const node of rollout.deferred) {
        if (this.isOn(node, target)) continue;
        if (node.state !== "Ready" || this.busyWorkers >= this.maxUnavailable) still.push(node);
        else this.startNode(node, target);
      }
      rollout.deferred = still;
    }
    while (rollout.cursor < queue.length && this.busyWorkers < this.maxUnavailable) {
      const node = queue[rollout.cursor++] as NodeHandle;
      if (this.isOn(node, target)) continue;
      if (node.state !== "Ready") rollout.deferred.push(node);
      else this.startNode(node, target);
    }
    if (rollout.cursor >= queue.length && rollout.deferred.length === 0 && this.busy === 0) {
      this.finishRollout(rollout);
    }
  }

  /** Starts `node` towards `target`; false when its plan is no-op (it takes the profile, untouched). */
  private startNode(node: NodeHandle, target: string): boolean {
    const plan = this.planFor(node.profile, target);
    // A pool caught up after its toggle is turned off is repaved, whatever the plan from its profile says.
    const repave = this.catchUp.delete(node) && node.profile !== target;
    if (plan.behavior === "no-op" && !repave) {
      node.actor.send({ type: "ADOPT", profile: target });
      return false;
    }
    const action: NodeAction = repave ? "repave" : (plan.behavior as NodeAction);
    const targetProfile = this.profile(target);
    const job: NodeJob = {
      action,
      targetProfile: target,
      targetOsImage: targetProfile.osImage,
      services: action === "service-restart" ? [...plan.services] : [],
      cordon: action !== "config-reload" && targetProfile.drain.cordon,
      durations: this.durations(action, targetProfile),
    };
    node.actor.send({ type: "START", job });
    return true;
  }

  /** Jitter is drawn when the job starts, in start order, so the same seed gives the same run. */
  private durations(action: NodeAction, target: SimProfile): JobDurations {
    const { rng } = this.deps;
    const t = this.timings;
    const actionMs = rng.jitter(actionBaseMs(action, t), t.jitter);
    if (action === "config-reload") return { cordonMs: 0, drainMs: 0, actionMs, rejoinMs: 0 };
    return {
      cordonMs: target.drain.cordon ? rng.jitter(t.cordonMs, t.jitter) : 0,
      // Palette gives up waiting for evictions at the drain timeout.
      drainMs: Math.min(rng.jitter(t.drainMs, t.jitter), target.drain.timeoutMs),
      actionMs,
      rejoinMs: rng.jitter(t.rejoinMs, t.jitter),
    };
  }

  private drainTimeout(context: { job: NodeJob | null }): number | undefined {
    const target = context.job?.targetProfile;
    return target === undefined ? undefined : this.profile(target).drain.timeoutMs;
  }

  private finishRollout(rollout: Rollout): void {
    this.lastRolloutEnd = this.deps.clock.now;
    if (!rollout.noOp)
      this.record("rollout-finished", { profile: rollout.target, behavior: rollout.behavior });
    this.rollout = null;
    this.agent.send({ type: "ROLLOUT_FINISHED" });
  }

  private halt(node: NodeHandle, action: NodeAction, reason: string): void {
    this.halted = true;
    this.failure = { node: node.name, action, reason };
    this.lastRolloutEnd = this.deps.clock.now;
    this.record("rollout-halted", {
      node: node.name,
      profile: this.rollout?.target,
      action,
      reason,
      attempts: 1 + this.retries,
    });
    this.rollout = null;
    this.agent.send({ type: "ROLLOUT_FAILED", reason: `${node.name}: ${reason}` });
  }

  private onNodeSnapshot(
    node: NodeHandle,
    to: NodeStateName,
    context: ReturnType<Actor<NodeMachine>["getSnapshot"]>["context"],
  ): void {
    const from = node.state;
    node.state = to;
    node.profile = context.profile;
    if (from === to) return;
    const countsAs = node.role === "worker" ? 1 : 0;
    if (from === "Ready") {
      this.busy++;
      this.busyWorkers += countsAs;
    } else if (to === "Ready") {
      this.busy--;
      this.busyWorkers -= countsAs;
    }
    if (to === "Failed") this.failed.add(node);
    else if (from === "Failed") this.failed.delete(node);
    if (to === "Ready" && context.fallback) this.fellBack.add(node);
    else if (from === "Ready") this.fellBack.delete(node);
    this.transition(node.name, from, to);
    const action = context.job?.action;
    // Cordoning is immediate (the node is unschedulable from here); Cordoned lasts until the drain begins.
    if (to === "Cordoned") this.record("node-cordoned", { node: node.name });
    if (to === "Draining") {
      this.record("node-draining", {
        node: node.name,
        cordoned: from === "Cordoned",
        timeoutMs: this.drainTimeout(context),
      });
    }
    if (from === "Draining") this.record("node-drained", { node: node.name });
    if (isActionState(to) && action) {
      const details: Omit<TimelineEntry, "t" | "event"> = {
        node: node.name,
        action,
        profile: context.job?.targetProfile,
        attempt: context.attempts,
      };
      if (action === "service-restart") details.services = context.job?.services as Service[];
      this.record("action-started", details);
    }
    const fallback = from === "Repaving" && to === "Rejoining" ? context.fallback : null;
    if (fallback) {
      this.record("action-failed", {
        node: node.name,
        action,
        attempt: context.attempts,
        reason: context.failureReason,
      });
      this.record("image-fallback", { node: node.name, from: fallback.from, to: fallback.to });
    } else if (isActionState(from) && to !== "Failed" && action !== undefined) {
      this.record("action-finished", { node: node.name, action });
    }
    // After config-reload the job is already cleared; the action is known from the state left.
    if (from === "ConfigReloading" && to === "Ready") {
      this.record("action-finished", { node: node.name, action: "config-reload" });
      this.record("node-ready", { node: node.name, profile: context.profile });
    }
    if (to === "Failed") {
      this.record("action-failed", {
        node: node.name,
        action,
        attempt: context.attempts,
        reason: context.failureReason,
      });
    }
    if (from === "Rejoining" && to === "Ready") {
      const images = context.abPartitions ? { passiveImage: context.passiveImage } : {};
      this.record("node-rejoined", {
        node: node.name,
        profile: context.profile,
        osImage: context.osImage,
        ...images,
      });
    }
    if (
      to === "Ready" &&
      this.rollout &&
      context.profile === this.rollout.target &&
      this.agentState === "Applying"
    ) {
      this.agent.send({ type: "NODE_DONE", node: node.name });
    }
    if (to === "Ready" || to === "Failed") this.schedulePump();
  }
}
