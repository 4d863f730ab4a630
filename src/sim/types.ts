/**
 * The simulation's data types. They are defined beside the controller (which sits below `sim`, so the
 * core has no directory cycle) and the machines; this module gathers them for the edges.
 */

export {
  DEFAULT_TWO_NODE_LEADER,
  TWO_NODE_CONTROL_PLANES,
  TWO_NODE_LEADERS,
  type TwoNode,
  twoNodePlanRefusal,
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

import type { SimulationOutcome } from "../controller/types.js";
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
