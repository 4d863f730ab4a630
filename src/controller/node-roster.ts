import type { MachineDriver } from "../machines/driver.js";
import type { NodeContext, NodeMachine, NodeStateName } from "../machines/node.js";
import type { NodeRole } from "../shared/types.js";
import type { RolloutNode } from "./plan-rollout.js";
import type { NodeReport } from "./types.js";

/** One node: its actor, and what the subscription last saw of it (to count nodes that are not Ready). */
export class NodeHandle implements RolloutNode {
  state: NodeStateName = "Ready";
  constructor(
    /** Its place in the cluster (control planes first): the order nodes are told things in. */
    readonly index: number,
    readonly name: string,
    readonly role: NodeRole,
    readonly pool: string | undefined,
    readonly actor: MachineDriver<NodeMachine>,
    private readonly catchUp: ReadonlySet<NodeHandle>,
  ) {}

  get context(): NodeContext {
    return this.actor.getSnapshot().context;
  }

  get profile(): string {
    return this.context.profile;
  }

  /** The profile the node ends on if its current job (if any) succeeds. */
  get heading(): string {
    const context = this.context;
    return context.job?.targetProfile ?? context.profile;
  }

  get catchingUp(): boolean {
    return this.catchUp.has(this);
  }

  /** Done with `target`: on it, and not in an action (of a superseded rollout) taking it elsewhere. */
  isOn(target: string): boolean {
    const context = this.context;
    return context.profile === target && (context.job?.targetProfile ?? context.profile) === target;
  }

  report(): NodeReport {
    const context = this.context;
    return {
      name: this.name,
      role: this.role,
      ...(this.pool !== undefined ? { pool: this.pool } : {}),
      state: this.state,
      profile: context.profile,
      osImage: context.osImage,
      ...(context.abPartitions ? { activeImage: context.osImage, passiveImage: context.passiveImage } : {}),
      actions: { ...context.started },
    };
  }
}

/**
 * The cluster's nodes, and what the controller counts of them as their states change: how many are not
 * Ready (workers apart, for `maxUnavailable`), which are Failed, which fell back to their old image (A/B
 * partitions) and wait for a retry or a halt, and which catch up after their pool's skip toggle went off.
 * Kept as counters and sets because the pump reads them once per node event.
 */
export class NodeRoster {
  readonly nodes: NodeHandle[] = [];
  readonly catchUp = new Set<NodeHandle>();
  readonly failed = new Set<NodeHandle>();
  readonly fellBack = new Set<NodeHandle>();
  busy = 0;
  busyWorkers = 0;
  /** Nodes not Ready: the only ones a Kubernetes outage concerns while it lasts. */
  private readonly notReady = new Set<NodeHandle>();
  private readonly byName = new Map<string, NodeHandle>();

  add(name: string, role: NodeRole, pool: string | undefined, actor: MachineDriver<NodeMachine>): NodeHandle {
    const handle = new NodeHandle(this.nodes.length, name, role, pool, actor, this.catchUp);
    this.nodes.push(handle);
    this.byName.set(name, handle);
    return handle;
  }

  get(name: string): NodeHandle | undefined {
    return this.byName.get(name);
  }

  /** Records `node`'s new state; false when it did not change. */
  observe(node: NodeHandle, to: NodeStateName, context: NodeContext): boolean {
    const from = node.state;
    node.state = to;
    if (from === to) return false;
    const countsAs = node.role === "worker" ? 1 : 0;
    if (from === "Ready") {
      this.busy++;
      this.busyWorkers += countsAs;
      this.notReady.add(node);
    } else if (to === "Ready") {
      this.busy--;
      this.busyWorkers -= countsAs;
      this.notReady.delete(node);
    }
    if (to === "Failed") this.failed.add(node);
    else if (from === "Failed") this.failed.delete(node);
    if (to === "Ready" && context.fallback) this.fellBack.add(node);
    else if (from === "Ready") this.fellBack.delete(node);
    return true;
  }

  /**
   * Tells the nodes that Kubernetes went down or came back. Only a node in an action's steps reads it
   * (a drained node waits for Kubernetes), so only the nodes not Ready hear it now, in cluster order; a
   * Ready node hears it from `sync` before it is given anything to do. A flap costs the nodes in flight,
   * not the cluster's size.
   */
  kubernetes(up: boolean): void {
    const told = [...this.notReady].sort((a, b) => a.index - b.index);
    for (const node of told) node.actor.send({ type: up ? "KUBERNETES_UP" : "KUBERNETES_DOWN" });
  }

  /** Brings a Ready node's view of Kubernetes up to date before it is sent an action. */
  sync(node: NodeHandle, up: boolean): void {
    if (node.context.kubernetesUp !== up) node.actor.send({ type: up ? "KUBERNETES_UP" : "KUBERNETES_DOWN" });
  }

  /** Nodes back Ready after a fallback drop their job: the rollout that takes them now is a new one. */
  abandonFallbacks(): void {
    for (const node of this.fellBack) node.actor.send({ type: "ABANDON" });
    this.fellBack.clear();
  }
}
