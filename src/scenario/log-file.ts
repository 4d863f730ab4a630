import { renameSync, rmSync } from "node:fs";
import { createSimLogger } from "../log/logger.js";
import { VirtualClock } from "../sim/clock.js";
import type { SimLogger } from "../sim/types.js";

/** What a run needs to log: a logger and the clock it stamps its lines with. */
export interface LogHooks {
  logger: SimLogger;
  clock: VirtualClock;
}

/**
 * Runs `body` with a pino logger on virtual time writing to a temporary file next to `file`, and
 * renames it over `file` only when the run finished, so a failed run never leaves a half-written log.
 */
export function withLogFile<T>(file: string, body: (hooks: LogHooks) => T): T {
  const temporary = `${file}.${process.pid}.tmp`;
  const clock = new VirtualClock();
  const logger = createSimLogger(temporary, clock);
  try {
    const result = body({ logger, clock });
    // The destination is synchronous: every line is on disk once the run returns.
    logger.flush();
    renameSync(temporary, file);
    return result;
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
