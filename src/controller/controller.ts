import { type Actor, createActor } from "xstate";
import {
  type AgentEmitted,
  type AgentMachine,
  type AgentStateName,
  agentMachine,
  agentRecord,
} from "../machines/agent.js";
import { type NodeEmitted, type NodeStateName, nodeMachine, type Timings } from "../machines/node.js";
import type { Plan } from "../rules/types.js";
import { assertNever, type Behavior, mostDisruptive, type NodeAction } from "../shared/types.js";
import type { ControllerDeps } from "./deps.js";
import { nodeJob, resolveTimings } from "./durations.js";
import { currentRollout, IDLE, type Rollout, type RolloutLifecycle } from "./lifecycle.js";
import { nextStarts, type StartStatus } from "./next-starts.js";
import { type NodeHandle, NodeRoster } from "./node-roster.js";
import { buildOutcome, type ControllerOutcome } from "./outcome.js";
import { planRollout } from "./plan-rollout.js";
import { catchUpDecision } from "./pool-toggle.js";
import { retryDecision } from "./retries.js";
import { kubernetesVersionOf, VERSION_SKEW_RULE } from "./skew.js";
import {
  clusterNodes,
  type FaultReport,
  type SimInputEvent,
  type SimProfile,
  type SimulationInput,
  type TimelineEntry,
  type TimelineEvent,
} from "./types.js";

export type { ControllerClock, ControllerDeps, TransitionEvent } from "./deps.js";
export type { ControllerOutcome } from "./outcome.js";

/**
 * Wires the node actors and the Palette agent actor on the shared virtual clock, dispatches the scenario's
 * events to them, and turns what they emit into the timeline. The decisions are pure functions:
 * `planRollout` (what a rollout does), `nextStarts` (which nodes start now); the rollout's lifecycle is
 * one explicit state (`RolloutLifecycle`). Sequencing, in short: control planes first, one at a time behind
 * the health gate, then workers `maxUnavailable` at a time; nothing starts or is retried while Kubernetes
 * is down (a drained node waits, cordoned); a failed action is retried `retries` times, then the rollout
 * halts. The Kubernetes service is modelled as HA: a control plane's own action does not take it down; only
 * the scenario's `kubernetes: down/up` events do.
 */
