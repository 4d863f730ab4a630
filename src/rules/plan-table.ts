import type { Profile } from "../profile/types.js";
import type { DeliveryMode } from "../shared/types.js";
import type { Plan } from "./types.js";

/** What a simulation asks of the rules: the plan from one profile to another. */
export type Planner = (from: Profile, to: Profile) => Plan;

export interface PlanTable extends Planner {
  /** Distinct pairs planned (or given) so far. */
  size(): number;
  has(from: Profile, to: Profile): boolean;
  /** Gives the table a plan made elsewhere (another thread's), so it is not made again. */
  seed(from: Profile, to: Profile, plan: Plan): void;
  /** Every pair and its plan, in the order they were first planned. */
  pairs(): [from: Profile, to: Profile, plan: Plan][];
  /**
   * The table of the plans made for one delivery mode (a fleet site's or cluster's own `mode`), one per
   * mode for as long as this table lives: the same pair plans differently under `sysext` (a Kubernetes bump
   * repaves) than under `agent` or with no mode given.
   */
  forMode(mode: DeliveryMode): PlanTable;
  /** The tables made for modes so far, in the order they were first asked for. */
  modes(): [mode: DeliveryMode, table: PlanTable][];
}

/**
 * One plan per distinct (from, to) pair for as long as the table lives, each made by `make` the first
 * time it is asked for. Keyed by the profiles themselves: a loaded profile is one object for every
 * cluster that names it. This module does not load the rules (nor the YAML parser they may use), so
 * a thread given every plan it needs never loads them. `makeFor` makes the planner of one delivery mode
 * (`forMode`); it has no default, which would hand a `sysext` site the plans made without its mode.
 */
export function planTable(make: Planner, makeFor: (mode: DeliveryMode) => Planner): PlanTable {
  const plans = new Map<Profile, Map<Profile, Plan>>();
  const order: [Profile, Profile, Plan][] = [];
  const row = (from: Profile) => {
    let r = plans.get(from);
    if (!r) {
      r = new Map();
      plans.set(from, r);
    }
    return r;
  };
  const seed = (from: Profile, to: Profile, plan: Plan) => {
    const r = row(from);
    if (r.has(to)) return;
    r.set(to, plan);
    order.push([from, to, plan]);
  };
  const planner = (from: Profile, to: Profile): Plan => {
    const hit = plans.get(from)?.get(to);
    if (hit) return hit;
    const plan = make(from, to);
    seed(from, to, plan);
    return plan;
  };
  const byMode = new Map<DeliveryMode, PlanTable>();
  const forMode = (mode: DeliveryMode): PlanTable => {
    let table = byMode.get(mode);
    if (!table) {
      const made = makeFor(mode);
      // A mode's table has no modes of its own: asked for one, it answers with its parent's.
      table = Object.assign(planTable(made, makeFor), { forMode, modes: () => [...byMode] });
      byMode.set(mode, table);
    }
    return table;
  };
  return Object.assign(planner, {
    size: () => order.length,
    has: (from: Profile, to: Profile) => plans.get(from)?.has(to) === true,
    seed,
    pairs: () => [...order],
    forMode,
    modes: () => [...byMode],
  });
}
