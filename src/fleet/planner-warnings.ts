import type { Profile } from "../profile/types.js";
import type { PlanTable } from "../rules/plan-table.js";
import { plural } from "../shared/plural.js";
import type { DeliveryMode } from "../shared/types.js";
import type { LoadedFleetPlan } from "./load.js";

/**
 * A warning of the planner (the words `edgesim plan FROM TO` prints under Warnings) and the plans of the
 * fleet that gave it: each (from, to) pair once per delivery mode, never once per site, so a fleet of
 * 100,000 sites on one profile says it once.
 */
export interface PlannerWarning {
  text: string;
  plans: { from: string; to: string; mode: DeliveryMode | null; sites: number }[];
}

/**
 * The warnings of every plan the fleet's planner made (the fleet's table, then each site mode's), in the
 * order they were first planned; the same words from several plans are one warning naming them all.
 * A plan's `mode` is null when its sites gave none (the planner then reads the profile, as `plan` does).
 */
export function plannerWarnings(plan: LoadedFleetPlan, planner: PlanTable): PlannerWarning[] {
  const sites = sitesPerPlan(plan);
  const byText = new Map<string, PlannerWarning>();
  const tables: [DeliveryMode | null, PlanTable][] = [[null, planner], ...planner.modes()];
  for (const [mode, table] of tables)
    for (const [from, to, made] of table.pairs())
      for (const text of made.warnings) {
        let warning = byText.get(text);
        if (!warning) {
          warning = { text, plans: [] };
          byText.set(text, warning);
        }
        const count = sites.get(from)?.get(to)?.get(mode) ?? 0;
        warning.plans.push({ from: from.name, to: to.name, mode, sites: count });
      }
  return [...byText.values()];
}

/** How many sites roll each (from, to, mode), the profiles as the planner keys them. */
function sitesPerPlan(plan: LoadedFleetPlan): Map<Profile, Map<Profile, Map<DeliveryMode | null, number>>> {
  const counts = new Map<Profile, Map<Profile, Map<DeliveryMode | null, number>>>();
  for (const site of plan.sites) {
    const from = plan.profiles.get(site.profile)?.profile;
    const to = plan.profiles.get(site.update)?.profile;
    if (!from || !to) continue;
    const row = counts.get(from) ?? new Map<Profile, Map<DeliveryMode | null, number>>();
    counts.set(from, row);
    const cell = row.get(to) ?? new Map<DeliveryMode | null, number>();
    row.set(to, cell);
    const mode = site.own?.mode ?? null;
    cell.set(mode, (cell.get(mode) ?? 0) + 1);
  }
  return counts;
}

/** The text summary's lines: none without a warning (the summary then reads as it always did). */
export function plannerWarningLines(warnings: readonly PlannerWarning[]): string[] {
  if (warnings.length === 0) return [];
  const lines = [
    "",
    `warnings (${warnings.length}), from the plans (what edgesim plan prints, once per profile and mode):`,
  ];
  for (const w of warnings) {
    const plans = w.plans
      .map(
        (p) =>
          `${p.from} → ${p.to} (${plural(p.sites, "site")}, ${p.mode === null ? "no mode given" : `mode ${p.mode}`})`,
      )
      .join("; ");
    lines.push(`  - ${plans}: ${w.text}`);
  }
  return lines;
}
