import type { Plan } from "../rules/types.js";
import type { Distribution } from "../shared/types.js";
import type { Edit } from "./changes.js";
import type { Topic } from "./topics.js";

export { TOPICS, type Topic } from "./topics.js";

export interface Choice {
  /** What the answer is recorded as: a behavior, a node name, a category. */
  id: string;
  label: string;
}

/** One quiz question; its answer comes from the real planner or the real simulation, never a table. */
export interface Question {
  /** The change template or sequencing story it was drawn from, e.g. `os.boot-step-chrony`. */
  id: string;
  topic: Topic;
  distribution: Distribution;
  /** The base profile's name. */
  base: string;
  /** The situation, one line each. */
  situation: string[];
  /** The change the question is about, when there is one. */
  change?: Edit;
  ask: string;
  choices: readonly Choice[];
  /** The id of the right choice. */
  answer: string;
  /** Why, from the plan's rule or the simulated timeline. */
  explanation: string;
  /** The plan of the change (base → changed profile). */
  plan?: Plan;
}

/** The choices of "what does the agent do": the behaviors, most disruptive first, then a refusal. */
export const BEHAVIOR_CHOICES: readonly Choice[] = [
  { id: "repave", label: "repave (re-image every node)" },
  { id: "reboot", label: "reboot every node" },
  { id: "service-restart", label: "restart services" },
  { id: "config-reload", label: "reload configuration" },
  { id: "no-op", label: "no-op (acknowledge only)" },
  { id: "unsupported", label: "refused: unsupported update" },
];

const DISTRIBUTION_NAMES: Record<Distribution, string> = {
  k3s: "K3s",
  rke2: "RKE2",
  "pxk-e": "PXK-E",
  canonical: "Canonical",
};

/** "A K3s cluster on k3s-base", "An RKE2 cluster on rke2-base". */
export function clusterPhrase(distribution: Distribution, base: string): string {
  const name = DISTRIBUTION_NAMES[distribution];
  return `${/^[AEFHILMNORSX]/.test(name) ? "An" : "A"} ${name} cluster on ${base}`;
}
