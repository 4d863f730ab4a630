import { RULES, type Rule } from "../rules/table.js";
import { InputError } from "../shared/diagnostics.js";
import { BEHAVIORS, type Behavior } from "../shared/types.js";
import type { ModelVariation, VariationKind } from "../shared/variation.js";
import { fallbackWords, removedEquivalence } from "./fallback.js";

/** What a mutant changes: the rule table, the sequencing of one cluster's rollout, or the fleet's. */
export const MUTANT_GROUPS = ["rules", "sequencing", "fleet"] as const;
export type MutantGroup = (typeof MUTANT_GROUPS)[number];

/** One deliberate change to the model, which a suite that guards the rules should notice. */
export interface Mutant {
  /** Stable id: `rule:<rule id>:up|down|removed`, else the variation's kind. */
  id: string;
  group: MutantGroup;
  /** One line: what the mutant does. */
  description: string;
  /** The kind of scenario that would notice it, for a survivor. */
  suggestion: string;
  /**
   * Set when no run can tell the mutant from the model (an *equivalent* mutant): why. Such a survivor
   * is said so, and left out of the score.
   */
  equivalent?: string;
  variation: ModelVariation;
  /**
   * The decision points it changes (see `tracePoints`): a file whose run as is reached none of them runs
   * the same under the mutant.
   */
  points: string[];
}

type Fixed = Exclude<VariationKind, "rule">;

const FIXED: readonly { kind: Fixed; group: MutantGroup; description: string; suggestion: string }[] = [
  {
    kind: "rke2-quirk-off",
    group: "rules",
    description: "the RKE2 known issue is off: an RKE2 stages.* change follows the documented rows",
    suggestion: "no scenario changes stages.* on an RKE2 cluster and expects a repave",
  },
  {
    kind: "uri-macros-off",
    group: "rules",
    description: "the provider image uri's macros are not rendered: only a change of its raw text repaves",
    suggestion: "no scenario changes a value the uri names through a macro and expects a repave",
  },
  {
    kind: "pack-switch-allowed",
    group: "rules",
    description: "a CNI or storage pack switch is planned (as an unclassified change) instead of refused",
    suggestion: "no scenario switches the CNI or storage pack and expects the update refused",
  },
  {
    kind: "two-node-refusal-off",
    group: "rules",
    description: "a two-node cluster takes any distribution: an update to RKE2 or PXK-E is not refused",
    suggestion:
      "no scenario sends a two-node cluster a profile on RKE2 or PXK-E and expects the update refused",
  },
  {
    kind: "skip-worker-refusal-off",
    group: "rules",
    description:
      '"skip worker node update" works on K3s and RKE2 too: an update with a pool that skips is not refused',
    suggestion:
      'no scenario updates a K3s or RKE2 cluster whose pool has "skip worker node update" on and expects the update refused',
  },
  {
    kind: "workers-first",
    group: "sequencing",
    description: "workers are updated before control planes",
    suggestion: "no scenario with control planes and workers checks the order nodes are updated in",
  },
  {
    kind: "control-planes-together",
    group: "sequencing",
    description: "control planes are updated all at once, not one at a time",
    suggestion: "no scenario with several control planes checks that they are updated one at a time",
  },
  {
    kind: "max-unavailable-ignored",
    group: "sequencing",
    description: "maxUnavailable is ignored: every worker is updated at once",
    suggestion:
      "no scenario with more workers than maxUnavailable checks the order or the duration of the rollout",
  },
  {
    kind: "kubernetes-down-ignored",
    group: "sequencing",
    description: "nothing is blocked while Kubernetes is down",
    suggestion: "no scenario takes Kubernetes down during a rollout",
  },
  {
    kind: "earliest-wins",
    group: "sequencing",
    description: "of two updates waiting, the earliest is applied instead of the latest",
    suggestion: "no scenario publishes two updates while one waits and checks which one the cluster ends on",
  },
  {
    kind: "retarget-after-outage",
    group: "sequencing",
    description:
      "a rollout an outage paused is retargeted to the update pending when Kubernetes is back, instead of completing first",
    suggestion:
      "no scenario publishes an update while a rollout is paused by an outage and checks the rollout completes first",
  },
  {
    kind: "retries-ignored",
    group: "sequencing",
    description: "a failed action is never retried: the rollout halts at the first failure",
    suggestion: "no scenario fails a node once and expects the retry to recover it",
  },
  {
    kind: "health-gate-skipped",
    group: "sequencing",
    description: "the health gate is skipped: workers start while a control plane is not Ready again",
    suggestion: "no scenario with control planes and workers checks that workers wait for the control planes",
  },
  {
    kind: "drain-skipped",
    group: "sequencing",
    description: "no node is drained before its action",
    suggestion: "no scenario checks that a node is drained (a golden timeline, or the rollout's duration)",
  },
  {
    kind: "failure-budget-ignored",
    group: "fleet",
    description: "a fleet wave never halts on failures (the failure budget is ignored)",
    suggestion: "no fleet file or plan fails more sites than its failure budget and expects the wave to halt",
  },
  {
    kind: "windows-ignored",
    group: "fleet",
    description: "fleet sites start outside their maintenance windows",
    suggestion: "no fleet plan checks when its sites start against their maintenance windows",
  },
  {
    kind: "concurrency-ignored",
    group: "fleet",
    description: "every site of a fleet wave is updated at once (concurrency is ignored)",
    suggestion: "no fleet file or plan checks how many sites roll at once, or how long the fleet takes",
  },
];

