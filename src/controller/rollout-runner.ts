import { type AgentMachine, type AgentStateName, agentRecord } from "../machines/agent.js";
import type { MachineDriver } from "../machines/driver.js";
import type { Timings } from "../machines/node.js";
import type { Plan } from "../rules/types.js";
import { assertNever, type Behavior, mostDisruptive, type NodeAction } from "../shared/types.js";
import type { ControllerDeps } from "./deps.js";
import { nodeJob } from "./durations.js";
import { currentRollout, IDLE, type Rollout, type RolloutLifecycle } from "./lifecycle.js";
import { nextStarts, type StartStatus } from "./next-starts.js";
import type { NodeHandle, NodeRoster } from "./node-roster.js";
import { planRollout } from "./plan-rollout.js";
import type { TimelineRecorder } from "./recorder.js";
import { retryDecision } from "./retries.js";
import { kubernetesVersionOf, VERSION_SKEW_RULE } from "./skew.js";
import { twoNodeOrder } from "./two-node.js";
import type { SimProfile, SimulationInput } from "./types.js";

/** What a rollout works with: the cluster's nodes and agent, the timeline, the limits. */
export interface RolloutParts {
  input: SimulationInput;
  deps: ControllerDeps;
  roster: NodeRoster;
  agent: MachineDriver<AgentMachine>;
  timeline: TimelineRecorder;
  timings: Required<Timings>;
  maxUnavailable: number;
  retries: number;
  /** Worker pools by name: their "skip worker node update" toggle. */
  pools: ReadonlyMap<string, { skipWorkerUpdate: boolean }>;
}

export function profileOf(input: SimulationInput, id: string): SimProfile {
  const profile = input.profiles.get(id);
  if (!profile) throw new Error(`unknown profile ${id}`);
  return profile;
}

/**
 * Runs the rollouts the agent asks for: plans each (`planRollout`), starts nodes as `nextStarts` allows,
 * retries or halts on failures (`retryDecision`), finishes, and keeps the rollout's lifecycle as one state.
 * The pump runs at most once per instant, after the instant's transitions have settled. Its state is its
 * own: the controller reads it and tells it what happened (`pause`, `resume`, `agentResumed`,
 * `catchUpInRollout`), never sets it.
 */
export class RolloutRunner {
  private state: RolloutLifecycle<NodeHandle> = IDLE;
  private behavior: Behavior = "no-op";
  private rolloutEnd: number | undefined;
  /** The agent resumed from a restart: nodes that finished meanwhile are reported to it at the next pump. */
  private resyncAgent = false;
  /** Two-node: the liveness probes are paused (an upgrade of the control planes is under way). */
  private probesPaused = false;
  private pumpScheduled = false;
  private readonly planCache = new Map<string, Plan>();
  private readonly input: SimulationInput;
  private readonly deps: ControllerDeps;
  private readonly roster: NodeRoster;
  private readonly agent: MachineDriver<AgentMachine>;
  private readonly timeline: TimelineRecorder;
  private readonly timings: Required<Timings>;
  private readonly maxUnavailable: number;
  private readonly retries: number;
  private readonly pools: ReadonlyMap<string, { skipWorkerUpdate: boolean }>;

  constructor(parts: RolloutParts) {
    this.input = parts.input;
    this.deps = parts.deps;
    this.roster = parts.roster;
    this.agent = parts.agent;
    this.timeline = parts.timeline;
    this.timings = parts.timings;
    this.maxUnavailable = parts.maxUnavailable;
    this.retries = parts.retries;
    this.pools = parts.pools;
  }

  agentState(): AgentStateName {
    return this.agent.getSnapshot().value as AgentStateName;
  }

  kubernetesUp(): boolean {
    return this.agent.getSnapshot().context.kubernetesUp;
  }

  /** The rollout's lifecycle: idle, running, paused (Kubernetes down) or halted. */
  get lifecycle(): RolloutLifecycle<NodeHandle> {
    return this.state;
  }

