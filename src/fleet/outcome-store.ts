import { SIMULATION_OUTCOMES } from "../controller/types.js";
import type { SimulationOutcome } from "../sim/types.js";
import type { LoadedFleetPlan } from "./load.js";
import type { PackedOutcomes, SiteOutcome } from "./map.js";

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
 * One trial's outcomes by inventory index. A trial kept in full holds each `SiteOutcome`; any other
 * holds three numbers a site in typed arrays (17 bytes), which is all its schedule and figures read.
 */
export class TrialTable {
  private readonly full: (SiteOutcome | undefined)[] | undefined;
  /** 0: not simulated; else 1 + the result's index in SIMULATION_OUTCOMES. */
  private readonly codes: Uint8Array;
  private readonly durations: Float64Array | undefined;
  private readonly disrupted: Float64Array | undefined;
  private count = 0;

  constructor(
    readonly trial: number,
    sites: number,
    inFull: boolean,
  ) {
    this.codes = new Uint8Array(sites);
    if (inFull) this.full = new Array(sites);
    else {
      this.durations = new Float64Array(sites);
      this.disrupted = new Float64Array(sites);
    }
  }

  get inFull(): boolean {
    return this.full !== undefined;
  }

  get size(): number {
    return this.count;
  }

  set(site: number, outcome: TrialOutcome | SiteOutcome): void {
    if (this.codes[site] === 0) this.count++;
    this.codes[site] = SIMULATION_OUTCOMES.indexOf(outcome.result) + 1;
    if (this.full) this.full[site] = outcome as SiteOutcome;
    else {
      (this.durations as Float64Array)[site] = outcome.durationMs;
      (this.disrupted as Float64Array)[site] = outcome.disruptedNodeMs;
    }
  }

  /** A batch from a thread, packed as `packOutcomes` made it. */
  setPacked(sites: readonly number[], packed: PackedOutcomes): void {
    sites.forEach((s, k) => {
      this.set(s, {
        result: SIMULATION_OUTCOMES[(packed.codes[k] as number) - 1] as SimulationOutcome,
        durationMs: packed.durations[k] as number,
        disruptedNodeMs: packed.disrupted[k] as number,
      });
    });
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

  /** The outcome (the `SiteOutcome` itself in a trial kept in full), or undefined when not simulated. */
  get(site: number): TrialOutcome | SiteOutcome | undefined {
    const code = this.codes[site] as number;
    if (code === 0) return undefined;
    if (this.full) return this.full[site];
    return {
      result: SIMULATION_OUTCOMES[code - 1] as SimulationOutcome,
      durationMs: (this.durations as Float64Array)[site] as number,
      disruptedNodeMs: (this.disrupted as Float64Array)[site] as number,
    };
  }

  /** The simulated sites in inventory order. */
  *sites(): Generator<number> {
    for (let s = 0; s < this.codes.length; s++) if (this.codes[s] !== 0) yield s;
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
