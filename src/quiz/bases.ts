import { parseProfile } from "../profile/parse.js";
import type { Profile } from "../profile/types.js";
import { planUpdate } from "../rules/plan.js";
import { ruleById } from "../rules/table.js";
import type { Plan } from "../rules/types.js";
import { isInputError } from "../shared/diagnostics.js";
import type { ChangeTemplate, Edit } from "./changes.js";
import { cloneDraft, type Draft, draftOf, draftText } from "./draft.js";

/** A base profile's file name and text, as the CLI read it. */
export interface BaseText {
  file: string;
  text: string;
}

/** A base profile, loaded on first use: a quiz that needs one base never parses the others. */
export interface LoadedBase {
  file: string;
  /** The base as the planner sees it, read back from its draft so both sides of a plan load alike. */
  profile: Profile;
  draft: Draft;
}

export function lazyBase(source: BaseText): () => LoadedBase {
  let loaded: LoadedBase | undefined;
  return () => {
    if (!loaded) {
      // A broken base is the user's input error (named by file and line:col), reported as such.
      const original = parseProfile(source.text, source.file);
      const draft = draftOf(original);
      loaded = { file: source.file, profile: parseProfile(draftText(draft), source.file), draft };
    }
    return loaded;
  };
}

/** A base with changes applied, and the real plan of the update. */
export interface ChangedProfile {
  edits: Edit[];
  to: Profile;
  plan: Plan;
}

/**
 * Applies the templates, in order, to a copy of the base, loads the result with the real loader and
 * plans base → result. Undefined when a template does not apply, the result does not load, or the
 * plan has nothing a quiz can ask about (no change, or an answer the reference does not cover).
 */
export function applyChanges(
  base: LoadedBase,
  templates: readonly ChangeTemplate[],
  name: string,
): ChangedProfile | undefined {
  const draft = cloneDraft(base.draft);
  draft.name = name;
  const edits: Edit[] = [];
  for (const template of templates) {
    const edit = template.apply(draft, { profile: base.profile, distribution: base.profile.distribution });
    if (!edit) return undefined;
    edits.push(edit);
  }
  let to: Profile;
  try {
    to = parseProfile(draftText(draft), base.file);
  } catch (error) {
    if (isInputError(error)) return undefined; // e.g. a macro that now names nothing: no question
    throw error;
  }
  const plan = planUpdate(base.profile, to);
  return askable(plan) ? { edits, to, plan } : undefined;
}

/** The right answer to "what does the agent do", from a plan. */
export function planAnswer(plan: Plan): string {
  return plan.unsupported.length > 0 ? "unsupported" : plan.behavior;
}

/**
 * A plan worth a question: something changed, and what decides the answer is a rule the reference
 * covers (not edgesim's conservative guess for a change the reference says nothing about).
 */
function askable(plan: Plan): boolean {
  if (plan.unsupported.length > 0) return true;
  if (plan.changes.length === 0) return false;
  return plan.changes
    .filter((change) => change.behavior === plan.behavior)
    .every((change) => !change.unclassified && ruleById(change.rule)?.covered === true);
}

/** Why the plan's answer is what it is: the deciding rule and its reason. */
export function planExplanation(plan: Plan): string {
  if (plan.unsupported.length > 0) {
    return plan.unsupported.map((u) => `rule ${u.rule}: ${u.reason}`).join("; ");
  }
  const deciding = plan.changes.filter((change) => change.behavior === plan.behavior);
  const rules = [...new Map(deciding.map((change) => [change.rule, change])).values()];
  const others = plan.changes.filter((change) => change.behavior !== plan.behavior);
  const main = rules.map((change) => `rule ${change.rule}: ${change.reason}`).join("; ");
  return others.length === 0
    ? main
    : `${main} (also ${others.map((c) => `${c.layer}:${c.path} → ${c.behavior}`).join(", ")}; the most disruptive wins)`;
}
