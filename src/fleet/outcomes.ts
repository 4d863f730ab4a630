import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import PQueue from "p-queue";
import type { PlanTable } from "../rules/plan-table.js";
import type { LoadedFleetPlan } from "./load.js";
import { rollSite, type SiteOutcome, siteSimPlan } from "./map.js";
import type { SiteBatch, WorkerData } from "./worker.js";

/** Per trial, each simulated site's outcome by its inventory index. */
export class OutcomeStore {
  private readonly byTrial: Map<number, SiteOutcome>[] = [];
  private count = 0;

  set(trial: number, site: number, outcome: SiteOutcome): void {
    let row = this.byTrial[trial];
    if (!row) this.byTrial[trial] = row = new Map();
    if (!row.has(site)) this.count++;
    row.set(site, outcome);
  }

  get(trial: number, site: number): SiteOutcome | undefined {
    return this.byTrial[trial]?.get(site);
  }

  get size(): number {
    return this.count;
  }

  /** Every outcome, trial by trial, sites in inventory order: the same order whoever computed them. */
  *entries(): Generator<[trial: number, site: number, outcome: SiteOutcome]> {
    for (let trial = 0; trial < this.byTrial.length; trial++) {
      const row = this.byTrial[trial];
      if (!row) continue;
      for (const site of [...row.keys()].sort((a, b) => a - b))
        yield [trial, site, row.get(site) as SiteOutcome];
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
const BATCH = 64;

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
  const store = new OutcomeStore();
  const total = sites.length * plan.trials;
  let done = 0;
  if (options.threads <= 1 || total < MIN_SITES_FOR_THREADS) {
    for (let trial = 0; trial < plan.trials; trial++)
      for (const s of sites) {
        const site = plan.sites[s] as LoadedFleetPlan["sites"][number];
        store.set(trial, s, rollSite(plan, site, trial, predictedMs(s), options.planner));
        if (++done % BATCH === 0 || done === total) options.progress?.(done, total);
      }
    return store;
  }
  const { default: Tinypool } = await import("tinypool");
  // More threads than cores, or than batches of work, only cost memory (each holds the plans): capped.
  const threads = Math.max(1, Math.min(options.threads, defaultThreads(), Math.ceil(total / BATCH)));
  // Each site's fault-free rollout is simulated here (once per distinct kind of site), which plans its pair.
  for (const s of sites) predictedMs(s);
  const pool = new Tinypool({
    filename: workerFile(),
    minThreads: threads,
    maxThreads: threads,
    workerData: { plan: siteSimPlan(plan), plans: plansById(plan, options.planner) } satisfies WorkerData,
    execArgv: workerExecArgv(process.execArgv),
  });
  // p-queue bounds the batches in flight (and the outcomes waiting to be stored) to a few per thread.
  const queue = new PQueue({ concurrency: threads * 2 });
  try {
    const batches: Promise<void>[] = [];
    for (let trial = 0; trial < plan.trials; trial++)
      for (let i = 0; i < sites.length; i += BATCH) {
        const chunk = sites.slice(i, i + BATCH);
        const batch: SiteBatch = {
          trial,
          sites: chunk.map((s) => plan.sites[s] as LoadedFleetPlan["sites"][number]),
          predicted: chunk.map(predictedMs),
        };
        await queue.onSizeLessThan(threads * 2);
        batches.push(
          queue.add(async () => {
            const outcomes = (await pool.run(batch)) as SiteOutcome[];
            chunk.forEach((s, k) => {
              store.set(trial, s, outcomes[k] as SiteOutcome);
            });
            done += chunk.length;
            options.progress?.(done, total);
          }),
        );
      }
    await Promise.all(batches);
  } finally {
    await pool.destroy();
  }
  return store;
}

/** The planner's plans by profile id: profiles are cloned into each thread, so their objects differ there. */
function plansById(plan: LoadedFleetPlan, planner: PlanTable): WorkerData["plans"] {
  const ids = new Map<unknown, string>();
  for (const [id, p] of plan.profiles) ids.set(p.profile, id);
  const out: WorkerData["plans"] = [];
  for (const [from, to, made] of planner.pairs()) {
    const a = ids.get(from);
    const b = ids.get(to);
    if (a !== undefined && b !== undefined) out.push([a, b, made]);
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