  /** Behavior of the last rollout the agent applied (`no-op` if none). */
  get lastBehavior(): Behavior {
    return this.behavior;
  }

  /** When the last rollout finished, halted or was refused (undefined: none has). */
  get lastRolloutEnd(): number | undefined {
    return this.rolloutEnd;
  }

  /** Kubernetes went down: a running rollout pauses (also while the agent restarts: it resumes into the outage). */
  pause(): void {
    if (this.state.phase !== "running") return;
    this.state = { phase: "paused", rollout: this.state.rollout };
    this.timeline.record({
      event: "rollout-paused",
      profile: this.state.rollout.target,
      reason: "kubernetes-down",
    });
  }

  /** A paused rollout carries on (Kubernetes is back, and the agent applies it). */
  resume(): void {
    if (this.state.phase !== "paused") return;
    this.state = { phase: "running", rollout: this.state.rollout };
    this.timeline.record({ event: "rollout-resumed", profile: this.state.rollout.target });
  }

  /** The agent is back from a restart: nodes that finished meanwhile are reported to it at the next pump. */
  agentResumed(): void {
    this.resyncAgent = true;
    this.schedulePump();
  }

  /**
   * A pool's nodes left behind join the rollout in progress (its "skip worker node update" was turned
   * off): they are queued, and repaved, so the rollout is at least a repave.
   */
  catchUpInRollout(pool: string, behind: readonly NodeHandle[]): void {
    const rollout = currentRollout(this.state);
    if (!rollout) return;
    for (const node of behind) {
      rollout.skipped.delete(node);
      rollout.queue.push(node);
    }
    rollout.behavior = mostDisruptive([rollout.behavior, "repave"]);
    rollout.noOp = false;
    this.behavior = rollout.behavior;
    this.timeline.record({ event: "pool-catch-up", pool, profile: rollout.target, nodes: behind.length });
    this.schedulePump();
  }

  private planFor(from: string, to: string): Plan {
    const key = `${from}\u0000${to}`;
    let plan = this.planCache.get(key);
    if (!plan) {
      plan = this.input.plan(profileOf(this.input, from).profile, profileOf(this.input, to).profile);
      this.planCache.set(key, plan);
    }
    return plan;
  }

