import { SIMULATION_OUTCOMES } from "../controller/types.js";
import { BEHAVIORS, type Behavior } from "../shared/types.js";
import type { SimulationOutcome } from "../sim/types.js";
import type { LoadedFleetPlan } from "./load.js";
import type { SiteOutcome } from "./map.js";

/** What the schedule and a trial's figures read of a site's outcome: a few numbers. */
export interface TrialOutcome {
  result: SimulationOutcome;
  durationMs: number;
  disruptedNodeMs: number;
}

/**
 * The trials whose outcomes are kept in full (the faults drawn, why a site failed): the first, which
 * the calendar and the per-site output show; every trial when the plan keeps results.
 */
export function keptInFull(plan: Pick<LoadedFleetPlan, "keepResults">, trial: number): boolean {
  return trial === 0 || plan.keepResults === true;
}

/**
 * What a site's outcome says besides its result, behavior and two figures: kept only for the sites that
 * have any of it (most sites converge with no fault drawn, so it is a few in a fleet).
 */
interface OutcomeDetail {
  /** A behavior not among BEHAVIORS (read from a part). */
  behavior?: Behavior;
  why?: string;
  writeOutageMs?: number;
  refused?: true;
  faults?: string[];
  simulation?: SiteOutcome["simulation"];
}

/**
 * A batch's outcomes as a thread sends them back: typed arrays, cheap to copy. A trial kept in full adds
 * each site's behavior and the details of the few sites that have any (by place in the batch).
 */
export interface PackedOutcomes {
  codes: Uint8Array;
  durations: Float64Array;
  disrupted: Float64Array;
  behaviors?: Uint8Array;
  details?: [k: number, detail: OutcomeDetail][];
}

export function packOutcomes(outcomes: readonly SiteOutcome[], inFull = false): PackedOutcomes {
  const codes = new Uint8Array(outcomes.length);
  const durations = new Float64Array(outcomes.length);
  const disrupted = new Float64Array(outcomes.length);
  const behaviors = inFull ? new Uint8Array(outcomes.length) : undefined;
  const details: [number, OutcomeDetail][] = [];
  outcomes.forEach((o, k) => {
    codes[k] = SIMULATION_OUTCOMES.indexOf(o.result) + 1;
    durations[k] = o.durationMs;
    disrupted[k] = o.disruptedNodeMs;
    if (behaviors) {
      behaviors[k] = behaviorCode(o.behavior);
      const detail = detailOf(o);
      if (detail) details.push([k, detail]);
    }
  });
  return { codes, durations, disrupted, ...(behaviors ? { behaviors, details } : {}) };
}

/** 1 + the behavior's index in BEHAVIORS; 0 for another (then kept in the site's detail). */
function behaviorCode(behavior: Behavior): number {
  return BEHAVIORS.indexOf(behavior) + 1;
}

function detailOf(o: SiteOutcome): OutcomeDetail | undefined {
  const unknown = behaviorCode(o.behavior) === 0;
  if (
    !unknown &&
    o.why === undefined &&
    o.writeOutageMs === undefined &&
    o.refused === undefined &&
    o.faults.length === 0 &&
    o.simulation === undefined
  )
    return undefined;
  return {
    ...(unknown ? { behavior: o.behavior } : {}),
    ...(o.why !== undefined ? { why: o.why } : {}),
    ...(o.writeOutageMs !== undefined ? { writeOutageMs: o.writeOutageMs } : {}),
    ...(o.refused !== undefined ? { refused: o.refused } : {}),
    ...(o.faults.length > 0 ? { faults: o.faults } : {}),
    ...(o.simulation !== undefined ? { simulation: o.simulation } : {}),
  };
}

/** A trial's table as a part file holds it: `PackedOutcomes` of its sites in `order` (the order first set). */
export interface PackedTable extends PackedOutcomes {
  trial: number;
  /** The inventory's size. */
  sites: number;
  order: Int32Array;
}

/**
 * One trial's outcomes by inventory index, in typed arrays: three numbers a site (17 bytes), which is
 * all a trial's schedule and figures read; a trial kept in full adds each site's behavior and, for the
 * few sites that have any, the rest of its outcome (why, faults, …), so that a million sites' first
 * trial holds about 26 bytes a site rather than an object each. `get` makes the outcome when asked.
 */
