import { parentPort } from "node:worker_threads";
import { runSuiteEntry, type SuiteOptions, type SuiteOutcome } from "./suite.js";

/**
 * The thread `edgesim test` runs its files in, one after another, so that a file which runs too long
 * can be stopped (the thread is terminated) without stopping the suite. Each message is one file found
 * under the suite's folder: the thread reads and parses it (once), says its name before running it,
 * and answers with what it came to (a case, or skipped), or the message of an error that is not bad
 * input (a bug).
 */
export interface SuiteWorkerRequest {
  id: number;
  file: string;
  options: SuiteOptions;
}

export type SuiteWorkerAnswer =
  | { id: number; named: string }
  | { id: number; outcome: SuiteOutcome }
  | { id: number; crash: string };

const port = parentPort;
if (port) {
  port.on("message", async (request: SuiteWorkerRequest) => {
    let answer: SuiteWorkerAnswer;
    try {
      const outcome = await runSuiteEntry(request.file, request.options, (named) =>
        port.postMessage({ id: request.id, named } satisfies SuiteWorkerAnswer),
      );
      answer = { id: request.id, outcome };
    } catch (error) {
      answer = {
        id: request.id,
        crash: error instanceof Error ? (error.stack ?? error.message) : String(error),
      };
    }
    port.postMessage(answer);
  });
  port.postMessage("ready");
}
