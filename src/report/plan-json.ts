import type { Plan } from "../rules/types.js";

/**
 * The contract's JSON: distribution, behavior, changes, unsupported, warnings, plus from/to and services.
 * A refused update's behavior is "unsupported" (a script reading `.behavior` must not see a harmless one);
 * what the other changes alone would do stays in `changesBehavior`.
 */
export function planJson(plan: Plan): Record<string, unknown> {
  const refused = plan.unsupported.length > 0;
  return {
    from: plan.from,
    to: plan.to,
    distribution: plan.distribution,
    ...(plan.mode !== undefined ? { mode: plan.mode } : {}),
    behavior: refused ? "unsupported" : plan.behavior,
    ...(refused ? { changesBehavior: plan.behavior } : {}),
    services: plan.services,
    changes: plan.changes.map((change) => ({
      layer: change.layer,
      path: change.path,
      behavior: change.behavior,
      rule: change.rule,
      reason: change.reason,
      unclassified: change.unclassified,
      ...(change.assumption !== undefined ? { assumption: change.assumption } : {}),
      ...(change.innerPath !== undefined ? { innerPath: change.innerPath } : {}),
      ...(change.services ? { services: change.services } : {}),
      ...(change.from !== undefined ? { from: change.from } : {}),
      ...(change.to !== undefined ? { to: change.to } : {}),
      ...(change.fromText !== undefined ? { fromText: change.fromText } : {}),
      ...(change.toText !== undefined ? { toText: change.toText } : {}),
    })),
    unsupported: plan.unsupported,
    warnings: plan.warnings,
  };
}
