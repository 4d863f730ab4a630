import { type DeliveryMode, DISTRIBUTIONS, type Distribution } from "../shared/types.js";
import { type DocPage, PAGES } from "./reference.js";

/**
 * A rule of the rollout rather than of a profile change: how Palette drains, orders, waits and recovers
 * while it applies an update, as the simulation plays it. Each one names the page and section it comes
 * from and the code that plays it; `edgesim rules` lists them after the table of change rules, and
 * docs/palette-sources.md records what was read in each page.
 */
export interface RolloutRule {
  id: string;
  /** What edgesim does, in one sentence. */
  statement: string;
  page: DocPage;
  section: string;
  /** The section's anchor on the page, when it has its own heading. */
  anchor?: string;
  /** Where the simulation plays it. */
  code: string;
  /** The distributions it applies to (every one, unless the rule's page limits it). */
  distributions: readonly Distribution[];
  /** The delivery modes it applies to; absent: every mode. */
  modes?: readonly DeliveryMode[];
}

/** Two-Node Architecture § Limitations: "Two-node clusters only support K3s and Palette Optimized Canonical Kubernetes". */
export const TWO_NODE_DISTRIBUTIONS: readonly Distribution[] = ["k3s", "canonical"];

/**
 * A two-node cluster's delivery mode: appliance only (§ Limitations: no agent mode; systemd extensions
 * § Two-Node Cluster Considerations: no systemd extensions).
 */
const TWO_NODE_MODES: readonly DeliveryMode[] = ["appliance"];

export const ROLLOUT_RULES: readonly RolloutRule[] = [
  {
    id: "drain.drain-pods",
    statement:
      "pack.drainPods in the OS layer: auto (the default) drains a multi-node cluster's nodes and not a single-node cluster's (node-drain-skipped), true drains every node, false none",
    page: PAGES.skipDraining,
    section: "Skip Node Draining During Upgrades (drainPods)",
    anchor: "skip-node-draining-during-upgrades",
    code: "src/profile/drain.ts",
    distributions: DISTRIBUTIONS,
  },
  {
    id: "drain.pod-selector",
    statement:
      "pack.podSelector: only matching pods are drained, and pods labelled upgrade.cattle.io/plan=control-plan|worker-plan, app=spectro, spectro-proxy or palette-webhook never are; read and reported when a drain begins (edgesim has no pods: the drain takes its timings)",
    page: PAGES.skipDraining,
    section: "Skip Node Draining During Upgrades (podSelector)",
    anchor: "skip-node-draining-during-upgrades",
    code: "src/profile/drain.ts",
    distributions: DISTRIBUTIONS,
  },
  {
    id: "drain.disable-eviction",
    statement:
      "pack.disableEviction: true: pods are deleted rather than evicted, so a PodDisruptionBudget cannot hang the drain; read and reported when a drain begins (edgesim models no PodDisruptionBudget)",
    page: PAGES.skipDraining,
    section: "Skip Node Draining During Upgrades (warning)",
    anchor: "skip-node-draining-during-upgrades",
    code: "src/profile/drain.ts",
    distributions: DISTRIBUTIONS,
  },
  {
    id: "two-node.upgrade-order",
    statement:
      "a two-node cluster pauses its liveness probes, upgrades one control plane picked at random (by the seed) first, then the other",
    page: PAGES.twoNode,
    section: "Upgrade Behavior",
    anchor: "upgrade-behavior",
    code: "src/controller/two-node.ts",
    distributions: TWO_NODE_DISTRIBUTIONS,
    modes: TWO_NODE_MODES,
  },
  {
    id: "two-node.write-outage",
    statement:
      "while a two-node cluster's leader is down, writes are unavailable and reads served (write-outage in the timeline, writeOutageMs in run --json, a fleet site's why and the fleet report page)",
    page: PAGES.twoNode,
    section: "Upgrade Behavior",
    anchor: "upgrade-behavior",
    code: "src/controller/two-node.ts",
    distributions: TWO_NODE_DISTRIBUTIONS,
    modes: TWO_NODE_MODES,
  },
  {
    id: "ab-fallback.operator",
    statement:
      "a host that fell back to its passive partition after an OS image upgrade does not rejoin on its own: the rollout waits for an operator (abFallback: operator, the default; a recover event)",
    page: PAGES.knownIssues,
    section: "Active Known Issues (Edge, August 28, 2025)",
    anchor: "active-known-issues",
    code: "src/machines/node.ts",
    distributions: DISTRIBUTIONS,
  },
  {
    id: "agent.previous-upgrade-completes",
    statement:
      "no Kubernetes upgrade starts until the previous one has completed, also one a Kubernetes outage paused: the update waits",
    page: PAGES.releaseNotes,
    section: "Release 4.9.14 (Edge, Bug Fixes)",
    code: "src/machines/agent.ts",
    distributions: DISTRIBUTIONS,
  },
];

/** The rollout rules for a distribution and a delivery mode (either absent: all), as `rulesFor` filters the table. */
export function rolloutRulesFor(distribution?: Distribution, mode?: DeliveryMode): RolloutRule[] {
  return ROLLOUT_RULES.filter(
    (rule) =>
      (distribution === undefined || rule.distributions.includes(distribution)) &&
      (mode === undefined || rule.modes === undefined || rule.modes.includes(mode)),
  );
}

/** A rollout rule by its id; an id no rule has is a bug of edgesim, not of its input. */
export function rolloutRule(id: string): RolloutRule {
  const rule = ROLLOUT_RULES.find((r) => r.id === id);
  if (!rule) throw new Error(`no rollout rule ${id}`);
  return rule;
}

/** Where a rollout rule comes from, as text: `Two-Node Architecture § Upgrade Behavior`. */
export function rolloutRuleSource(rule: RolloutRule): string {
  return `${rule.page.title} § ${rule.section}`;
}

/** The address of a rollout rule's section (the page's, when the section has no heading of its own). */
export function rolloutRuleUrl(rule: RolloutRule): string {
  return rule.anchor === undefined ? rule.page.url : `${rule.page.url}#${rule.anchor}`;
}