export class RolloutController {
  readonly timeline: TimelineEntry[] = [];
  private readonly roster = new NodeRoster();
  private readonly agent: Actor<AgentMachine>;
  private lifecycle: RolloutLifecycle<NodeHandle> = IDLE;
  private lastBehavior: Behavior = "no-op";
  private firstUpdateAt: number | undefined;
  private lastRolloutEnd: number | undefined;
  private pumpScheduled = false;
  /** The agent resumed from a restart: nodes that finished meanwhile are reported to it at the next pump. */
  private resyncAgent = false;
  private readonly planCache = new Map<string, Plan>();
  /** Worker pools by name: their "skip worker node update" toggle. */
  private readonly pools = new Map<string, { skipWorkerUpdate: boolean }>();
  /** Injected faults by id (their index among the input events). */
  private readonly faults = new Map<number, Omit<FaultReport, "fired">>();
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
      const handle = this.roster.add(name, role, pool, actor);
      actor.on("*", (emitted) => this.onEmitted(emitted));
      actor.subscribe((snapshot) => this.onNodeSnapshot(handle, snapshot.value as NodeStateName));
    }
    this.agent = createActor(agentMachine, {
      clock,
      input: { profile: initial.id, restartMs: this.timings.agentRestartMs },
    });
    this.agent.on("*", (emitted) => {
      this.onEmitted(emitted);
      if (emitted.type === "agent-resumed") {
        this.resyncAgent = true;
        this.schedulePump();
      }
    });
    let previous = this.agent.getSnapshot();
    this.agent.subscribe((snapshot) => {
      const before = previous;
      previous = snapshot;
      this.onAgentSnapshot(before.value as AgentStateName, before.context.record.target, snapshot);
    });
  }

  /** Starts the actors and schedules the scenario's events. */
  start(events: readonly SimInputEvent[]): void {
    for (const node of this.roster.nodes) node.actor.start();
    this.agent.start();
    events.forEach((event, id) => {
      if (event.type === "node-fail")
        this.faults.set(id, {
          at: event.at,
          node: event.node,
          fail: event.action,
          times: Math.max(1, event.times ?? 1),
        });
      this.deps.clock.scheduleAt(Math.max(0, event.at), () => this.onInputEvent(event, id));
    });
  }

  outcome(): ControllerOutcome {
    const faults: FaultReport[] = [...this.faults].map(([id, fault]) => ({
      ...fault,
      fired: this.roster.get(fault.node)?.context.fired[id] ?? 0,
    }));
    return buildOutcome({
      nodes: this.roster.nodes.map((node) => node.report()),
      lifecycle: this.lifecycle,
      agentState: this.agentState(),
      applied: this.agent.getSnapshot().context.record.applied,
      behavior: this.lastBehavior,
      firstUpdateAt: this.firstUpdateAt,
      lastRolloutEnd: this.lastRolloutEnd,
      faults,
      timeline: this.timeline,
    });
  }

  /** Stops every actor (their pending timers are cancelled on the clock). */
  stop(): void {
    for (const node of this.roster.nodes) node.actor.stop();
    this.agent.stop();
  }

  private profile(id: string): SimProfile {
    const profile = this.input.profiles.get(id);
    if (!profile) throw new Error(`unknown profile ${id}`);
    return profile;
  }

  private agentState(): AgentStateName {
    return this.agent.getSnapshot().value as AgentStateName;
  }

  private kubernetesUp(): boolean {
    return this.agent.getSnapshot().context.kubernetesUp;
  }

  private record(event: TimelineEvent): void {
    // `t`, `node`, `event` first, for readable JSON.
    const node = (event as { node?: string }).node;
    const entry = (
      node === undefined ? { t: this.deps.clock.now, ...event } : { t: this.deps.clock.now, node, ...event }
    ) as TimelineEntry;
    this.timeline.push(entry);
    this.deps.onEntry?.(entry);
  }

  private transition(actor: string, from: string, to: string): void {
    const sink = this.deps.onTransition;
    if (sink?.wanted()) sink.emit({ t: this.deps.clock.now, actor, from, to });
  }

  private onInputEvent(event: SimInputEvent, id: number): void {
    switch (event.type) {
      case "update":
        this.firstUpdateAt ??= this.deps.clock.now;
        this.record({ event: "update-received", profile: event.profile });
        this.agent.send({ type: "UPDATE", profile: event.profile });
        return;
      case "kubernetes":
        if (event.state === "down") this.onKubernetesDown();
        else this.onKubernetesUp();
        return;
      case "node-fail": {
        const node = this.roster.get(event.node);
        if (!node) return;
        const times = event.times ?? 1;
        this.record({ event: "failure-armed", node: node.name, action: event.action, times });
        node.actor.send({ type: "ARM_FAILURE", id, action: event.action, times });
        return;
      }
      case "agent-restart":
        this.record({ event: "agent-restart", downMs: this.timings.agentRestartMs });
        this.agent.send({ type: "AGENT_RESTART" });
        return;
      case "pool-toggle":
        this.onPoolToggle(event.pool, event.skipWorkerUpdate);
        return;
      default:
        assertNever(event);
    }
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
    this.record({ event: "pool-toggled", pool: name, skipWorkerUpdate });
    if (skipWorkerUpdate) return;
    const rollout = currentRollout(this.lifecycle);
    const members = this.roster.nodes.filter((node) => node.pool === name);
    const record = this.agent.getSnapshot().context.record;
    const decision = catchUpDecision(members, rollout, {
      state: this.agentState(),
      applied: record.applied,
      pending: record.pending,
    });
    if (decision.kind === "none") return;
    for (const node of decision.behind) this.roster.catchUp.add(node);
    if (decision.kind === "join-rollout" && rollout) {
      for (const node of decision.behind) {
        rollout.skipped.delete(node);
        rollout.queue.push(node);
      }
      rollout.behavior = mostDisruptive([rollout.behavior, "repave"]);
      rollout.noOp = false;
      this.lastBehavior = rollout.behavior;
      this.record({
        event: "pool-catch-up",
        pool: name,
        profile: rollout.target,
        nodes: decision.behind.length,
      });
      this.schedulePump();
      return;
    }
    this.firstUpdateAt ??= this.deps.clock.now;
    this.record({
      event: "pool-catch-up",
      pool: name,
      profile: record.applied,
      nodes: decision.behind.length,
    });
    this.agent.send({ type: "UPDATE", profile: record.applied });
  }

  private onKubernetesDown(): void {
    if (!this.kubernetesUp()) return;
    this.record({ event: "kubernetes-down" });
    this.agent.send({ type: "KUBERNETES_DOWN" });
    for (const node of this.roster.nodes) node.actor.send({ type: "KUBERNETES_DOWN" });
    // Also while the agent restarts: its rollout is paused all the same (it resumes into the outage).
    if (this.lifecycle.phase === "running") {
      this.lifecycle = { phase: "paused", rollout: this.lifecycle.rollout };
      this.record({
        event: "rollout-paused",
        profile: this.lifecycle.rollout.target,
        reason: "kubernetes-down",
      });
    }
  }

  private onKubernetesUp(): void {
    if (this.kubernetesUp()) return;
    this.record({ event: "kubernetes-up" });
    this.agent.send({ type: "KUBERNETES_UP" });
    // A retargeted rollout announced itself (rollout-started); only a rollout that carries on says it resumed.
    if (this.lifecycle.phase === "paused" && this.agentState() === "Applying")
      this.resume(this.lifecycle.rollout);
    // Nodes waiting, drained, for Kubernetes go on with their action (after the rollout's own news).
    for (const node of this.roster.nodes) node.actor.send({ type: "KUBERNETES_UP" });
    this.schedulePump();
  }

  private resume(rollout: Rollout<NodeHandle>): void {
    this.lifecycle = { phase: "running", rollout };
    this.record({ event: "rollout-resumed", profile: rollout.target });
  }

  private onAgentSnapshot(
    from: AgentStateName,
    previousTarget: string | null,
    after: ReturnType<Actor<AgentMachine>["getSnapshot"]>,
  ): void {
    const to = after.value as AgentStateName;
    if (from !== to) this.transition("agent", from, to);
    const target = after.context.record.target;
    if (target !== null && target !== previousTarget) {
      const superseded = previousTarget !== null && currentRollout(this.lifecycle) ? previousTarget : null;
      if (superseded !== null) {
        this.record({ event: "rollout-superseded", profile: superseded, by: target });
        // A node back Ready on its old image after a fallback is not in its action any more: retrying it
        // towards the superseded profile would disrupt it out of turn (before the control planes, past
        // maxUnavailable) for a profile it then leaves again. The new rollout takes it in its turn.
        // A Failed node is different: cordoned and drained mid-action, its retry finishes the old step.
        this.roster.abandonFallbacks();
      }
      this.beginRollout(target, superseded);
    }
    // Kubernetes came back while the agent was down, and the rollout carries on (not retargeted).
    if (
      from === "Restarting" &&
      to === "Applying" &&
      this.lifecycle.phase === "paused" &&
      this.kubernetesUp()
    )
      this.resume(this.lifecycle.rollout);
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

  /** `superseded`: the target of the rollout in progress that this one replaces, if any. */
  private beginRollout(target: string, superseded: string | null): void {
    const from = this.agent.getSnapshot().context.record.applied;
    const decision = planRollout(
      {
        nodes: this.roster.nodes,
        skipWorkerUpdate: (pool) => this.pools.get(pool)?.skipWorkerUpdate === true,
        plan: (a, b) => this.planFor(a, b),
        kubernetesVersion: (profile) => kubernetesVersionOf(this.profile(profile).profile),
      },
      target,
    );
    switch (decision.kind) {
      case "refused":
        // Palette blocks the upgrade: the cluster stays as it is, the agent drops the update.
        this.lifecycle = IDLE;
        this.record({
          event: "update-refused",
          profile: target,
          rule: VERSION_SKEW_RULE,
          ...decision.refusal,
        });
        this.lastRolloutEnd = this.deps.clock.now;
        // A refused retarget leaves the superseded rollout's nodes mid-way: the agent goes back to that
        // profile, the latest it accepted, and a rollout planned from where the nodes are finishes it.
        if (superseded !== null) this.agent.send({ type: "UPDATE", profile: superseded });
        this.agent.send({ type: "ROLLOUT_REFUSED" });
        return;
      case "rejected":
        this.lifecycle = { phase: "halted" };
        this.record({ event: "update-rejected", profile: target, reasons: decision.reasons });
        this.lastRolloutEnd = this.deps.clock.now;
        this.agent.send({ type: "ROLLOUT_FAILED", reason: "unsupported update" });
        return;
      case "started":
        break;
      default:
        assertNever(decision);
    }
    const { behavior, services } = decision;
    this.lastBehavior = behavior;
    const rollout: Rollout<NodeHandle> = {
      target,
      behavior,
      noOp: behavior === "no-op",
      queue: decision.queue,
      cursor: 0,
      deferred: [],
      skipped: new Set(decision.skipped),
    };
    this.lifecycle = this.kubernetesUp() ? { phase: "running", rollout } : { phase: "paused", rollout };
    if (behavior === "no-op") this.record({ event: "update-acknowledged", profile: target, from });
    else this.record({ event: "rollout-started", profile: target, from, behavior, services });
    for (const skipped of decision.skippedPools) this.record({ event: "pool-skipped", ...skipped, target });
    this.schedulePump();
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

  /** Retries, halts, starts whatever may start now, finishes the rollout. */
  private pump(): void {
    const rollout = currentRollout(this.lifecycle);
    if (!rollout || this.agentState() !== "Applying" || !this.kubernetesUp()) return;
    const target = rollout.target;
    if (this.resyncAgent) {
      // Nodes that finished while the agent was down are recorded now (it re-read its record on resume).
      this.resyncAgent = false;
      const done = new Set(agentRecord(this.agent.getSnapshot().context).doneNodes);
      for (const node of this.roster.nodes) {
        if (node.state === "Ready" && node.profile === target && !done.has(node.name))
          this.agent.send({ type: "NODE_DONE", node: node.name });
      }
    }

    for (const node of [...this.roster.failed, ...this.roster.fellBack]) {
      const context = node.context;
      const fellBack = this.roster.fellBack.has(node);
      const decision = retryDecision(
        {
          fellBack,
          jobTarget: context.job?.targetProfile,
          action: context.job?.action,
          attempts: context.attempts,
          failureReason: context.failureReason,
        },
        target,
        this.retries,
      );
      if (decision.kind === "abandon") {
        this.roster.fellBack.delete(node);
        node.actor.send({ type: "ABANDON" });
      } else if (decision.kind === "retry") {
        this.record({
          event: "action-retried",
          node: node.name,
          action: decision.action,
          attempt: decision.attempt,
        });
        node.actor.send({ type: "RETRY" });
      } else {
        this.halt(rollout, node, decision.action, decision.reason);
        return;
      }
    }

    const nodes = {
      status: (node: NodeHandle): StartStatus => ({
        role: node.role,
        ready: node.state === "Ready",
        done: node.isOn(target),
      }),
      adopts: (node: NodeHandle) =>
        this.planFor(node.profile, target).behavior === "no-op" && !this.catchesUp(node, target),
    };
    const decision = nextStarts(rollout, nodes, {
      kubernetesUp: true,
      maxUnavailable: this.maxUnavailable,
      busy: this.roster.busy,
      busyWorkers: this.roster.busyWorkers,
    });
    rollout.cursor = decision.cursor;
    rollout.deferred = decision.deferred;
    for (const node of decision.starts) this.startNode(node, target);
    if (decision.finished) this.finishRollout(rollout);
  }

  /** A pool caught up after its toggle is turned off is repaved, whatever the plan from its profile says. */
  private catchesUp(node: NodeHandle, target: string): boolean {
    return this.roster.catchUp.has(node) && node.profile !== target;
  }

  /** Starts `node` towards `target`, or lets it take the profile untouched when its plan is no-op. */
  private startNode(node: NodeHandle, target: string): void {
    const plan = this.planFor(node.profile, target);
    const repave = this.catchesUp(node, target);
    this.roster.catchUp.delete(node);
    if (plan.behavior === "no-op" && !repave) {
      node.actor.send({ type: "ADOPT", profile: target });
      return;
    }
    const action: NodeAction = repave ? "repave" : (plan.behavior as NodeAction);
    const job = nodeJob(this.deps.rng, this.timings, action, plan, this.profile(target));
    node.actor.send({ type: "START", job });
  }

  private finishRollout(rollout: Rollout<NodeHandle>): void {
    this.lastRolloutEnd = this.deps.clock.now;
    if (!rollout.noOp)
      this.record({ event: "rollout-finished", profile: rollout.target, behavior: rollout.behavior });
    this.lifecycle = IDLE;
    this.agent.send({ type: "ROLLOUT_FINISHED" });
  }

  private halt(rollout: Rollout<NodeHandle>, node: NodeHandle, action: NodeAction, reason: string): void {
    this.lifecycle = { phase: "halted", failure: { node: node.name, action, reason } };
    this.lastRolloutEnd = this.deps.clock.now;
    this.record({
      event: "rollout-halted",
      node: node.name,
      profile: rollout.target,
      action,
      reason,
      attempts: 1 + this.retries,
    });
    this.agent.send({ type: "ROLLOUT_FAILED", reason: `${node.name}: ${reason}` });
  }

  /** What a machine emits goes on the timeline as it is, stamped with the time. */
  private onEmitted(emitted: NodeEmitted | AgentEmitted): void {
    const { type, ...details } = emitted;
    this.record({ event: type, ...details } as TimelineEvent);
  }

  private onNodeSnapshot(node: NodeHandle, to: NodeStateName): void {
    const from = node.state;
    if (!this.roster.observe(node, to, node.context)) return;
    this.transition(node.name, from, to);
    const rollout = currentRollout(this.lifecycle);
    if (to === "Ready" && rollout && node.profile === rollout.target && this.agentState() === "Applying")
      this.agent.send({ type: "NODE_DONE", node: node.name });
    if (to === "Ready" || to === "Failed") this.schedulePump();
  }
}
