import type { Profile } from "../profile/types.js";
import { planJson } from "../report/plan-json.js";
import { type Diagnostic, InputError, isInputError } from "../shared/diagnostics.js";

/** A profile as the page sends it: the text and the name its messages use (a path under DIR, or "from"/"to"). */
export interface ProfileText {
  name: string;
  text: string;
}

/** The node counts `edgesim plan` defaults to, for the estimate and the node order. */
export const PLAN_DEFAULTS = { controlPlanes: 3, workers: 2, maxUnavailable: 1 } as const;

/**
 * The plan of FROM → TO as `edgesim plan FROM TO --json` prints it, byte for byte: the same parser,
 * planner and estimate with the command's defaults.
 */
export async function planText(from: ProfileText, to: ProfileText): Promise<string> {
  const [{ parseProfile }, { planUpdate }, { estimateRollout }] = await Promise.all([
    import("../profile/parse.js"),
    import("../rules/plan.js"),
    import("../sim/estimate.js"),
  ]);
  const problems: Diagnostic[] = [];
  const [a, b] = [from, to].map((p): Profile | undefined => {
    try {
      return parseProfile(p.text, p.name, { variables: {} });
    } catch (error) {
      if (!isInputError(error)) throw error;
      problems.push(...error.diagnostics);
      return undefined;
    }
  });
  if (problems.length > 0 || !a || !b) throw new InputError(problems);
  const plan = planUpdate(a, b, { rke2Quirk: true });
  const estimate = plan.unsupported.length === 0 ? estimateRollout(a, b, plan, PLAN_DEFAULTS) : undefined;
  return `${JSON.stringify({ ...planJson(plan), ...(estimate ? { estimate } : {}) }, null, 2)}\n`;
}
