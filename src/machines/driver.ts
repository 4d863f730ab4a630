import {
  type AnyStateMachine,
  type EmittedFrom,
  type EventFromLogic,
  type InputFrom,
  initialTransition,
  type SnapshotFrom,
  transition,
} from "xstate";
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
   * (any other machine on xstate's public `transition()`); `xstate`: always xstate's `transition()`.
   */
  engine?: "compiled" | "xstate";
}

/** An action as xstate's `transition()` returns it (xstate's `ExecutableActionObject`). */
interface ExecutableAction {
  type: string;
  info: unknown;
  params: unknown;
  exec: ((info: never, params: never) => void) | undefined;
}

/**
 * Runs an xstate machine definition without an actor, with its delayed transitions scheduled directly on
 * the simulation's heap clock. A flat machine (the node's, the agent's) goes through `compile`
 * (src/machines/compiled.ts): xstate's algorithm without its general-case sets and snapshot copies, an
 * order of magnitude cheaper per event. Any other machine, or any machine with `engine: "xstate"`, goes
 * through xstate's public, pure `initialTransition()` / `transition()`, whose returned actions the driver
 * executes: emitted events reach listeners, delayed raises are scheduled on the clock (and cancelled by
 * id), a machine's own action functions run. The semantics an actor gives are kept, in the same order:
 *
 * - events sent while the machine is processing one (from a listener or an observer) wait in its queue;
 * - action functions run during the step (before the snapshot is in place); emitted events reach
 *   listeners, and delayed events are scheduled or cancelled, once the new snapshot is in place, in the
 *   order xstate resolved them, before observers hear of it; observers get every snapshot of an active
 *   machine.
 *
 * It offers the part of `Actor` the simulation uses (`start`, `send`, `getSnapshot`, `subscribe`, `on("*")`,
 * `stop`), so the machines stay the design's definitions and are tested as such with `createActor`. There
 * is no actor system: a machine that spawns, invokes or sends to other actors is refused with a message.
 */
export class MachineDriver<M extends AnyStateMachine> {
  private snapshot: DrivenSnapshot<M>;
  private readonly queue: EventFromLogic<M>[] = [];
  private processing = false;
  private started = false;
  private stopped = false;
  private readonly deferred: (() => void)[] = [];
  private readonly timers = new Map<unknown, number>();
  private readonly observers: ((snapshot: DrivenSnapshot<M>) => void)[] = [];
  private readonly listeners: ((emitted: EmittedFrom<M>) => void)[] = [];
  private readonly self: { id: string; sessionId: string; send(event: EventFromLogic<M>): void };
  private readonly compiled: CompiledMachine | undefined;
  private readonly compiledScope: CompiledScope;

  constructor(
    private readonly machine: M,
    private readonly clock: DriverClock,
    input: InputFrom<M>,
    options: DriverOptions = {},
  ) {
    this.self = {
      id: machine.id,
      sessionId: machine.id,
      send: (event: EventFromLogic<M>) => this.send(event),
    };
    const self = Object.assign(this.self, { getSnapshot: () => this.snapshot });
    this.compiledScope = {
      self,
      system: undefined,
      defer: (fn) => this.deferred.push(fn),
      emit: (emitted) => this.emit(emitted as EmittedFrom<M>),
      schedule: (event, delay, id) => this.schedule(event as EventFromLogic<M>, delay, id),
      cancel: (id) => this.cancelTimer(id),
    };
    this.compiled = options.engine === "xstate" ? undefined : compile(machine);
    if (this.compiled) {
      this.snapshot = this.compiled.initial(this.compiledScope, input) as unknown as DrivenSnapshot<M>;
    } else {
      const [snapshot, actions] = (initialTransition as (m: M, i: unknown) => [unknown, ExecutableAction[]])(
        machine,
        input,
      );
      this.snapshot = snapshot as DrivenSnapshot<M>;
      // As an actor does before it starts: the initial state's action functions, then its effects, at `start`.
      const { run, effects } = this.plan(actions);
      this.deferred.push(...run, ...effects);
    }
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
          : this.step(event);
        this.snapshot = next;
        this.flushDeferred();
        if ((next as { status: string }).status !== "active") continue;
        for (const observer of this.observers) observer(next);
      }
    } finally {
      this.processing = false;
    }
  }

  /** One step on xstate's public `transition()`: its action functions run now, its effects once it is in place. */
  private step(event: EventFromLogic<M>): DrivenSnapshot<M> {
    const [next, actions] = (
      transition as (m: M, s: unknown, e: unknown) => [DrivenSnapshot<M>, ExecutableAction[]]
    )(this.machine, this.snapshot, event);
    const { run, effects } = this.plan(actions);
    for (const fn of run) fn();
    this.deferred.push(...effects);
    return next;
  }

  /**
   * What the actions xstate returns do: `run`, the machine's own action functions (given this driver as
   * `self`); `effects`, what an actor defers to after the step — emitted events, delayed raises, cancels.
   */
  private plan(actions: readonly ExecutableAction[]): { run: (() => void)[]; effects: (() => void)[] } {
    const run: (() => void)[] = [];
    const effects: (() => void)[] = [];
    for (const action of actions) {
      switch (action.type) {
        case "xstate.emit": {
          const { event } = action.params as { event: EmittedFrom<M> };
          effects.push(() => this.emit(event));
          break;
        }
        case "xstate.raise": {
          // A raise without a delay was taken within the step; only a delayed one is left to do.
          const { event, delay, id } = action.params as {
            event: EventFromLogic<M>;
            delay?: number;
            id?: string;
          };
          if (typeof delay === "number") effects.push(() => this.schedule(event, delay, id));
          break;
        }
        case "xstate.cancel": {
          const { sendId } = action.params as { sendId: unknown };
          effects.push(() => this.cancelTimer(sendId));
          break;
        }
        case "xstate.log":
          break;
        case "xstate.sendTo":
        case "xstate.sendParent":
        case "xstate.spawnChild":
        case "xstate.stopChild":
          throw new Error(
            `machine ${this.machine.id}: ${action.type} needs an actor system, which the machine driver does not have`,
          );
        default: {
          const exec = action.exec;
          if (!exec) break;
          const info = { ...(action.info as object), self: this.self };
          run.push(() => exec(info as never, action.params as never));
        }
      }
    }
    return { run, effects };
  }

  private emit(emitted: EmittedFrom<M>): void {
    for (const listener of this.listeners) listener(emitted);
  }

  /** A delayed event on the clock, kept by its id to be cancelled (as xstate's scheduler keeps it; no id: its own key). */
  private schedule(event: EventFromLogic<M>, delay: number, id: unknown): void {
    const key = id ?? {};
    this.timers.set(
      key,
      this.clock.schedule(delay, () => {
        this.timers.delete(key);
        this.send(event);
      }),
    );
  }

  private cancelTimer(id: unknown): void {
    const timer = this.timers.get(id);
    if (timer === undefined) return;
    this.timers.delete(id);
    this.clock.cancel(timer);
  }

  private flushDeferred(): void {
    for (let fn = this.deferred.shift(); fn !== undefined; fn = this.deferred.shift()) fn();
  }
}
