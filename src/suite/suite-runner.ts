import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { workerExecArgv } from "../fleet/outcomes.js";
import { classifyFile } from "../kinds/registry.js";
import { formatDuration } from "../shared/duration.js";
import { FILE_TIMEOUT_ENV } from "../shared/limits.js";
import { decideEntry, runSuiteEntry, type SuiteCase, type SuiteOptions, type SuiteOutcome } from "./suite.js";
import type { SuiteWorkerAnswer, SuiteWorkerRequest } from "./suite-worker.js";

const WORKER_FILE = fileURLToPath(new URL("./suite-worker.js", import.meta.url));

/**
 * Runs suite files (each file found under the folder, see `runSuiteEntry`) one after another in a
 * worker thread, each under a wall-clock limit. A file past
 * its limit is stopped by terminating the thread — whatever it is doing, a runaway loop included — and
 * becomes its own error; the next file gets a fresh thread. One thread for the whole suite, not one
 * per file: starting a thread and loading the modules costs more than a typical scenario.
 *
 * When the compiled worker is not there (the TypeScript sources run directly, as in unit tests),
 * files run in this thread with no time limit.
 */
export class SuiteRunner {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private nextId = 0;
  readonly limited = existsSync(WORKER_FILE);

  constructor(private readonly timeoutSeconds: number) {}

  async run(file: string, options: SuiteOptions): Promise<SuiteOutcome> {
    if (!this.limited) return runSuiteEntry(file, options);
    const worker = this.thread();
    await this.ready;
    const id = this.nextId++;
    const request: SuiteWorkerRequest = { id, file, options };
    const started = performance.now();
    const elapsed = () => (performance.now() - started) / 1000;
    /** The file's name, once the thread has read it and is about to run it. */
    let named: string | undefined;
    return new Promise<SuiteOutcome>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
      };
      const stop = (reason: string, timedOut: boolean) => {
        cleanup();
        this.discard(worker);
        resolve(stoppedOutcome(file, options, named, elapsed(), reason, timedOut));
      };
      const timer = setTimeout(
        () => stop(timedOutReason(this.timeoutSeconds), true),
        this.timeoutSeconds * 1000,
      );
      const onMessage = (answer: SuiteWorkerAnswer) => {
        if (answer.id !== id) return;
        if ("named" in answer) {
          named = answer.named;
          return;
        }
        cleanup();
        if ("crash" in answer) reject(new Error(answer.crash));
        else resolve(answer.outcome);
      };
      // A thread that dies under a file (out of memory, say) is that file's problem, like a timeout.
      const onError = (error: Error) => stop(`stopped: ${error.message}`, false);
      const onExit = (code: number) => stop(`stopped: its thread exited (code ${code})`, false);
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.on("exit", onExit);
      worker.postMessage(request);
    });
  }

  /** Ends the thread; the runner can still be used (it starts a new one). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    // Not the process's entry flags: under `node --input-type=module -e …` a thread would not start.
    const worker = new Worker(WORKER_FILE, { execArgv: workerExecArgv(process.execArgv) });
    this.worker = worker;
    // The limit starts once the modules are loaded, so a slow start does not count against a file.
    this.ready = new Promise<void>((resolve, reject) => {
      const onReady = (message: unknown) => {
        if (message !== "ready") return;
        worker.off("message", onReady);
        worker.off("error", reject);
        resolve();
      };
      worker.on("message", onReady);
      worker.once("error", reject);
    });
    return worker;
  }

  private discard(worker: Worker): void {
    if (this.worker === worker) this.worker = undefined;
    void worker.terminate();
  }
}

export function timedOutReason(seconds: number): string {
  return `stopped after ${formatDuration(seconds * 1000)}, the per-file time limit (raise it with --timeout SECONDS or ${FILE_TIMEOUT_ENV})`;
}

/**
 * A file stopped in its thread. Named by the thread before it ran, it is that file's failure; stopped
 * before (while it was being read or parsed), it is read here to tell whether it is a scenario at all,
 * and its name: what the thread would have decided.
 */
function stoppedOutcome(
  file: string,
  options: SuiteOptions,
  named: string | undefined,
  seconds: number,
  reason: string,
  timedOut: boolean,
): SuiteOutcome {
  if (named !== undefined) return { case: stoppedCase(file, named, seconds, reason, timedOut) };
  const decided = decideEntry(file, classifyFile(file), options);
  if ("skipped" in decided) return decided;
  return { case: stoppedCase(file, decided.name, seconds, reason, timedOut) };
}

function stoppedCase(
  file: string,
  name: string,
  seconds: number,
  reason: string,
  timedOut: boolean,
): SuiteCase {
  return {
    name,
    file,
    passed: false,
    broken: true,
    ...(timedOut ? { timedOut: true } : {}),
    reason,
    detail: `${file}: ${reason}`,
    seconds,
  };
}
