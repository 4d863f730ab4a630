import { isAbsolute, join } from "node:path";
import { loadProfileFile } from "../profile/file.js";
import type { Profile } from "../profile/types.js";
import { InputError } from "../shared/diagnostics.js";
import { yamlFileOf } from "../shared/yaml.js";
import { bundledProfiles, type LoadedFleetPlan, type LoadOptions, loadFleetPlanYaml } from "./load.js";
import { type FleetPlanInput, SHAPE_PATTERN } from "./schema.js";

/** `edgesim fleet --clusters N --update PROFILE [--from PROFILE] [--shape CP+W]`: a fleet without a file. */
export interface WhatIf {
  clusters: number;
  /** The profile rolled out (an absolute path: the what-if has no folder of its own). */
  update: string;
  /** The sites' current profile; default: the bundled base of the update's distribution. */
  from?: string;
  /** Control planes + workers per site; default 1+3. */
  shape?: string;
}

export const WHAT_IF_NAME = "<what-if>";
const DEFAULT_SHAPE = "1+3";

/**
 * The what-if as a fleet plan: generated sites of one shape, one wave of a 1 % canary (at least one
 * site, ten at once at most) with no failure tolerated, then the rest, a tenth of the fleet at once
 * (1 to 100) with 2 % failures tolerated. A one-site what-if is its canary alone (no site is left).
 */
export function whatIfPlan(whatIf: WhatIf & { from: string }): FleetPlanInput {
  const shape = whatIf.shape ?? DEFAULT_SHAPE;
  if (!SHAPE_PATTERN.test(shape))
    throw new InputError([
      { file: "--shape", message: `expected CONTROL_PLANES+WORKERS (e.g. 1+3), got "${shape}"` },
    ]);
  const canary = Math.max(1, Math.round(whatIf.clusters / 100));
  const restConcurrency = Math.max(1, Math.min(100, Math.ceil(whatIf.clusters / 10)));
  return {
    name: "what-if",
    update: whatIf.update,
    from: whatIf.from,
    cluster: { shape },
    inventory: { generate: { clusters: whatIf.clusters } },
    strategy: {
      waves: [
        { name: "canary", count: canary, concurrency: Math.min(canary, 10), failureBudget: 0 },
        ...(whatIf.clusters > canary
          ? [{ name: "rest", rest: true as const, concurrency: restConcurrency, failureBudget: "2%" }]
          : []),
      ],
    },
  };
}

/** The option of the command line that set each part of a what-if, for its diagnostics. */
const OPTION_OF: [prefix: string, option: string][] = [
  ["update", "--update"],
  ["from", "--from"],
  ["cluster.shape", "--shape"],
  ["inventory.generate.shape", "--shape"],
  ["inventory.generate.clusters", "--clusters"],
];

/**
 * Loads a what-if as a fleet plan. Its profiles are named on the command line, not by a file: no root
 * applies. A problem is reported at the option that caused it, not at a place in a file nobody wrote.
 */
export function loadWhatIf(whatIf: WhatIf, options: Omit<LoadOptions, "root"> = {}): LoadedFleetPlan {
  let from = whatIf.from;
  let profilesRead: Map<string, Profile> | undefined;
  if (from === undefined) {
    const update = loadProfileFile(whatIf.update);
    from = join(bundledProfiles(), `${update.distribution}-base.yaml`);
    // Read once: the plan's loader takes it as read (an absolute path is the file it names).
    if (isAbsolute(whatIf.update)) profilesRead = new Map([[whatIf.update, update]]);
  }
  const yaml = yamlFileOf(whatIfPlan({ ...whatIf, from }), WHAT_IF_NAME);
  try {
    return loadFleetPlanYaml(yaml, { ...options, root: false, ...(profilesRead ? { profilesRead } : {}) });
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    // Every generated site repeats a problem of an option: said once, at the option.
    const seen = new Set<string>();
    throw new InputError(
      error.diagnostics
        .map((d) => {
          if (d.file !== WHAT_IF_NAME) return d;
          const option = OPTION_OF.find(([prefix]) => d.path === prefix || d.path?.startsWith(`${prefix}.`));
          return option ? { file: option[1], message: d.message } : d;
        })
        .filter((d) => {
          const key = JSON.stringify(d);
          return !seen.has(key) && seen.add(key) !== undefined;
        }),
    );
  }
}
