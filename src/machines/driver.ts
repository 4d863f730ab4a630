import type { AnyStateMachine, EmittedFrom, EventFromLogic, InputFrom, SnapshotFrom } from "xstate";
import { type CompiledMachine, type CompiledScope, compile, type FlatSnapshot } from "./compiled.js";

/** The clock a driven machine's delayed transitions (`after`) run on. */
export interface DriverClock {
  schedule(delayMs: number, fn: () => void): number;
  cancel(id: number): void;
}

/** What a driven machine's snapshot offers: its state, its context and its status. */
export type DrivenSnapshot<M extends AnyStateMachine> = Pick<SnapshotFrom<M>, "value" | "context" | "status">;

export interface DriverOptions {
  /**
   * `compiled` (the default): a flat machine runs on `compile`'s specialisation of xstate's algorithm
   * (any other machine on xstate's `transition`); `xstate`: always xstate's `transition`.
   */
  engine?: "compiled" | "xstate";
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
 * `stop`), so the machines stay the design's definitions and are tested as such with `createActor`. A flat
 * machine (the node's, the agent's) goes through `compile` (src/machines/compiled.ts): the same algorithm
 * without its general-case sets and snapshot copies, an order of magnitude cheaper per event.
 */
export class MachineDriver<M extends AnyStateMachine> {
  private snapshot: DrivenSnapshot<M>;
  private readonly queue: EventFromLogic<M>[] = [];
  private processing = false;
  private started = false;
  private stopped = false;
  private readonly deferred: (() => void)[] = [];
  private readonly timers = new Map<string, number>();
  private readonly observers: ((snapshot: DrivenSnapshot<M>) => void)[] = [];
  private readonly listeners: ((emitted: EmittedFrom<M>) => void)[] = [];
  private readonly scope: unknown;
  private readonly compiled: CompiledMachine | undefined;
  private readonly compiledScope: CompiledScope;

  constructor(
    private readonly machine: M,
    private readonly clock: DriverClock,
    input: InputFrom<M>,
    options: DriverOptions = {},
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
    const system = (this.scope as { system: unknown }).system;
    this.compiledScope = {
      self,
      system,
      defer: (fn) => this.deferred.push(fn),
      emit: (emitted) => {
        for (const listener of this.listeners) listener(emitted as EmittedFrom<M>);
      },
      schedule: (event, delay, id) =>
        scheduler.schedule(self, self, event as EventFromLogic<M>, delay, id as string),
      cancel: (id) => scheduler.cancel(self, id as string),
    };
    this.compiled = options.engine === "xstate" ? undefined : compile(machine);
    this.snapshot = this.compiled
      ? (this.compiled.initial(this.compiledScope, input) as unknown as DrivenSnapshot<M>)
      : (machine.getInitialSnapshot(this.scope as never, input) as SnapshotFrom<M>);
  }

  getSnapshot(): DrivenSnapshot<M> {
    return this.snapshot;
  }

  /** Every snapshot from the start on (the initial one included, at `start`). */
  subscribe(observer: (snapshot: DrivenSnapshot<M>) => void): void {
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
        const next = this.compiled
          ? (this.compiled.transition(
              this.snapshot as unknown as FlatSnapshot,
              event,
              this.compiledScope,
            ) as unknown as DrivenSnapshot<M>)
          : (this.machine.transition(
              this.snapshot as never,
              event,
              this.scope as never,
            ) as unknown as DrivenSnapshot<M>);
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
