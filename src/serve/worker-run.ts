import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { workerExecArgv } from "../fleet/outcomes.js";
import type { Job, JobResult } from "./jobs.js";

/** Why a job ended without its answer. */
export class JobStopped extends Error {
  constructor(readonly reason: "timeout" | "cancelled" | "memory") {
    super(
      reason === "timeout"
        ? "the run took too long and was stopped"
        : reason === "memory"
          ? "the run needed more memory than one request may use, and was stopped"
          : "the run was cancelled",
    );
  }
}

/** The heap one run may use (MiB): a run past it is stopped, not the server. */
export const RUN_HEAP_MB = 1536;

/**
 * Runs a job on a thread of its own, so the server keeps answering: ended (terminated) when `signal`
 * aborts (cancel, or the page went away) or after `timeoutMs`.
 */
export function runOnThread(
  job: Job,
  options: { timeoutMs: number; signal?: AbortSignal; heapMb?: number },
): Promise<JobResult> {
  return new Promise((resolvePromise, reject) => {
    const worker = new Worker(workerFile(), {
      execArgv: workerExecArgv(process.execArgv),
      resourceLimits: { maxOldGenerationSizeMb: options.heapMb ?? RUN_HEAP_MB },
    });
    let settled = false;
    const finish = (action: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      void worker.terminate();
      action();
    };
    const timer = setTimeout(() => finish(() => reject(new JobStopped("timeout"))), options.timeoutMs);
    const onAbort = () => finish(() => reject(new JobStopped("cancelled")));
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    worker.once("message", (message: JobResult | { crashed: string }) =>
      finish(() => ("crashed" in message ? reject(new Error(message.crashed)) : resolvePromise(message))),
    );
    worker.once("error", (error: NodeJS.ErrnoException) =>
      finish(() => reject(error.code === "ERR_WORKER_OUT_OF_MEMORY" ? new JobStopped("memory") : error)),
    );
    worker.once("exit", () => finish(() => reject(new Error("the run's thread ended without an answer"))));
    worker.postMessage(job);
  });
}

/** The worker entry beside this module; from the TypeScript sources (tests), the compiled one in dist/. */
function workerFile(): string {
  const beside = fileURLToPath(new URL("./serve-worker.js", import.meta.url));
  if (existsSync(beside)) return beside;
  return fileURLToPath(new URL("../../dist/serve/serve-worker.js", import.meta.url));
}
