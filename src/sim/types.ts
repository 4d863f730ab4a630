/**
 * The simulation's data types. They are defined beside the controller (which sits below `sim`, so the
 * core has no directory cycle) and the machines; this module gathers them for the edges.
 */

export {
  DEFAULT_TWO_NODE_LEADER,
  TWO_NODE_CONTROL_PLANES,
  type TwoNode,
  twoNodeProblems,
  twoNodeRefusal,
  writeOutages,
} from "../controller/two-node.js";
export type {
  FaultReport,
  NodeReport,
  RefusedUpdate,
  SimInputEvent,
  SimProfile,
  SimulationInput,
  SimulationOutcome,
  SimulationResult,
  TimelineDetails,
  TimelineEntry,
  TimelineEntryOf,
  TimelineEvent,
  TimelineEventName,
  WorkerPool,
} from "../controller/types.js";
export { clusterNodes, isPoolName, unfiredFaults } from "../controller/types.js";
export type { Timings } from "../machines/node.js";
export type { DrainPolicy } from "../profile/types.js";
export type { NodeAction, NodeRole } from "../shared/types.js";

import type { SimulationOutcome, TimelineEntry } from "../controller/types.js";
import type { Behavior } from "../shared/types.js";

/** One line of a fleet file's timeline (on the fleet's clock); `cluster` names the cluster. */
export type FleetTimelineEntry =
  | { t: number; event: "cluster-started"; cluster: string }
  | {
      t: number;
      event: "cluster-finished";
      cluster: string;
      result: SimulationOutcome;
      behavior: Behavior;
      finalProfile: string;
    }
  | { t: number; event: "fleet-halted"; failed: string[]; failureBudget: number | undefined; skipped: number }
  | { t: number; event: "cluster-skipped"; cluster: string };

/** The few logger methods the simulation calls; a pino logger satisfies it (the core never imports pino). */
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
