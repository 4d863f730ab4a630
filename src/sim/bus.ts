import { EventEmitter } from "eventemitter3";
import type { TransitionEvent } from "../controller/controller.js";
import type { TimelineEntry, TimelineEntryOf } from "./types.js";

export type { TransitionEvent };

export interface BusEvents {
  timeline: [entry: TimelineEntry];
  transition: [event: TransitionEvent];
  /**
   * An update refused when it was published (an unsupported change, a two-node cluster's distribution…):
   * the cluster never hears of it, so no `timeline` event says it; the result's timeline has the same
   * entry. Sent at its virtual time, only while something listens.
   */
  refused: [entry: TimelineEntryOf<"update-refused">];
}

/**
 * Everything the simulation does, as events: the edges (logs, reports, live views) subscribe here instead of
 * being called by the core.
 */
export class Bus extends EventEmitter<BusEvents> {}

export function createBus(): Bus {
  return new Bus();
}
