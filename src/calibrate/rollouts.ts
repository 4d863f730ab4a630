import { dirname, isAbsolute, join } from "node:path";
import * as z from "zod";
import { parseInventoryCsv, type RawSite } from "../fleet/inventory.js";
import { SHAPE_PATTERN } from "../fleet/schema.js";
import { parseInstant } from "../fleet/windows.js";
import { loadProfileFile } from "../profile/file.js";
import { planUpdate } from "../rules/plan.js";
import { DiagnosticBag, InputError, isInputError } from "../shared/diagnostics.js";
import { readTextFile } from "../shared/files.js";
import { NODE_ACTIONS, type NodeAction } from "../shared/types.js";
import { diagnosticAt, parseYamlFile, validateYaml, type YamlPath } from "../shared/yaml.js";

/**
 * The rollouts file says which update each stretch of history belongs to: per rollout, its sites (by
 * name, or by inventory labels), its time range, and what it did — a behavior, or the two profiles,
 * planned with the same rules as `edgesim plan`. A site may not be in two rollouts at once.
 *
 * ```yaml
 * rollouts:
 *   - name: 2026-11-os-patch
 *     select: { labels: { region: east } }     # or sites: [store-001, store-002]
 *     from: 2026-11-03T02:00Z
 *     until: 2026-11-03T10:00Z
 *     behavior: reboot                          # or profiles: { from: v1.yaml, to: v2.yaml }
 * ```
 */
const rolloutSchema = z.strictObject({
  name: z.string().min(1),
  sites: z.array(z.string().min(1)).min(1).optional(),
  select: z
    .strictObject({ labels: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])) })
    .optional(),
  from: z.string().min(1),
  until: z.string().min(1),
  behavior: z.enum(NODE_ACTIONS).optional(),
  profiles: z.strictObject({ from: z.string().min(1), to: z.string().min(1) }).optional(),
});

export const rolloutsFileSchema = z.strictObject({
  rollouts: z.array(rolloutSchema).min(1),
});

export interface Rollout {
  name: string;
  index: number;
  sites: string[];
  fromMs: number;
  untilMs: number;
  behavior: NodeAction;
}

export interface InventorySite {
  name: string;
  controlPlanes: number;
  workers: number;
  labels: Record<string, string>;
}

export interface Inventory {
  file: string;
  sites: Map<string, InventorySite>;
}

/** An inventory CSV (the fleet plan's columns: name, shape, labels, …), sites by name. */
export function loadInventory(file: string): Inventory {
  const { sites, problems } = parseInventoryCsv(readTextFile(file), file);
  if (problems.length > 0) throw new InputError(problems);
  const out = new Map<string, InventorySite>();
  for (const site of sites) out.set(site.name, inventorySite(site));
  return { file, sites: out };
}

function inventorySite(site: RawSite): InventorySite {
  const match = SHAPE_PATTERN.exec(site.shape ?? "1+3");
  return {
    name: site.name,
    controlPlanes: Number(match?.[1] ?? 1),
    workers: Number(match?.[2] ?? 3),
    labels: site.labels,
  };
}

export function loadRollouts(file: string, inventory?: Inventory): Rollout[] {
  const yaml = parseYamlFile(readTextFile(file), file);
  const data = validateYaml(yaml, rolloutsFileSchema);
  const bag = new DiagnosticBag();
  const at = (path: YamlPath, message: string) => bag.add(diagnosticAt(yaml, path, message));
  const rollouts: Rollout[] = [];
  data.rollouts.forEach((r, i) => {
    const path: YamlPath = ["rollouts", i];
    const fromMs = parseInstant(r.from);
    const untilMs = parseInstant(r.until);
    if (fromMs === undefined) at([...path, "from"], `"${r.from}" is not an ISO 8601 date-time`);
    if (untilMs === undefined) at([...path, "until"], `"${r.until}" is not an ISO 8601 date-time`);
    if (fromMs !== undefined && untilMs !== undefined && untilMs <= fromMs)
      at([...path, "until"], "is not after `from`");
    if ((r.sites === undefined) === (r.select === undefined))
      at(path, "a rollout has exactly one of `sites` and `select`");
    if ((r.behavior === undefined) === (r.profiles === undefined))
      at(path, "a rollout has exactly one of `behavior` and `profiles`");
    let sites = r.sites ?? [];
    if (r.select) {
      if (!inventory) at([...path, "select"], "selecting sites by label needs --inventory");
      else {
        const labels = Object.entries(r.select.labels).map(([k, v]) => [k, String(v)] as const);
        sites = [...inventory.sites.values()]
          .filter((s) => labels.every(([k, v]) => s.labels[k] === v))
          .map((s) => s.name);
        if (sites.length === 0) at([...path, "select"], `selects no site of ${inventory.file}`);
      }
    }
    let behavior = r.behavior;
    if (r.profiles) behavior = plannedBehavior(file, r.profiles, [...path, "profiles"], at);
    if (fromMs === undefined || untilMs === undefined || behavior === undefined) return;
    rollouts.push({ name: r.name, index: i, sites, fromMs, untilMs, behavior });
  });
  // A site in two rollouts at once: which one a NotReady belongs to would be a guess.
  const bySite = new Map<string, Rollout[]>();
  for (const r of rollouts)
    for (const s of r.sites) {
      const list = bySite.get(s) ?? [];
      const other = list.find((o) => o.fromMs < r.untilMs && r.fromMs < o.untilMs);
      if (other)
        at(
          ["rollouts", r.index, "from"],
          `rollout "${r.name}" overlaps rollout "${other.name}" (rollouts[${other.index}]) for site ${s}`,
        );
      list.push(r);
      bySite.set(s, list);
    }
  bag.throwIfAny();
  return rollouts;
}

function plannedBehavior(
  file: string,
  profiles: { from: string; to: string },
  path: YamlPath,
  at: (path: YamlPath, message: string) => void,
): NodeAction | undefined {
  const resolveRef = (p: string) => (isAbsolute(p) ? p : join(dirname(file), p));
  try {
    const plan = planUpdate(
      loadProfileFile(resolveRef(profiles.from)),
      loadProfileFile(resolveRef(profiles.to)),
    );
    if (plan.behavior === "no-op" || plan.unsupported.length > 0) {
      at(
        path,
        `the update is ${plan.unsupported.length > 0 ? "unsupported" : "no-op"}: no node action to fit`,
      );
      return undefined;
    }
    return plan.behavior as NodeAction;
  } catch (error) {
    if (!isInputError(error)) throw error;
    at(path, error.diagnostics.map((d) => `${d.file}: ${d.message}`).join("; "));
    return undefined;
  }
}