export class TrialTable {
  /** 0: not set; else 1 + the result's index in SIMULATION_OUTCOMES. */
  private readonly codes: Uint8Array;
  private readonly durations: Float64Array;
  private readonly disrupted: Float64Array;
  /** In full: 1 + the behavior's index in BEHAVIORS (0: in the detail). */
  private readonly behaviors: Uint8Array | undefined;
  private readonly details: Map<number, OutcomeDetail> | undefined;
  /** The sites in the order they were first set. */
  private readonly order: Int32Array;
  private count = 0;

  constructor(
    readonly trial: number,
    sites: number,
    inFull: boolean,
  ) {
    this.codes = new Uint8Array(sites);
    this.durations = new Float64Array(sites);
    this.disrupted = new Float64Array(sites);
    this.order = new Int32Array(sites);
    if (inFull) {
      this.behaviors = new Uint8Array(sites);
      this.details = new Map();
    }
  }

  get inFull(): boolean {
    return this.behaviors !== undefined;
  }

  get size(): number {
    return this.count;
  }

  set(site: number, outcome: TrialOutcome | SiteOutcome): void {
    if (this.codes[site] === 0) this.order[this.count++] = site;
    this.codes[site] = SIMULATION_OUTCOMES.indexOf(outcome.result) + 1;
    this.durations[site] = outcome.durationMs;
    this.disrupted[site] = outcome.disruptedNodeMs;
    if (this.behaviors && this.details) {
      const full = outcome as SiteOutcome;
      this.behaviors[site] = behaviorCode(full.behavior);
      const detail = detailOf(full);
      if (detail) this.details.set(site, detail);
      else this.details.delete(site);
    }
  }

  /** A batch from a thread, packed as `packOutcomes` made it (with the details when this trial is in full). */
  setPacked(sites: ArrayLike<number>, packed: PackedOutcomes): void {
    if (this.behaviors && !packed.behaviors && sites.length > 0)
      throw new Error("a batch of a trial kept in full came back without its details");
    for (let k = 0; k < sites.length; k++) {
      const s = sites[k] as number;
      if (this.codes[s] === 0) this.order[this.count++] = s;
      this.codes[s] = packed.codes[k] as number;
      this.durations[s] = packed.durations[k] as number;
      this.disrupted[s] = packed.disrupted[k] as number;
      if (this.behaviors) {
        this.behaviors[s] = packed.behaviors?.[k] as number;
        // A site set again forgets its former detail; an empty Map has none to look up.
        if (this.details && this.details.size > 0) this.details.delete(s);
      }
    }
    if (this.details)
      for (const [k, detail] of packed.details ?? []) this.details.set(sites[k] as number, detail);
  }

  /**
   * The table as it is held, for a part file: per site in the order first set, its inventory index and
   * outcome's numbers, with the details of the sites that have any; `TrialTable.unpacked` reads it back.
   */
  packed(): PackedTable {
    const n = this.count;
    const order = this.order.slice(0, n);
    const codes = new Uint8Array(n);
    const durations = new Float64Array(n);
    const disrupted = new Float64Array(n);
    const behaviors = this.behaviors ? new Uint8Array(n) : undefined;
    for (let k = 0; k < n; k++) {
      const s = order[k] as number;
      codes[k] = this.codes[s] as number;
      durations[k] = this.durations[s] as number;
      disrupted[k] = this.disrupted[s] as number;
      if (behaviors) behaviors[k] = this.behaviors?.[s] as number;
    }
    const details: [number, OutcomeDetail][] = [];
    if (this.details)
      for (let k = 0; k < n; k++) {
        const d = this.details.get(order[k] as number);
        if (d) details.push([k, d]);
      }
    return {
      trial: this.trial,
      sites: this.codes.length,
      order,
      codes,
      durations,
      disrupted,
      ...(behaviors ? { behaviors, details } : {}),
    };
  }

  /** A table from what `packed` made. */
  static unpacked(p: PackedTable): TrialTable {
    const table = new TrialTable(p.trial, p.sites, p.behaviors !== undefined);
    table.setPacked(p.order, p);
    return table;
  }

