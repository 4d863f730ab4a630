import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import PQueue from "p-queue";
import { SIMULATION_OUTCOMES } from "../controller/types.js";
import type { PlanTable } from "../rules/plan-table.js";
import type { DeliveryMode } from "../shared/types.js";
import type { SimulationOutcome } from "../sim/types.js";
import type { LoadedFleetPlan } from "./load.js";
import { type PackedOutcomes, rollSite, type SiteOutcome, siteSimPlan } from "./map.js";
import type { SiteBatch, WorkerData } from "./worker.js";

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

/** Sites some wave of some strategy rolls (a site in no wave is never simulated), in inventory order. */
export function rolledSites(plan: LoadedFleetPlan): number[] {
  const rolled = new Set<number>();
  for (const strategy of plan.strategies)
    for (const wave of strategy.waves) for (const s of wave.sites) rolled.add(s);
  return [...rolled].sort((a, b) => a - b);
}

import { defaultThreads } from "../shared/threads.js";

export { defaultThreads };

/** Fewer site simulations than this run in the process: starting threads would cost more than they save. */
export const MIN_SITES_FOR_THREADS = 256;

/**
 * Site simulations from which `--threads` defaults to the cores: each thread costs about half a second of
 * CPU to start and warm up, and a site about 0.1 ms to simulate, so below this one thread is as fast.
 */
export const SITES_FOR_DEFAULT_THREADS = 16_384;

/** The thread count when `--threads` is not given: the cores for a fleet large enough to gain from them, else 1. */
export function threadsFor(plan: LoadedFleetPlan, sites = rolledSites(plan).length): number {
  return sites * plan.trials >= SITES_FOR_DEFAULT_THREADS ? defaultThreads() : 1;
}

/** Sites per message to a thread: large enough that messaging is noise, small enough to share the work. */
const MIN_BATCH = 64;
const MAX_BATCH = 512;
/**
 * Batches given to each thread ahead: its own queue, so that it keeps simulating while this thread
 * runs a trial's schedule (which holds the event loop that would hand it the next batch).
 */
const AHEAD_PER_THREAD = 8;
/** Trials simulated ahead of the one being scheduled: what bounds the outcomes held at once. */
const TRIALS_AHEAD = 2;

/** A trial's sites in batches of MIN_BATCH..MAX_BATCH, about AHEAD_PER_THREAD per thread. */
function batchSize(sites: number, threads: number): number {
  return Math.max(MIN_BATCH, Math.min(MAX_BATCH, Math.ceil(sites / (threads * AHEAD_PER_THREAD))));
}

export interface MapOptions {
  threads: number;
  /** The fleet's plans: the threads are given those of every site's pair, made here once. */
  planner: PlanTable;
  /** Called as simulations finish. */
  progress?: (done: number, total: number) => void;
}

/**
 * The map step run ahead of the schedule: every trial of every given site simulated, on `threads`
 * worker threads (1: in this process). Each outcome depends on the plan, the site and the trial
 * only, so the store holds the same outcomes whatever the thread count or the order they finish in.
 */
export async function mapSites(
  plan: LoadedFleetPlan,
  sites: readonly number[],
  predictedMs: (site: number) => number,
  options: MapOptions,
): Promise<OutcomeStore> {
  const store = new OutcomeStore(plan);
  await mapTrials(plan, sites, predictedMs, options, (table) => {
    for (const s of table.sites()) store.set(table.trial, s, table.get(s) as TrialOutcome);
  });
  return store;
}

/**
 * The map step streamed: each trial's outcomes of the given sites, handed to `onTrial` in trial order
 * as soon as that trial is complete, then dropped. At most TRIALS_AHEAD trials are simulated ahead of
 * the one handed on, so the outcomes held at once do not grow with the trial count; a trial not kept
 * in full comes back from the threads as typed arrays (`packOutcomes`).
 */
