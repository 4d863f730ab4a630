import { parentPort } from "node:worker_threads";
import { runSuiteFile, type SuiteOptions } from "./suite.js";

/**
 * The thread `edgesim test` runs its files in, one after another, so that a file which runs too long
 * can be stopped (the thread is terminated) without stopping the suite. Each message is one file; the
 * answer is its SuiteCase, or the message of an error that is not bad input (a bug).
 */
export interface SuiteWorkerRequest {
  id: number;
  file: string;
  options: SuiteOptions;
}

export type SuiteWorkerAnswer =
  | { id: number; case: Awaited<ReturnType<typeof runSuiteFile>> }
  | { id: number; crash: string };

const port = parentPort;
if (port) {
  port.on("message", async (request: SuiteWorkerRequest) => {
    let answer: SuiteWorkerAnswer;
    try {
      answer = { id: request.id, case: await runSuiteFile(request.file, request.options) };
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