/** The rule-row mutants: behavior one step more and one step less disruptive, and the row removed. */
function ruleMutants(rule: Rule): Mutant[] {
  if (rule.behavior === "unsupported") return [];
  const index = BEHAVIORS.indexOf(rule.behavior);
  const mutants: Mutant[] = [];
  const moved = (to: Behavior | undefined, step: "up" | "down") => {
    if (to === undefined) return;
    mutants.push({
      id: `rule:${rule.id}:${step}`,
      group: "rules",
      description: `rule ${rule.id}: ${rule.behavior} becomes ${to}`,
      suggestion: `no scenario makes a change rule ${rule.id} decides and checks it is a ${rule.behavior}`,
      variation: { kind: "rule", rule: rule.id, behavior: to },
      points: [`rule:${rule.id}`],
    });
  };
  // BEHAVIORS is most disruptive first: one step up the severity order is one index down.
  moved(BEHAVIORS[index - 1], "up");
  moved(BEHAVIORS[index + 1], "down");
  const equivalent = removedEquivalence(rule);
  mutants.push({
    id: `rule:${rule.id}:removed`,
    group: "rules",
    description: `rule ${rule.id} removed: its changes fall to ${fallbackWords(rule)}`,
    suggestion: `no scenario makes a change rule ${rule.id} decides and checks it is a ${rule.behavior}`,
    ...(equivalent !== undefined ? { equivalent } : {}),
    variation: { kind: "rule", rule: rule.id, behavior: "removed" },
    points: [`rule:${rule.id}`],
  });
  return mutants;
}

/** Where a mutant other than a rule row's changes a decision: the rows it drops, else its own check. */
function pointsOf(kind: Fixed): string[] {
  const rules = RULES as readonly Rule[];
  if (kind === "rke2-quirk-off") return rules.filter((r) => r.quirk === "rke2").map((r) => `rule:${r.id}`);
  if (kind === "pack-switch-allowed")
    return rules.filter((r) => r.path === "@pack" && r.behavior === "unsupported").map((r) => `rule:${r.id}`);
  return [kind];
}

/** Every mutant, in a stable order: the rule rows in table order, then the others by group. */
export function allMutants(): Mutant[] {
  const fixed = (group: MutantGroup) =>
    FIXED.filter((f) => f.group === group).map(
      (f): Mutant => ({
        id: f.kind,
        group: f.group,
        description: f.description,
        suggestion: f.suggestion,
        variation: { kind: f.kind },
        points: pointsOf(f.kind),
      }),
    );
  return [
    ...(RULES as readonly Rule[]).flatMap(ruleMutants),
    ...fixed("rules"),
    ...fixed("sequencing"),
    ...fixed("fleet"),
  ];
}

/**
 * The mutants `--mutate` names: all of them when no list is given, else each comma-separated id (a
 * trailing `*` takes every id starting with what precedes it, `rule:os.stages.boot:*`; a group's name
 * takes the group). An unknown id is bad input naming the option.
 */
export function selectMutants(spec: string | true): Mutant[] {
  const all = allMutants();
  if (spec === true) return all;
  const chosen = new Set<Mutant>();
  const unknown: string[] = [];
  for (const raw of spec.split(",")) {
    const id = raw.trim();
    if (id === "") continue;
    const found = id.endsWith("*")
      ? all.filter((m) => m.id.startsWith(id.slice(0, -1)))
      : (MUTANT_GROUPS as readonly string[]).includes(id)
        ? all.filter((m) => m.group === id)
        : all.filter((m) => m.id === id);
    if (found.length === 0) unknown.push(id);
    for (const m of found) chosen.add(m);
  }
  if (unknown.length > 0)
    throw new InputError([
      {
        file: "--mutate",
        message: `no mutant ${unknown.map((u) => JSON.stringify(u)).join(", ")} (edgesim test DIR --mutate list shows them)`,
      },
    ]);
  if (chosen.size === 0) throw new InputError([{ file: "--mutate", message: "names no mutant" }]);
  return all.filter((m) => chosen.has(m));
}
