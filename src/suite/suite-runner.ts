import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { formatDuration } from "../shared/duration.js";
import { FILE_TIMEOUT_ENV } from "../shared/limits.js";
import { nameOf, runSuiteFile, type SuiteCase, type SuiteOptions } from "./suite.js";
import type { SuiteWorkerAnswer, SuiteWorkerRequest } from "./suite-worker.js";

const WORKER_FILE = fileURLToPath(new URL("./suite-worker.js", import.meta.url));

/**
 * Runs suite files one after another in a worker thread, each under a wall-clock limit. A file past
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

  async run(file: string, options: SuiteOptions): Promise<SuiteCase> {
    if (!this.limited) return runSuiteFile(file, options);
    const worker = this.thread();
    await this.ready;
    const id = this.nextId++;
    const request: SuiteWorkerRequest = { id, file, options };
    const started = performance.now();
    const elapsed = () => (performance.now() - started) / 1000;
    return new Promise<SuiteCase>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
      };
      const stop = (outcome: SuiteCase) => {
        cleanup();
        this.discard(worker);
        resolve(outcome);
      };
      const timer = setTimeout(
        () => stop(stoppedCase(file, elapsed(), timedOutReason(this.timeoutSeconds), true)),
        this.timeoutSeconds * 1000,
      );
      const onMessage = (answer: SuiteWorkerAnswer) => {
        if (answer.id !== id) return;
        cleanup();
        if ("crash" in answer) reject(new Error(answer.crash));
        else resolve(answer.case);
      };
      // A thread that dies under a file (out of memory, say) is that file's problem, like a timeout.
      const onError = (error: Error) =>
        stop(stoppedCase(file, elapsed(), `stopped: ${error.message}`, false));
      const onExit = (code: number) =>
        stop(stoppedCase(file, elapsed(), `stopped: its thread exited (code ${code})`, false));
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
    const worker = new Worker(WORKER_FILE);
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

function stoppedCase(file: string, seconds: number, reason: string, timedOut: boolean): SuiteCase {
  return {
    name: nameOf(file),
    file,
    passed: false,
    broken: true,
    ...(timedOut ? { timedOut: true } : {}),
    reason,
    detail: `${file}: ${reason}`,
    seconds,
  };
}
