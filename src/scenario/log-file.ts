import { renameSync, rmSync } from "node:fs";
import { createSimLogger } from "../log/logger.js";
import { InputError } from "../shared/diagnostics.js";
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
  let logger: ReturnType<typeof createSimLogger>;
  try {
    logger = createSimLogger(temporary, clock);
  } catch (error) {
    throw logError(file, error);
  }
  try {
    const result = body({ logger, clock });
    // The destination is synchronous: every line is on disk once the run returns.
    logger.flush();
    try {
      renameSync(temporary, file);
    } catch (error) {
      // The path came from the user (`--log`): a folder there is bad input, not a crash.
      throw logError(file, error);
    }
    return result;
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

function logError(file: string, error: unknown): InputError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === "EISDIR"
      ? "is a directory, not a file"
      : code === "EACCES"
        ? "permission denied"
        : (error as Error).message;
  return new InputError([{ file, message: `cannot write the log: ${reason}` }]);
}
