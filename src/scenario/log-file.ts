import { createSimLogger } from "../log/logger.js";
import { logTimeline } from "../log/policy.js";
import { prepareOutput, writeError } from "../shared/files.js";
import { type Bus, createBus } from "../sim/bus.js";
import { VirtualClock } from "../sim/clock.js";

/** What a run needs to log: the bus its entries go to (a logger listens) and the clock the lines are stamped with. */
export interface LogHooks {
  bus: Bus;
  clock: VirtualClock;
}

/**
 * Runs `body` with a pino logger on virtual time. A regular file gets its lines only when the run
 * finished (written beside it, then renamed over it), so a failed run never leaves a half-written log;
 * a device, FIFO or link is written as such (see prepareOutput).
 */
export function withLogFile<T>(file: string, body: (hooks: LogHooks) => T): T {
  const target = { file, option: "--log" };
  const output = prepareOutput(target);
  const clock = new VirtualClock();
  let logger: ReturnType<typeof createSimLogger>;
  try {
    logger = createSimLogger(output.path, clock);
  } catch (error) {
    output.abort();
    throw writeError(target, error);
  }
  try {
    const bus = createBus();
    logTimeline(bus, logger);
    const result = body({ bus, clock });
    // The destination is synchronous: every line is on disk once the run returns.
    logger.flush();
    output.commit();
    return result;
  } catch (error) {
    output.abort();
    throw error;
  }
}
