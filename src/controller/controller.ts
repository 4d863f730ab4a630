import { type AgentMachine, type AgentStateName, agentMachine } from "../machines/agent.js";
import { type DrivenSnapshot, MachineDriver } from "../machines/driver.js";
import { type NodeEmitted, type NodeStateName, nodeMachine, type Timings } from "../machines/node.js";
import { assertNever } from "../shared/types.js";
import type { ControllerDeps } from "./deps.js";
import { resolveTimings } from "./durations.js";
import { currentRollout } from "./lifecycle.js";
import { type NodeHandle, NodeRoster } from "./node-roster.js";
import { buildOutcome, type ControllerOutcome } from "./outcome.js";
import { catchUpDecision } from "./pool-toggle.js";
import { TimelineRecorder } from "./recorder.js";
import { profileOf, RolloutRunner } from "./rollout-runner.js";
import { takesWritesDown } from "./two-node.js";
import { clusterNodes, type FaultReport, type SimInputEvent, type SimulationInput } from "./types.js";

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
  private readonly timeline: TimelineRecorder;
  private readonly roster = new NodeRoster();
  private readonly agent: MachineDriver<AgentMachine>;
  private firstUpdateAt: number | undefined;
  /** Worker pools by name: their "skip worker node update" toggle. */
  private readonly pools = new Map<string, { skipWorkerUpdate: boolean }>();
  /** Injected faults by id (their index among the input events). */
  private readonly faults = new Map<number, Omit<FaultReport, "fired">>();
  private readonly timings: Required<Timings>;
  private readonly runner: RolloutRunner;
  /** Two-node: when the leader's current write outage began (undefined: writes are served). */
  private writeOutageSince: number | undefined;

  constructor(
    private readonly input: SimulationInput,
    private readonly deps: ControllerDeps,
  ) {
    this.timeline = new TimelineRecorder(deps);
    this.timings = resolveTimings(input.timings);
    const initial = profileOf(this.input, input.initialProfile);
    const clock = deps.clock;
    for (const pool of input.workerPools ?? [])
      this.pools.set(pool.name, { skipWorkerUpdate: pool.skipWorkerUpdate ?? false });
    for (const { name, role, pool } of clusterNodes(input)) {
      const actor = new MachineDriver(nodeMachine, clock, {
        name,
        role,
        profile: initial.id,
        osImage: initial.osImage,
        abPartitions: input.abPartitions ?? false,
        ...(input.abFallback !== undefined ? { abFallback: input.abFallback } : {}),
      });
      const handle = this.roster.add(name, role, pool, actor);
      actor.on("*", (emitted) => {
        this.timeline.emitted(emitted);
        if (name === input.twoNode?.leader) this.onLeaderEmitted(emitted);
      });
      actor.subscribe((snapshot) => this.onNodeSnapshot(handle, snapshot.value as NodeStateName));
    }
    this.agent = new MachineDriver(agentMachine, clock, {
      profile: initial.id,
      restartMs: this.timings.agentRestartMs,
    });
    this.agent.on("*", (emitted) => {
      this.timeline.emitted(emitted);
      if (emitted.type === "agent-resumed") this.runner.agentResumed();
    });
    let previous = this.agent.getSnapshot();
    this.agent.subscribe((snapshot) => {
      const before = previous;
      previous = snapshot;
      this.onAgentSnapshot(before.value as AgentStateName, before.context.record.target, snapshot);
    });
    this.runner = new RolloutRunner({
      input,
      deps,
      roster: this.roster,
      agent: this.agent,
      timeline: this.timeline,
      timings: this.timings,
      maxUnavailable: Math.max(1, Math.floor(input.maxUnavailable ?? 1)),
      retries: Math.max(0, Math.floor(input.retries ?? 1)),
      pools: this.pools,
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
      lifecycle: this.runner.lifecycle,
      agentState: this.runner.agentState(),
      applied: this.agent.getSnapshot().context.record.applied,
      behavior: this.runner.lastBehavior,
      firstUpdateAt: this.firstUpdateAt,
      lastRolloutEnd: this.runner.lastRolloutEnd,
      faults,
      timeline: this.timeline.entries,
    });
  }

  /** Stops every actor (their pending timers are cancelled on the clock). */
  stop(): void {
    for (const node of this.roster.nodes) node.actor.stop();
    this.agent.stop();
  }

  private onInputEvent(event: SimInputEvent, id: number): void {
    switch (event.type) {
      case "update":
        this.firstUpdateAt ??= this.deps.clock.now;
        this.timeline.record({ event: "update-received", profile: event.profile });
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
        this.timeline.record({ event: "failure-armed", node: node.name, action: event.action, times });
        node.actor.send({ type: "ARM_FAILURE", id, action: event.action, times });
        return;
      }
      case "agent-restart":
        this.timeline.record({ event: "agent-restart", downMs: this.timings.agentRestartMs });
        this.agent.send({ type: "AGENT_RESTART" });
        return;
      case "pool-toggle":
        this.onPoolToggle(event.pool, event.skipWorkerUpdate);
        return;
      case "operator-recover": {
        const node = this.roster.get(event.node);
        if (!node) return;
        const waiting = node.state === "AwaitingOperator";
        this.timeline.record({ event: "operator-recover", node: node.name, waiting });
        if (waiting) node.actor.send({ type: "OPERATOR_RECOVER" });
        return;
      }
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
    this.timeline.record({ event: "pool-toggled", pool: name, skipWorkerUpdate });
    if (skipWorkerUpdate) return;
    const rollout = currentRollout(this.runner.lifecycle);
    const members = this.roster.nodes.filter((node) => node.pool === name);
    const record = this.agent.getSnapshot().context.record;
    const decision = catchUpDecision(members, rollout, {
      state: this.runner.agentState(),
      applied: record.applied,
      pending: record.pending,
    });
    if (decision.kind === "none") return;
    for (const node of decision.behind) this.roster.catchUp.add(node);
    if (decision.kind === "join-rollout" && rollout) {
      this.runner.catchUpInRollout(name, decision.behind);
      return;
    }
    this.firstUpdateAt ??= this.deps.clock.now;
    this.timeline.record({
      event: "pool-catch-up",
      pool: name,
      profile: record.applied,
      nodes: decision.behind.length,
    });
    this.agent.send({ type: "UPDATE", profile: record.applied });
  }

  /**
   * Two-Node Architecture § Upgrade Behavior: "write requests will be temporarily unavailable as the leader
   * node goes down during the upgrade". The outage runs from the leader's action (one that takes it down)
   * until it is Ready again: rejoined, or back on its old image after an A/B fallback; a Failed leader keeps
   * it open until a retry brings it back.
   */
  private onLeaderEmitted(emitted: NodeEmitted): void {
    const now = this.deps.clock.now;
    if (emitted.type === "action-started" && this.writeOutageSince === undefined) {
      if (!takesWritesDown(emitted.action, emitted.services)) return;
      this.writeOutageSince = now;
      this.timeline.record({ event: "write-outage-started", node: emitted.node, action: emitted.action });
    } else if (
      (emitted.type === "node-rejoined" || emitted.type === "node-ready") &&
      this.writeOutageSince !== undefined
    ) {
      const durationMs = now - this.writeOutageSince;
      this.writeOutageSince = undefined;
      this.timeline.record({ event: "write-outage-ended", node: emitted.node, durationMs });
    }
  }

  private onKubernetesDown(): void {
    if (!this.runner.kubernetesUp()) return;
    this.timeline.record({ event: "kubernetes-down" });
    this.agent.send({ type: "KUBERNETES_DOWN" });
    this.roster.kubernetes(false);
    // Also while the agent restarts: its rollout is paused all the same (it resumes into the outage).
    this.runner.pause();
  }

  private onKubernetesUp(): void {
    if (this.runner.kubernetesUp()) return;
    this.timeline.record({ event: "kubernetes-up" });
    this.agent.send({ type: "KUBERNETES_UP" });
    // A retargeted rollout announced itself (rollout-started); only a rollout that carries on says it resumed.
    if (this.runner.agentState() === "Applying") this.runner.resume();
    // Nodes waiting, drained, for Kubernetes go on with their action (after the rollout's own news).
    this.roster.kubernetes(true);
    this.runner.schedulePump();
  }

  private onAgentSnapshot(
    from: AgentStateName,
    previousTarget: string | null,
    after: DrivenSnapshot<AgentMachine>,
  ): void {
    const to = after.value as AgentStateName;
    if (from !== to) this.timeline.transition("agent", from, to);
    const target = after.context.record.target;
    if (target !== null && target !== previousTarget) {
      const superseded =
        previousTarget !== null && currentRollout(this.runner.lifecycle) ? previousTarget : null;
      if (superseded !== null) {
        this.timeline.record({ event: "rollout-superseded", profile: superseded, by: target });
        // A node back Ready on its old image after a fallback is not in its action any more: retrying it
        // towards the superseded profile would disrupt it out of turn (before the control planes, past
        // maxUnavailable) for a profile it then leaves again. The new rollout takes it in its turn.
        // A Failed node is different: cordoned and drained mid-action, its retry finishes the old step.
        this.roster.abandonFallbacks();
      }
      this.runner.beginRollout(target, superseded);
    }
    // Kubernetes came back while the agent was down, and the rollout carries on (not retargeted).
    if (from === "Restarting" && to === "Applying" && this.runner.kubernetesUp()) this.runner.resume();
  }

  private onNodeSnapshot(node: NodeHandle, to: NodeStateName): void {
    const from = node.state;
    if (!this.roster.observe(node, to, node.context)) return;
    this.timeline.transition(node.name, from, to);
    const rollout = currentRollout(this.runner.lifecycle);
    if (
      to === "Ready" &&
      rollout &&
      node.profile === rollout.target &&
      this.runner.agentState() === "Applying"
    )
      this.agent.send({ type: "NODE_DONE", node: node.name });
    if (to === "Ready" || to === "Failed") this.runner.schedulePump();
  }
}
