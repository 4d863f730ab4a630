import type { Profile } from "../../src/profile/types.js";
import type { Plan } from "../../src/rules/types.js";
import type { Behavior, Service } from "../../src/shared/types.js";
import type { DrainPolicy, SimInputEvent, SimProfile, SimulationInput } from "../../src/sim/types.js";

export const DEFAULT_DRAIN: DrainPolicy = {
  cordon: true,
  timeoutMs: 60_000,
  gracePeriodMs: 60_000,
  ignoreDaemonSets: true,
  deleteLocalData: false,
  force: false,
};

export function fakeProfile(name: string): Profile {
  return {
    name,
    file: `${name}.yaml`,
    distribution: "k3s",
    distributionInferred: false,
    variables: {},
    variablesUsed: [],
    layers: [],
    warnings: [],
  };
}

export function simProfile(id: string, drain: Partial<DrainPolicy> = {}): SimProfile {
  return { id, profile: fakeProfile(id), drain: { ...DEFAULT_DRAIN, ...drain }, osImage: `image:${id}` };
}

export function fakePlan(from: string, to: string, behavior: Behavior, services: Service[] = []): Plan {
  return {
    from,
    to,
    distribution: "k3s",
    behavior,
    changes: [],
    services,
    unsupported: [],
    warnings: [],
  };
}

/** A planner keyed by "from->to"; anything unlisted is a no-op. */
export function fakePlanner(table: Record<string, Behavior | Plan>): SimulationInput["plan"] {
  return (from, to) => {
    const entry = table[`${from.name}->${to.name}`];
    if (entry === undefined) return fakePlan(from.name, to.name, "no-op");
    if (typeof entry === "string") {
      return fakePlan(from.name, to.name, entry, entry === "service-restart" ? ["networking"] : []);
    }
    return entry;
  };
}

export interface InputOptions extends Partial<Omit<SimulationInput, "profiles" | "plan">> {
  profiles?: SimProfile[];
  plan?: SimulationInput["plan"];
  table?: Record<string, Behavior | Plan>;
}

/** base → next (reboot unless `table` says otherwise), 3 control planes and 2 workers, one update at 1m. */
export function makeInput(options: InputOptions = {}): SimulationInput {
  const profiles = options.profiles ?? [simProfile("base"), simProfile("next"), simProfile("latest")];
  const table = options.table ?? {
    "base->next": "reboot",
    "base->latest": "reboot",
    "next->latest": "reboot",
  };
  const events: SimInputEvent[] = options.events ?? [{ at: 60_000, type: "update", profile: "next" }];
  const { profiles: _p, table: _t, plan, ...rest } = options;
  return {
    seed: 7,
    controlPlanes: 3,
    workers: 2,
    initialProfile: "base",
    ...rest,
    events,
    profiles: new Map(profiles.map((p) => [p.id, p])),
    plan: plan ?? fakePlanner(table),
  };
}
