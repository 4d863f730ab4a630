import type { Bus } from "../sim/bus.js";
import type { FleetTimelineEntry, TimelineEntry } from "../sim/types.js";

/*
 * What a log of the simulation says and at which level: the log's policy, apart from pino (src/log/logger.ts)
 * so the library can offer it without loading pino. The simulation only hands its entries to a bus.
 */

/** The few logger methods a log of the simulation calls; a pino logger satisfies it. */
export interface SimLogger {
  info(obj: object, msg?: string): void;
  warn?(obj: object, msg?: string): void;
  error?(obj: object, msg?: string): void;
}

/** Timeline events worth more than `info` in a log: what an operator scanning for trouble greps for. */
const LOG_LEVELS: Partial<Record<TimelineEntry["event"] | FleetTimelineEntry["event"], "warn" | "error">> = {
  "kubernetes-down": "warn",
  "agent-blocked": "warn",
  "action-failed": "warn",
  "action-retried": "warn",
  "node-waiting": "warn",
  "node-rejoin-waiting": "warn",
  "image-fallback": "warn",
  "update-refused": "warn",
  "rollout-halted": "error",
  "update-rejected": "error",
  "fleet-halted": "error",
};

/** Writes one timeline entry at its level (warn/error where the logger has them, else info). */
export function logEntry(logger: SimLogger, entry: TimelineEntry | FleetTimelineEntry): void {
  const level = LOG_LEVELS[entry.event];
  const write = (level && logger[level]) || logger.info;
  write.call(logger, entry, entry.event);
}

/**
 * One log line per timeline entry on the bus, at the entry's level, and one per update refused when it was
 * published (the bus's `refused`, at `warn` as every `update-refused`); returns a function that unsubscribes.
 */
export function logTimeline(bus: Bus, logger: SimLogger): () => void {
  const onEntry = (entry: TimelineEntry) => logEntry(logger, entry);
  bus.on("timeline", onEntry);
  bus.on("refused", onEntry);
  return () => {
    bus.off("timeline", onEntry);
    bus.off("refused", onEntry);
  };
}