  /** The given sites' outcomes packed as `packOutcomes` packs them (each site simulated). */
  packInto(sites: readonly number[], packed: PackedOutcomes): void {
    sites.forEach((s, k) => {
      const o = this.get(s);
      if (!o) throw new Error(`site ${s} of trial ${this.trial} was not simulated`);
      packed.codes[k] = this.codes[s] as number;
      packed.durations[k] = o.durationMs;
      packed.disrupted[k] = o.disruptedNodeMs;
    });
  }

  has(site: number): boolean {
    return this.codes[site] !== 0;
  }

  /** Node-ms the site's rollout disrupted (0 when not set), without making its outcome. */
  disruptedNodeMs(site: number): number {
    return this.disrupted[site] as number;
  }

  /** The outcome (a `SiteOutcome` in a trial kept in full), or undefined when not set; made anew each call. */
  get(site: number): TrialOutcome | SiteOutcome | undefined {
    const code = this.codes[site] as number;
    if (code === 0) return undefined;
    const result = SIMULATION_OUTCOMES[code - 1] as SimulationOutcome;
    const durationMs = this.durations[site] as number;
    const disruptedNodeMs = this.disrupted[site] as number;
    if (!this.behaviors) return { result, durationMs, disruptedNodeMs };
    const d = this.details?.get(site);
    // The keys in the order `rollSite` makes them (a part file writes the outcome as it is).
    const o: SiteOutcome = {
      result,
      behavior: d?.behavior ?? (BEHAVIORS[(this.behaviors[site] as number) - 1] as Behavior),
      durationMs,
      disruptedNodeMs,
      faults: [],
    };
    if (!d) return o;
    return {
      result,
      behavior: o.behavior,
      durationMs,
      disruptedNodeMs,
      ...(d.why !== undefined ? { why: d.why } : {}),
      ...(d.writeOutageMs !== undefined ? { writeOutageMs: d.writeOutageMs } : {}),
      ...(d.refused !== undefined ? { refused: d.refused } : {}),
      faults: d.faults ?? [],
      ...(d.simulation !== undefined ? { simulation: d.simulation } : {}),
    };
  }

  /** The sites set, in inventory order. */
  *sites(): Generator<number> {
    for (let s = 0; s < this.codes.length; s++) if (this.codes[s] !== 0) yield s;
  }

  /** The outcomes in the order their sites were first set (the order the schedule asked for them). */
  *values(): Generator<TrialOutcome | SiteOutcome> {
    for (let k = 0; k < this.count; k++) yield this.get(this.order[k] as number) as TrialOutcome;
  }

  /** (site, outcome) in the same order as `values`. */
  *entries(): Generator<[site: number, outcome: TrialOutcome | SiteOutcome]> {
    for (let k = 0; k < this.count; k++) {
      const site = this.order[k] as number;
      yield [site, this.get(site) as TrialOutcome];
    }
  }
}

/** Per trial, each simulated site's outcome by its inventory index (a trial's table made as it is first set). */
export class OutcomeStore {
  private readonly byTrial: TrialTable[] = [];

  constructor(private readonly plan: Pick<LoadedFleetPlan, "keepResults"> & { sites: readonly unknown[] }) {}

  /** The trial's table, made empty when missing. */
  table(trial: number): TrialTable {
    let row = this.byTrial[trial];
    if (!row)
      this.byTrial[trial] = row = new TrialTable(trial, this.plan.sites.length, keptInFull(this.plan, trial));
    return row;
  }

  set(trial: number, site: number, outcome: TrialOutcome | SiteOutcome): void {
    this.table(trial).set(site, outcome);
  }

  get(trial: number, site: number): TrialOutcome | SiteOutcome | undefined {
    return this.byTrial[trial]?.get(site);
  }

  get size(): number {
    return this.byTrial.reduce((n, t) => n + (t?.size ?? 0), 0);
  }

  /** Every outcome, trial by trial, sites in inventory order: the same order whoever computed them. */
  *entries(): Generator<[trial: number, site: number, outcome: TrialOutcome | SiteOutcome]> {
    for (let trial = 0; trial < this.byTrial.length; trial++) {
      const row = this.byTrial[trial];
      if (!row) continue;
      for (const site of row.sites()) yield [trial, site, row.get(site) as TrialOutcome];
    }
  }
}
