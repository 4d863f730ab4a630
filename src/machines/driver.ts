import type { AnyStateMachine, EmittedFrom, EventFromLogic, InputFrom, SnapshotFrom } from "xstate";

/** The clock a driven machine's delayed transitions (`after`) run on. */
export interface DriverClock {
  schedule(delayMs: number, fn: () => void): number;
  cancel(id: number): void;
}

/** What xstate hands the scope's executor: a resolved action, with its implementation. */
interface ExecutableAction {
  type: string;
  info: unknown;
  params: unknown;
  exec: ((info: unknown, params: unknown) => void) | undefined;
}

/**
 * Runs an xstate machine definition without an actor: each event goes through the machine's own
 * `transition` (xstate's algorithm, guards, assigns, entry and exit actions, emitted events), with one
 * long-lived scope per machine instead of an actor system per node, and its delayed transitions scheduled
 * directly on the simulation's heap clock. The semantics an actor gives are kept, in the same order:
 *
 * - events sent while the machine is processing one (from a listener or an observer) wait in its queue;
 * - actions run during the transition, as xstate resolves them; emitted events reach listeners, and delayed
 *   events are scheduled or cancelled, once the new snapshot is in place, in the order xstate deferred them,
 *   before observers hear of it; observers get every snapshot of an active machine.
 *
 * It offers the part of `Actor` the simulation uses (`start`, `send`, `getSnapshot`, `subscribe`, `on("*")`,
 * `stop`), so the machines stay the design's definitions and are tested as such with `createActor`.
 */
export class MachineDriver<M extends AnyStateMachine> {
  private snapshot: SnapshotFrom<M>;
  private readonly queue: EventFromLogic<M>[] = [];
  private processing = false;
  private started = false;
  private stopped = false;
  private readonly deferred: (() => void)[] = [];
  private readonly timers = new Map<string, number>();
  private readonly observers: ((snapshot: SnapshotFrom<M>) => void)[] = [];
  private readonly listeners: ((emitted: EmittedFrom<M>) => void)[] = [];
  private readonly scope: unknown;

  constructor(
    private readonly machine: M,
    private readonly clock: DriverClock,
    input: InputFrom<M>,
  ) {
    const self = {
      id: machine.id,
      sessionId: machine.id,
      send: (event: EventFromLogic<M>) => this.send(event),
      getSnapshot: () => this.snapshot,
    };
    const scheduler = {
      schedule: (_source: unknown, _target: unknown, event: EventFromLogic<M>, delay: number, id: string) => {
        this.timers.set(
          id,
          this.clock.schedule(delay, () => {
            this.timers.delete(id);
            this.send(event);
          }),
        );
      },
      cancel: (_source: unknown, id: string) => {
        const timer = this.timers.get(id);
        if (timer === undefined) return;
        this.timers.delete(id);
        this.clock.cancel(timer);
      },
    };
    this.scope = {
      self,
      id: machine.id,
      sessionId: machine.id,
      logger: () => {},
      defer: (fn: () => void) => this.deferred.push(fn),
      system: { scheduler, _sendInspectionEvent: () => {}, _clock: clock },
      stopChild: () => {},
      emit: (emitted: EmittedFrom<M>) => {
        for (const listener of this.listeners) listener(emitted);
      },
      actionExecutor: (action: ExecutableAction) => action.exec?.(action.info, action.params),
    };
    this.snapshot = machine.getInitialSnapshot(this.scope as never, input) as SnapshotFrom<M>;
  }

  getSnapshot(): SnapshotFrom<M> {
    return this.snapshot;
  }

  /** Every snapshot from the start on (the initial one included, at `start`). */
  subscribe(observer: (snapshot: SnapshotFrom<M>) => void): void {
    this.observers.push(observer);
  }

  /** Every emitted event (only the wildcard is offered: the simulation listens to them all). */
  on(_type: "*", listener: (emitted: EmittedFrom<M>) => void): void {
    this.listeners.push(listener);
  }

  /** Runs the initial state's deferred effects, tells observers, then takes the events sent before. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.processing = true;
    try {
      this.flushDeferred();
      for (const observer of this.observers) observer(this.snapshot);
    } finally {
      this.processing = false;
    }
    this.drain();
  }

  send(event: EventFromLogic<M>): void {
    if (this.stopped) return;
    this.queue.push(event);
    if (this.started && !this.processing) this.drain();
  }

  /** Cancels every pending delayed event; later sends are dropped. */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    for (const timer of this.timers.values()) this.clock.cancel(timer);
    this.timers.clear();
  }

  private drain(): void {
    this.processing = true;
    try {
      for (let event = this.queue.shift(); event !== undefined; event = this.queue.shift()) {
        const next = this.machine.transition(this.snapshot, event, this.scope as never) as SnapshotFrom<M>;
        this.snapshot = next;
        this.flushDeferred();
        if ((next as { status: string }).status !== "active") continue;
        for (const observer of this.observers) observer(next);
      }
    } finally {
      this.processing = false;
    }
  }

  private flushDeferred(): void {
    for (let fn = this.deferred.shift(); fn !== undefined; fn = this.deferred.shift()) fn();
  }
}
