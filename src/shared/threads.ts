import { availableParallelism } from "node:os";

/** The thread count `--threads` defaults to: the cores this process may use. */
export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}
