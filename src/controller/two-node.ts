import { TWO_NODE_DISTRIBUTIONS } from "../rules/rollout-rules.js";
import type { RuleId } from "../rules/table.js";
import type { Rng } from "../shared/rng.js";
import type { DeliveryMode, Distribution, NodeAction, Service } from "../shared/types.js";
import { varied } from "../shared/variation.js";
import { controlPlaneName } from "./types.js";

/**
 * Two-node HA (Two-Node Architecture, clusters/edge/architecture/two-node.md): two control planes on Kine
 * and Postgres instead of etcd, one the leader (it takes the writes), one the follower. These are the pure
 * decisions; the controller records what they say.
 */
export interface TwoNode {
  /** The leader: cp-1 unless the scenario names cp-2 (the page does not say which node leads). */
  leader: string;
}

/** The default leader: the first control plane (edgesim's choice; `cluster.twoNode: { leader: cp-2 }` overrides). */
export const DEFAULT_TWO_NODE_LEADER = controlPlaneName(1);

/** The nodes that may lead: the cluster's two control planes. */
export const TWO_NODE_LEADERS: readonly [string, string] = [controlPlaneName(1), controlPlaneName(2)];

/** Two-Node Architecture § Limitations: exactly two nodes in the control plane pool. */
export const TWO_NODE_CONTROL_PLANES = 2;

/** The rules a refusal for a two-node cluster names (rows of `src/rules/table.ts`). */
export const TWO_NODE_DISTRIBUTION_RULE: RuleId = "two-node.distribution";
export const TWO_NODE_AGENT_MODE_RULE: RuleId = "two-node.agent-mode";
export const TWO_NODE_SYSEXT_RULE: RuleId = "two-node.sysext";

/** Two-Node Architecture § Limitations: "only support K3s and Palette Optimized Canonical Kubernetes". */
export function twoNodeSupported(distribution: Distribution): boolean {
  return TWO_NODE_DISTRIBUTIONS.includes(distribution);
}

/** Why a two-node cluster cannot run this distribution or delivery mode, with the rule; undefined when it can. */
export function twoNodeRefusal(
  distribution: Distribution,
  mode: DeliveryMode | undefined,
): { rule: RuleId; reason: string } | undefined {
  if (!twoNodeSupported(distribution) && !varied("two-node-refusal-off"))
    return {
      rule: TWO_NODE_DISTRIBUTION_RULE,
      reason: `two-node clusters support K3s and Canonical only, not ${distribution} (Two-Node Architecture § Limitations)`,
    };
  if (mode === "agent")
    return {
      rule: TWO_NODE_AGENT_MODE_RULE,
      reason:
        "two-node clusters do not support agent mode: two-node HA relies on Kairos, used in appliance mode only (Two-Node Architecture § Limitations)",
    };
  if (mode === "sysext")
    return {
      rule: TWO_NODE_SYSEXT_RULE,
      reason:
        "two-node clusters do not support systemd extensions: Kubernetes comes in the provider image (systemd extensions § Two-Node Cluster Considerations)",
    };
  return undefined;
}

/**
 * Why a two-node cluster cannot take an update, by its plan: the distribution, or the delivery mode the plan
 * was made for. An explicit `sysext` or `agent` is refused when the cluster is loaded (`twoNodeProblems`);
 * a mode the planner read from options.system.uri "NA" is refused here with the same rule, the reading said
 * as an assumption: a two-node cluster keeps getting Kubernetes in a provider image built for every upgrade
 * (systemd extensions § Two-Node Cluster Considerations), which "NA" names none of, and agent mode, the
 * other reading of "NA", is not supported either (Two-Node Architecture § Limitations). `plan --two-node`,
 * `run` and every fleet site read it alike.
 */
export function twoNodePlanRefusal(plan: {
  distribution: Distribution;
  mode?: DeliveryMode | undefined;
  modeAssumption?: string | undefined;
}): { rule: RuleId; reason: string } | undefined {
  const refusal = twoNodeRefusal(plan.distribution, plan.mode);
  if (!refusal || refusal.rule !== TWO_NODE_SYSEXT_RULE || plan.modeAssumption === undefined) return refusal;
  return {
    rule: refusal.rule,
    reason: `${refusal.reason}; assumed: ${plan.modeAssumption}, and agent mode, the other reading of "NA", is not supported on two-node clusters either (Two-Node Architecture § Limitations)`,
  };
}

