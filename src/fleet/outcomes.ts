import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import PQueue from "p-queue";
import type { PlanTable } from "../rules/plan-table.js";
import { InputError } from "../shared/diagnostics.js";
import { defaultThreads } from "../shared/threads.js";
import type { DeliveryMode } from "../shared/types.js";
import type { LoadedFleetPlan } from "./load.js";
import { rollSite, type SiteOutcome, siteSimPlan } from "./map.js";
import {
  keptInFull,
  OutcomeStore,
  type PackedOutcomes,
  type TrialOutcome,
  TrialTable,
} from "./outcome-store.js";
import type { PreparedFleet } from "./prepare.js";
import type { ProgressSink } from "./result.js";
import { partFiles, readParts } from "./shard.js";
import { neverFits } from "./windows.js";
import type { SiteBatch, WorkerData } from "./worker.js";

/**
 * The map stage of a fleet run: each site's outcome in each trial, from where the caller says — simulated
 * in this process (lazily, as the schedule asks), on worker threads (every site some window can take,
 * ahead of the schedule), or read back from the parts shards wrote — handed on trial by trial, in trial
 * order. A site's outcome depends on the plan, the site and the trial only, so every source gives the
 * same outcomes and the run the same bytes.
 */

/** Where the sites' outcomes come from. */
export type OutcomeSource =
  /** Simulated in this process, lazily, as the schedule asks for them. */
  | { from: "process"; progress?: ProgressSink }
  /** Simulated ahead on worker threads when it pays (default: the cores for a large fleet, else 1). */
  | { from: "threads"; threads?: number; progress?: ProgressSink }
  /** Read back from the part files (or folders of them) that `--shard` runs wrote. */
  | { from: "parts"; paths: readonly string[] };

/** A site's outcome in the trial being handed on (the `SiteOutcome` itself in a trial kept in full). */
export type OutcomeOf = (site: number) => TrialOutcome | SiteOutcome;

/** Every trial of the plan, in order. */
export function allTrials(plan: Pick<LoadedFleetPlan, "trials">): number[] {
  return Array.from({ length: plan.trials }, (_, t) => t);
}

/**
 * Hands each trial's outcomes to `onTrial`, in trial order: synchronously (undefined) in this process and
 * from parts, as a promise on threads. `trials` (ascending; default every trial) are the trials run: a
 * shard of a fleet sharded by trial runs its own.
 */
export function siteOutcomes(
  prepared: PreparedFleet,
  source: OutcomeSource,
  onTrial: (trial: number, outcome: OutcomeOf) => void,
  trials: readonly number[] = allTrials(prepared.plan),
): Promise<void> | undefined {
  const { plan } = prepared;
  switch (source.from) {
    case "process":
      inProcess(prepared, trials, onTrial, source.progress);
      return undefined;
    case "parts": {
      const first = source.paths[0];
      if (first === undefined) throw new InputError([{ file: "parts", message: "no part file given" }]);
      const store = readParts(plan, partFiles(source.paths));
      for (const trial of trials)
        onTrial(trial, (site) => {
          const o = store.get(trial, site);
          if (!o)
            throw new InputError([
              {
                file: first,
                message: `site ${plan.sites[site]?.name} (trial ${trial}) is in none of the parts: were they made with this strategy?`,
              },
            ]);
          return o;
        });
      return undefined;
    }
    case "threads": {
      const threads = source.threads ?? threadsFor(plan, prepared.rolled.length);
      // A site no window can take is never rolled: simulating it ahead would be wasted.
      const sites = prepared.rolled.filter(
        (i) =>
          !neverFits(
            prepared.scheduleSites[i] as PreparedFleet["scheduleSites"][number],
            plan.windowMode,
            plan.prefetch,
          ),
      );
      if (threads <= 1 || sites.length * trials.length < MIN_SITES_FOR_THREADS) {
        inProcess(prepared, trials, onTrial, source.progress);
        return undefined;
      }
      const progress = source.progress;
      return mapTrials(
        prepared,
        sites,
        trials,
        {
          threads,
          ...(progress
            ? {
                progress: (done: number, total: number) =>
                  progress(
                    done,
                    total,
                    trials.length > 1
                      ? `site simulations, trial ${Math.min(trials.length, Math.floor(done / sites.length) + 1)} of ${trials.length}`
                      : "site simulations",
                  ),
              }
            : {}),
        },
        (table) =>
          onTrial(table.trial, (i) => {
            const o = table.get(i);
            if (!o) throw new Error(`site ${plan.sites[i]?.name} of trial ${table.trial} was not simulated`);
            return o;
          }),
      );
    }
  }
}