  /** `superseded`: the target of the rollout in progress that this one replaces, if any. */
  beginRollout(target: string, superseded: string | null): void {
    const from = this.agent.getSnapshot().context.record.applied;
    const decision = planRollout(
      {
        nodes: this.roster.nodes,
        skipWorkerUpdate: (pool) => this.pools.get(pool)?.skipWorkerUpdate === true,
        plan: (a, b) => this.planFor(a, b),
        kubernetesVersion: (profile) => kubernetesVersionOf(profileOf(this.input, profile).profile),
      },
      target,
    );
    switch (decision.kind) {
      case "refused":
        // Palette blocks the upgrade: the cluster stays as it is, the agent drops the update.
        this.state = IDLE;
        this.timeline.record({
          event: "update-refused",
          profile: target,
          rule: VERSION_SKEW_RULE,
          ...decision.refusal,
        });
        this.rolloutEnd = this.deps.clock.now;
        // A refused retarget leaves the superseded rollout's nodes mid-way: the agent goes back to that
        // profile, the latest it accepted, and a rollout planned from where the nodes are finishes it.
        if (superseded !== null) this.agent.send({ type: "UPDATE", profile: superseded });
        this.agent.send({ type: "ROLLOUT_REFUSED" });
        return;
      case "rejected":
        this.state = { phase: "halted" };
        this.timeline.record({ event: "update-rejected", profile: target, reasons: decision.reasons });
        this.rolloutEnd = this.deps.clock.now;
        this.agent.send({ type: "ROLLOUT_FAILED", reason: "unsupported update" });
        return;
      case "started":
        break;
      default:
        assertNever(decision);
    }
    const { behavior, services } = decision;
    this.behavior = behavior;
    const twoNodeUpgrade =
      this.input.twoNode !== undefined &&
      behavior !== "no-op" &&
      behavior !== "config-reload" &&
      decision.queue.some((node) => node.role === "control-plane");
    // Two-Node Architecture § Upgrade Behavior: one of the two nodes, picked at random (the seed), goes first.
    const queue = twoNodeUpgrade ? twoNodeOrder(decision.queue, this.deps.rng) : decision.queue;
    const rollout: Rollout<NodeHandle> = {
      target,
      behavior,
      noOp: behavior === "no-op",
      queue,
      cursor: 0,
      deferred: [],
      skipped: new Set(decision.skipped),
    };
    this.state = this.kubernetesUp() ? { phase: "running", rollout } : { phase: "paused", rollout };
    if (behavior === "no-op") this.timeline.record({ event: "update-acknowledged", profile: target, from });
    else this.timeline.record({ event: "rollout-started", profile: target, from, behavior, services });
    for (const skipped of decision.skippedPools)
      this.timeline.record({ event: "pool-skipped", ...skipped, target });
    if (twoNodeUpgrade && this.input.twoNode && !this.probesPaused) {
      this.probesPaused = true;
      const first = queue.find((node) => node.role === "control-plane")?.name ?? this.input.twoNode.leader;
      this.timeline.record({
        event: "liveness-probes-paused",
        profile: target,
        first,
        leader: this.input.twoNode.leader,
      });
    }
    this.schedulePump();
  }

  schedulePump(): void {
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
    const rollout = currentRollout(this.state);
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
        this.timeline.record({
          event: "action-retried",
          node: node.name,
          action: decision.action,
          attempt: decision.attempt,
        });
        this.roster.sync(node, true);
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
    this.resumeProbes(target);
    for (const node of decision.starts) this.startNode(node, target);
    if (decision.finished) this.finishRollout(rollout);
  }

  /** Two-node: once both nodes are upgraded (on the target and Ready), both resume their liveness probes. */
  private resumeProbes(target: string): void {
    if (!this.probesPaused) return;
    const controlPlanes = this.roster.nodes.filter((node) => node.role === "control-plane");
    if (!controlPlanes.every((node) => node.state === "Ready" && node.isOn(target))) return;
    this.probesPaused = false;
    this.timeline.record({ event: "liveness-probes-resumed", profile: target });
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
      this.roster.sync(node, true);
      node.actor.send({ type: "ADOPT", profile: target });
      return;
    }
    const action: NodeAction = repave ? "repave" : (plan.behavior as NodeAction);
    const job = nodeJob(
      this.deps.rng,
      this.timings,
      action,
      plan,
      profileOf(this.input, target),
      this.input.controlPlanes + this.input.workers,
    );
    this.roster.sync(node, true);
    node.actor.send({ type: "START", job });
  }

  private finishRollout(rollout: Rollout<NodeHandle>): void {
    this.rolloutEnd = this.deps.clock.now;
    if (!rollout.noOp)
      this.timeline.record({
        event: "rollout-finished",
        profile: rollout.target,
        behavior: rollout.behavior,
      });
    this.state = IDLE;
    this.agent.send({ type: "ROLLOUT_FINISHED" });
  }

  private halt(rollout: Rollout<NodeHandle>, node: NodeHandle, action: NodeAction, reason: string): void {
    this.state = { phase: "halted", failure: { node: node.name, action, reason } };
    this.rolloutEnd = this.deps.clock.now;
    this.timeline.record({
      event: "rollout-halted",
      node: node.name,
      profile: rollout.target,
      action,
      reason,
      attempts: 1 + this.retries,
    });
    this.agent.send({ type: "ROLLOUT_FAILED", reason: `${node.name}: ${reason}` });
  }
}
