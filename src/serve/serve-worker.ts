import { parentPort } from "node:worker_threads";
import { type Job, runJob } from "./jobs.js";

/** The thread a long run goes to: one job per thread, ended (terminated) to cancel it. */
parentPort?.once("message", async (job: Job) => {
  try {
    parentPort?.postMessage(await runJob(job));
  } catch (error) {
    parentPort?.postMessage({ crashed: error instanceof Error ? error.message : String(error) });
  }
});
