import { RULES, type Rule, type RuleLayer } from "../rules/table.js";
import {
  type Behavior,
  DELIVERY_MODES,
  type DeliveryMode,
  type Distribution,
  type Service,
} from "../shared/types.js";

/**
 * What decides a rule row's changes once the row is removed (the `rule:ID:removed` mutant), read off the
 * table the way the planner reads it (src/rules/match.ts, src/rules/plan.ts): for a value's path, the
 * next row that matches (higher priority first, then the longer path); for `@manifest`, the layer's `*`
 * row; for `@version:sysext` and `@version:agent-mode`, the layer's `@version` row; else nothing, and
 * the planner's conservative default, a reboot.
 */
export interface Fallback {
  /** The row that decides instead; undefined: the conservative default (reboot). */
  rule?: Rule;
  behavior: Behavior;
  services: readonly Service[];
}

/** One way the table is compiled: a distribution, a delivery mode, the RKE2 known issue on or off. */
interface Context {
  distribution: Distribution;
  mode: DeliveryMode;
  quirk: boolean;
}

const DEFAULT: Fallback = { behavior: "reboot", services: [] };

function applies(rule: Rule, layer: RuleLayer, context: Context): boolean {
  return (
    rule.layers.includes(layer) &&
    rule.distributions.includes(context.distribution) &&
    (rule.modes === undefined || rule.modes.includes(context.mode)) &&
    (rule.quirk === undefined || context.quirk)
  );
}

function segments(pattern: string): string[] {
  const trimmed = pattern === "*" ? "" : pattern.endsWith(".*") ? pattern.slice(0, -2) : pattern;
  return trimmed === "" ? [] : trimmed.split(".");
}

function prefixOf(prefix: readonly string[], path: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => s === path[i]);
}

/** The row the planner picks for a value's path among `rules` (match.ts `matchPath`). */
function bestForPath(rules: readonly Rule[], path: readonly string[]): Rule | undefined {
  let best: Rule | undefined;
  for (const rule of rules) {
    if (rule.path.startsWith("@") || !prefixOf(segments(rule.path), path)) continue;
    if (
      !best ||
      (rule.priority ?? 0) - (best.priority ?? 0) > 0 ||
      ((rule.priority ?? 0) === (best.priority ?? 0) &&
        segments(rule.path).length > segments(best.path).length)
    )
      best = rule;
  }
  return best;
}

/** The row the planner picks for a non-path change (plan.ts): the special row, then its fallbacks. */
function bestForSpecial(rules: readonly Rule[], kind: string): Rule | undefined {
  const special = (k: string) => rules.find((r) => r.path === k);
  const found = special(kind);
  if (found) return found;
  if (kind === "@version:sysext" || kind === "@version:agent-mode") return special("@version");
  if (kind === "@manifest") return bestForPath(rules, ["@manifest"]);
  return undefined;
}

function decision(rule: Rule | undefined): Fallback {
  if (!rule || rule.behavior === "unsupported") return DEFAULT;
  return { rule, behavior: rule.behavior, services: rule.services ?? [] };
}

/**
 * Where `rule`'s changes go without it, in every context where the row decides something: a value's
 * path it wins (its own, and each longer path another row names under it), per layer, distribution,
 * mode and RKE2 known issue on or off. Distinct fallbacks only.
 */
export function fallbacksOf(rule: Rule): Fallback[] {
  const all = RULES as readonly Rule[];
  const out = new Map<string, Fallback>();
  for (const layer of rule.layers)
    for (const distribution of rule.distributions)
      for (const mode of DELIVERY_MODES)
        for (const quirk of [true, false]) {
          const context = { distribution, mode, quirk };
          if (!applies(rule, layer, context)) continue;
          const rules = all.filter((r) => applies(r, layer, context));
          const without = rules.filter((r) => r !== rule);
          const probes = rule.path.startsWith("@")
            ? [undefined]
            : [
                segments(rule.path),
                ...rules
                  .filter((r) => !r.path.startsWith("@") && prefixOf(segments(rule.path), segments(r.path)))
                  .map((r) => segments(r.path)),
              ];
          for (const path of probes) {
            const pick = (set: readonly Rule[]) =>
              path === undefined ? bestForSpecial(set, rule.path) : bestForPath(set, path);
            if (pick(rules) !== rule) continue;
            const fallback = decision(pick(without));
            out.set(fallback.rule?.id ?? "", fallback);
          }
        }
  return [...out.values()];
}

/**
 * Why removing `rule` cannot change any run (every fallback decides what the row decides, with the same
 * services), or undefined when it can. Such a mutant is equivalent: no scenario can kill it; only
 * `edgesim plan` shows the difference (another rule named, or an unclassified change).
 */
export function removedEquivalence(rule: Rule): string | undefined {
  if (rule.behavior === "unsupported") return undefined;
  const fallbacks = fallbacksOf(rule);
  if (fallbacks.length === 0) return undefined;
  const services = (s: readonly Service[]) => [...s].sort().join(",");
  const same = fallbacks.every(
    (f) => f.behavior === rule.behavior && services(f.services) === services(rule.services ?? []),
  );
  if (!same) return undefined;
  const to = fallbacks.map((f) => (f.rule ? `rule ${f.rule.id}` : "the conservative default")).join(" or ");
  const what = `${rule.behavior}${rule.services?.length ? ` of ${rule.services.join(", ")}` : ""}`;
  return `without the row its changes fall to ${to}, which decides the same (${what}): no run changes; only edgesim plan shows it (${fallbacks.some((f) => !f.rule) ? "an unclassified change" : "another rule named"})`;
}

/** The fallback in words, for the removed mutant's description. */
export function fallbackWords(rule: Rule): string {
  const fallbacks = fallbacksOf(rule);
  const words = fallbacks.map((f) =>
    f.rule ? `rule ${f.rule.id} (${f.behavior})` : "the conservative default (reboot)",
  );
  if (words.length === 0) return "the conservative default (reboot)";
  if (words.length <= 2) return words.join(" or ");
  const behaviors = [...new Set(fallbacks.map((f) => f.behavior))].join(", ");
  return `the rows under it or the conservative default (${behaviors})`;
}
