import type { AgentEmitted } from "../machines/agent.js";
import type { NodeEmitted } from "../machines/node.js";
import type { ControllerDeps } from "./deps.js";
import type { TimelineEntry, TimelineEvent } from "./types.js";

/** The run's timeline: each event stamped with the virtual time, kept, and passed on as it happens. */
export class TimelineRecorder {
  readonly entries: TimelineEntry[] = [];

  constructor(private readonly deps: ControllerDeps) {}

  record(event: TimelineEvent): void {
    const now = this.deps.clock.now;
    // `t`, `node`, `event` first, for readable JSON.
    const node = (event as { node?: string }).node;
    const entry = (node === undefined ? { t: now, ...event } : { t: now, node, ...event }) as TimelineEntry;
    this.entries.push(entry);
    this.deps.onEntry?.(entry);
  }

  /** What a machine emits goes on the timeline as it is. */
  emitted(emitted: NodeEmitted | AgentEmitted): void {
    const { type, ...details } = emitted;
    this.record({ event: type, ...details } as TimelineEvent);
  }

  /** An actor's state change, for those who listen (asked first: thousands of node transitions). */
  transition(actor: string, from: string, to: string): void {
    const sink = this.deps.onTransition;
    if (sink?.wanted()) sink.emit({ t: this.deps.clock.now, actor, from, to });
  }
}