/** Each trial in turn, its sites simulated here when the schedule first asks for them. */
function inProcess(
  prepared: PreparedFleet,
  trials: readonly number[],
  onTrial: (trial: number, outcome: OutcomeOf) => void,
  progress: ProgressSink | undefined,
): void {
  const { plan, planner, scheduleSites } = prepared;
  trials.forEach((trial, k) => {
    onTrial(trial, (site) =>
      rollSite(
        plan,
        plan.sites[site] as LoadedFleetPlan["sites"][number],
        trial,
        scheduleSites[site]?.predictedMs ?? 0,
        planner,
      ),
    );
    progress?.(k + 1, trials.length, "trials");
  });
}

/** Fewer site simulations than this run in the process: starting threads would cost more than they save. */
const MIN_SITES_FOR_THREADS = 256;

/**
 * Site simulations from which `--threads` defaults to the cores: each thread costs about half a second of
 * CPU to start and warm up, and a site about 0.1 ms to simulate, so below this one thread is as fast.
 */
const SITES_FOR_DEFAULT_THREADS = 16_384;

/** The thread count when `--threads` is not given: the cores for a fleet large enough to gain from them, else 1. */
export function threadsFor(plan: LoadedFleetPlan, sites: number): number {
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
/**
 * Trials from which each thread is given its slice of the sites once, rather than each batch its sites: a
 * site is then copied into a thread once instead of once a trial, but held there for the whole run. Measured
 * on 2 cores (CPU, wall, peak RSS): 100,000 sites × 10 trials 6.5 → 5.8 s, 4.3 → 3.8 s; × 100 trials 54 → 37 s,
 * 35 → 26 s; 1,000,000 sites × 10 trials 56 → 51 s of CPU, the same wall, 1.1 → 1.5 GB; × 3 trials no gain for
 * 0.3 GB more.
 */
const SLICED_FROM_TRIALS = 4;
/** Trials simulated ahead of the one being scheduled: what bounds the outcomes held at once. */
const TRIALS_AHEAD = 2;

/** A trial's sites in batches of MIN_BATCH..MAX_BATCH, about AHEAD_PER_THREAD per thread. */
function batchSize(sites: number, threads: number): number {
  return Math.max(MIN_BATCH, Math.min(MAX_BATCH, Math.ceil(sites / (threads * AHEAD_PER_THREAD))));
}

export interface MapOptions {
  threads: number;
  /** Called as simulations finish. */
  progress?: (done: number, total: number) => void;
}

/**
 * The map step run ahead of the schedule: every trial of every given site simulated, on `threads`
 * worker threads (1: in this process). Each outcome depends on the plan, the site and the trial
 * only, so the store holds the same outcomes whatever the thread count or the order they finish in.
 */
export async function mapSites(
  prepared: PreparedFleet,
  sites: readonly number[],
  options: MapOptions,
): Promise<OutcomeStore> {
  const store = new OutcomeStore(prepared.plan);
  await mapTrials(prepared, sites, allTrials(prepared.plan), options, (table) => {
    for (const s of table.sites()) store.set(table.trial, s, table.get(s) as TrialOutcome);
  });
  return store;
}

/**
 * The map step streamed: each trial's outcomes of the given sites, handed to `onTrial` in trial order
 * as soon as that trial is complete, then dropped. At most TRIALS_AHEAD trials are simulated ahead of
 * the one handed on, so the outcomes held at once do not grow with the trial count; a batch comes back
 * from the threads as typed arrays (`packOutcomes`), in a trial kept in full with the details of the few
 * sites that have any.
 */
async function mapTrials(
  prepared: PreparedFleet,
  sites: readonly number[],
  trials: readonly number[],
  options: MapOptions,
  onTrial: (table: TrialTable) => void,
): Promise<void> {
  const { plan, planner, scheduleSites } = prepared;
  const predictedMs = (s: number) => scheduleSites[s]?.predictedMs ?? 0;
  const total = sites.length * trials.length;
  let done = 0;
  if (options.threads <= 1 || total < MIN_SITES_FOR_THREADS) {
    for (const trial of trials) {
      const table = new TrialTable(trial, plan.sites.length, keptInFull(plan, trial));
      for (const s of sites) {
        const site = plan.sites[s] as LoadedFleetPlan["sites"][number];
        table.set(s, rollSite(plan, site, trial, predictedMs(s), planner));
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
  const sliced = trials.length >= SLICED_FROM_TRIALS;
  const batches = siteBatches(sites.length, batch, sliced ? threads : 1);
  const common = { plan: siteSimPlan(plan), plans: plansById(plan, planner) };
  const siteAt = (s: number) => plan.sites[s] as LoadedFleetPlan["sites"][number];
  // The sites at some places of the list, with their predicted times: what a thread is given.
  const given = (places: number[]) => ({
    sites: places.map((p) => siteAt(sites[p] as number)),
    predicted: places.map((p) => predicted[p] as number),
  });
  // Sliced: a pool of one thread a slice, given its slice's sites as it starts. Else one pool of `threads`.
  const pools = (sliced ? batches.slices : [undefined]).map(
    (slice) =>
      new Tinypool({
        filename: workerFile(),
        minThreads: slice ? 1 : threads,
        maxThreads: slice ? 1 : threads,
        concurrentTasksPerWorker: AHEAD_PER_THREAD,
        workerData: {
          ...common,
          ...(slice ? { given: given(placesIn(slice, 0, slice.length)) } : {}),
        } satisfies WorkerData,
        execArgv: workerExecArgv(process.execArgv),
      }),
  );
  // Each batch's site indices (and, not sliced, the sites it carries): the same in every trial, made once.
  const work = batches.list.map(({ pool, from, to }) => {
    const places = placesIn(batches.slices[pool] as Slice, from, to);
    return {
      pool: pools[pool] as (typeof pools)[number],
      chunk: places.map((p) => sites[p] as number),
      part: sliced ? { from, to } : given(places),
    };
  });
  // p-queue bounds the batches in flight (and the outcomes waiting to be stored).
  const queue = new PQueue({ concurrency: threads * AHEAD_PER_THREAD });
  // Keyed by the trial's place in `trials`: `next` is the place of the next trial to hand on.
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
    for (let k = 0; k < trials.length && !failure; k++) {
      const trial = trials[k] as number;
      while (!failure && k - next >= TRIALS_AHEAD) await new Promise<void>((r) => (wake = r));
      if (failure) break;
      const table = new TrialTable(trial, plan.sites.length, keptInFull(plan, trial));
      const entry = { table, left: work.length };
      open.set(k, entry);
      for (const { pool, chunk, part } of work) {
        if (failure) break;
        const job: SiteBatch = { trial, inFull: table.inFull, ...part };
        await queue.onSizeLessThan(threads * AHEAD_PER_THREAD);
        queue
          .add(async () => {
            if (failure) return;
            table.setPacked(chunk, (await pool.run(job)) as PackedOutcomes);
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
    await Promise.all(pools.map((pool) => pool.destroy()));
  }
  if (failure) throw failure.error;
}

/**
 * Places in the list of sites a trial maps: the slice's `first`, then every `stride`-th place after it
 * (`length` of them). One slice (stride 1) is the whole list in order.
 */
export interface Slice {
  first: number;
  stride: number;
  length: number;
}

/** A batch of a trial: the places `from` to `to` (exclusive) of slice `pool`. */
interface Batch {
  pool: number;
  from: number;
  to: number;
}

/** The places in the list of sites of a slice's `from` to `to`. */
export function placesIn(slice: Slice, from: number, to: number): number[] {
  const out = new Array<number>(to - from);
  for (let j = from; j < to; j++) out[j - from] = slice.first + slice.stride * j;
  return out;
}

/**
 * A trial's batches of at most `size` sites over `count` places, in `slices` slices. With more than one
 * (SLICED_FROM_TRIALS trials or more), each slice is a thread's, given to it once: a site is then copied into a
 * thread once, not with every trial, and held by one thread only. A slice takes every `slices`-th place, so that
 * an inventory sorted by size (large sites first) still gives each thread an even share of the work; the
 * slices' batches alternate, so that each thread has work queued. No more slices than places.
 */
export function siteBatches(count: number, size: number, slices: number): { slices: Slice[]; list: Batch[] } {
  const cuts = Math.max(1, Math.min(slices, count));
  const cut: Slice[] = Array.from({ length: cuts }, (_, k) => ({
    first: k,
    stride: cuts,
    length: Math.max(0, Math.ceil((count - k) / cuts)),
  }));
  const list: Batch[] = [];
  for (let from = 0; from < (cut[0]?.length ?? 0); from += size)
    cut.forEach(({ length }, pool) => {
      if (from < length) list.push({ pool, from, to: Math.min(length, from + size) });
    });
  return { slices: cut, list };
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