/**
 * What is wrong with a cluster declared two-node, each with the key of the cluster it is about: exactly two
 * control planes (Two-Node Architecture § Limitations), no agent mode, no systemd extensions (§ Limitations;
 * systemd extensions § Two-Node Cluster Considerations), a K3s or Canonical initial profile. One check for a
 * scenario's cluster and a fleet file's clusters.
 */
export function twoNodeProblems(cluster: {
  controlPlanes: number;
  mode?: DeliveryMode | undefined;
  /** The initial profile's, when it loaded. */
  distribution?: { name: string; distribution: Distribution } | undefined;
}): { key: "controlPlanes" | "mode" | "twoNode"; message: string }[] {
  const problems: { key: "controlPlanes" | "mode" | "twoNode"; message: string }[] = [];
  if (cluster.controlPlanes !== TWO_NODE_CONTROL_PLANES)
    problems.push({
      key: "controlPlanes",
      message: `a two-node cluster has exactly ${TWO_NODE_CONTROL_PLANES} control planes (Two-Node Architecture § Limitations), not ${cluster.controlPlanes}`,
    });
  const refusal = cluster.mode === undefined ? undefined : twoNodeRefusal("k3s", cluster.mode);
  if (refusal) problems.push({ key: "mode", message: `${refusal.reason} (rule ${refusal.rule})` });
  const initial = cluster.distribution;
  const distribution = initial ? twoNodeRefusal(initial.distribution, undefined) : undefined;
  if (initial && distribution)
    problems.push({
      key: "twoNode",
      message: `${distribution.reason}: the initial profile ${initial.name} is ${initial.distribution} (rule ${distribution.rule})`,
    });
  return problems;
}

/**
 * Two-Node Architecture § Upgrade Behavior: "one of the nodes is selected at random to undergo the upgrade
 * first". The queue with its two control planes in the order the seeded draw picks (one draw, only when
 * both are queued); the rest unchanged.
 */
export function twoNodeOrder<N extends { role: string }>(queue: readonly N[], rng: Rng): N[] {
  const controlPlanes = queue.filter((node) => node.role === "control-plane");
  if (controlPlanes.length !== TWO_NODE_CONTROL_PLANES) return [...queue];
  const [a, b] = controlPlanes as [N, N];
  const first = rng.next() < 0.5 ? a : b;
  const second = first === a ? b : a;
  return [first, second, ...queue.filter((node) => node.role !== "control-plane")];
}

/**
 * Whether the leader's action takes the writes down. A repave or a reboot takes the node down; so does a
 * restart of the Kubernetes services (Kine among them). A networking or storage restart and a configuration
 * reload leave the database serving: edgesim's reading (the page speaks of "the leader node goes down").
 */
export function takesWritesDown(action: NodeAction, services: readonly Service[] | undefined): boolean {
  switch (action) {
    case "repave":
    case "reboot":
      return true;
    case "service-restart":
      return services?.includes("kubernetes") ?? true;
    case "config-reload":
      return false;
  }
}

/** A span of the timeline during which writes were unavailable. */
export interface WriteOutage {
  node: string;
  startMs: number;
  /** Undefined when the run ended with the leader still down. */
  endMs?: number;
}

/** The write outages of a timeline, from its `write-outage-started` and `write-outage-ended` entries. */
export function writeOutages(
  timeline: readonly { t: number; event: string; node?: string }[],
): WriteOutage[] {
  const spans: WriteOutage[] = [];
  let open: WriteOutage | undefined;
  for (const entry of timeline) {
    if (entry.event === "write-outage-started" && !open) {
      open = { node: entry.node ?? "", startMs: entry.t };
      spans.push(open);
    } else if (entry.event === "write-outage-ended" && open) {
      open.endMs = entry.t;
      open = undefined;
    }
  }
  return spans;
}

/** The total ms of write outage; a span still open at the end counts until `endMs` (the run's last entry). */
export function writeOutageTotal(spans: readonly WriteOutage[], endMs: number): number {
  return spans.reduce((sum, span) => sum + Math.max(0, (span.endMs ?? endMs) - span.startMs), 0);
}