export async function mapTrials(
  plan: LoadedFleetPlan,
  sites: readonly number[],
  predictedMs: (site: number) => number,
  options: MapOptions,
  onTrial: (table: TrialTable) => void,
): Promise<void> {
  const total = sites.length * plan.trials;
  let done = 0;
  if (options.threads <= 1 || total < MIN_SITES_FOR_THREADS) {
    for (let trial = 0; trial < plan.trials; trial++) {
      const table = new TrialTable(trial, plan.sites.length, keptInFull(plan, trial));
      for (const s of sites) {
        const site = plan.sites[s] as LoadedFleetPlan["sites"][number];
        table.set(s, rollSite(plan, site, trial, predictedMs(s), options.planner));
        if (++done % MIN_BATCH === 0 || done === total) options.progress?.(done, total);
      }
      onTrial(table);
    }
    return;
  }
  const { default: Tinypool } = await import("tinypool");
  const batch = batchSize(sites.length, Math.max(1, options.threads));
  // More threads than cores, or than batches of work, only cost memory (each holds the plans): capped.
  const threads = Math.max(1, Math.min(options.threads, defaultThreads(), Math.ceil(total / batch)));
  // Each site's fault-free rollout is simulated here (once per distinct kind of site), which plans its pair.
  const predicted = sites.map(predictedMs);
  const pool = new Tinypool({
    filename: workerFile(),
    minThreads: threads,
    maxThreads: threads,
    concurrentTasksPerWorker: AHEAD_PER_THREAD,
    workerData: { plan: siteSimPlan(plan), plans: plansById(plan, options.planner) } satisfies WorkerData,
    execArgv: workerExecArgv(process.execArgv),
  });
  // p-queue bounds the batches in flight (and the outcomes waiting to be stored).
  const queue = new PQueue({ concurrency: threads * AHEAD_PER_THREAD });
  const open = new Map<number, { table: TrialTable; left: number }>();
  let next = 0;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const handOn = () => {
    for (let t = open.get(next); t !== undefined && t.left === 0; t = open.get(next)) {
      open.delete(next);
      next++;
      onTrial(t.table);
    }
    wake?.();
  };
  try {
    const batches = Math.ceil(sites.length / batch);
    for (let trial = 0; trial < plan.trials && !failure; trial++) {
      while (!failure && trial - next >= TRIALS_AHEAD) await new Promise<void>((r) => (wake = r));
      if (failure) break;
      const table = new TrialTable(trial, plan.sites.length, keptInFull(plan, trial));
      const entry = { table, left: batches };
      open.set(trial, entry);
      for (let i = 0; i < sites.length && !failure; i += batch) {
        const chunk = sites.slice(i, i + batch);
        const job: SiteBatch = {
          trial,
          sites: chunk.map((s) => plan.sites[s] as LoadedFleetPlan["sites"][number]),
          predicted: predicted.slice(i, i + batch),
          packed: !table.inFull,
        };
        await queue.onSizeLessThan(threads * AHEAD_PER_THREAD);
        queue
          .add(async () => {
            if (failure) return;
            const got = (await pool.run(job)) as SiteOutcome[] | PackedOutcomes;
            if (Array.isArray(got))
              chunk.forEach((s, k) => {
                table.set(s, got[k] as SiteOutcome);
              });
            else table.setPacked(chunk, got);
            entry.left--;
            done += chunk.length;
            options.progress?.(done, total);
            handOn();
          })
          .catch((error: unknown) => {
            failure ??= { error };
            wake?.();
          });
      }
    }
    await queue.onIdle();
  } finally {
    await pool.destroy();
  }
  if (failure) throw failure.error;
}

/**
 * The planner's plans by profile id and delivery mode (the fleet's default, then each site mode's):
 * profiles are cloned into each thread, so their objects differ there.
 */
function plansById(plan: LoadedFleetPlan, planner: PlanTable): WorkerData["plans"] {
  const ids = new Map<unknown, string>();
  for (const [id, p] of plan.profiles) ids.set(p.profile, id);
  const out: WorkerData["plans"] = [];
  const tables: [DeliveryMode | null, PlanTable][] = [[null, planner], ...planner.modes()];
  for (const [mode, table] of tables)
    for (const [from, to, made] of table.pairs()) {
      const a = ids.get(from);
      const b = ids.get(to);
      if (a !== undefined && b !== undefined) out.push([a, b, mode, made]);
    }
  return out;
}

/**
 * The process's Node flags less those that only make sense for its own entry point: a thread started
 * under `node --input-type=module -e …` would otherwise refuse to load a worker file.
 */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const flag = execArgv[i] as string;
    if (flag === "-e" || flag === "--eval" || flag === "-p" || flag === "--print") {
      i++; // and the script after it
      continue;
    }
    if (flag.startsWith("--input-type") || flag.startsWith("--eval=") || flag.startsWith("--print="))
      continue;
    out.push(flag);
  }
  return out;
}

/**
 * The worker entry beside this module (dist/fleet/worker.js). Run from the TypeScript sources (the
 * tests), the compiled one in dist/ is used: a thread cannot load TypeScript.
 */
function workerFile(): string {
  const beside = fileURLToPath(new URL("./worker.js", import.meta.url));
  if (existsSync(beside)) return beside;
  return fileURLToPath(new URL("../../dist/fleet/worker.js", import.meta.url));
}
