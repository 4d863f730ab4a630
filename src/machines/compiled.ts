import { type AnyStateMachine, assign, cancel, emit, raise } from "xstate";

/**
 * xstate's transition algorithm (SCXML's microstep/macrostep) specialised, once per machine, to *flat*
 * machines: a root whose states are all atomic, as the node and agent machines are. For them the
 * algorithm's general work — sets of state nodes, transition domains, entry and exit sets, a new
 * snapshot object per action — reduces to: pick the first enabled transition of the state (else of the
 * root), run the state's exit actions, the transition's, then the target's entry actions; then eventless
 * (`always`) transitions and raised events, as xstate orders them. It reads the machine's own state
 * nodes, guards, actions and delays (the definitions stay xstate's, tested as such); `compile` refuses
 * (returns undefined for) any machine using something outside that, and such a machine is run by
 * xstate's own `transition`.
 *
 * What it keeps of xstate, in the same order: guards get `{ context, event }` and their params; actions
 * are resolved in order, each `assign` giving later ones the new context (`Object.assign({}, context,
 * update)`, as xstate builds it); `emit`, delayed `raise` and `cancel` are deferred to after the step, in
 * the order they were resolved; plain function actions run as they are resolved; `enqueueActions`
 * resolves what it enqueues in place; the initial context comes from the machine's context factory.
 */

/**
 * The xstate internals this engine reads (beyond the public API), exactly these; checked on the pinned
 * version by test/machines/xstate-seam.test.ts, which fails naming the internal when one is gone or
 * changed, and fails on any xstate upgrade until they are re-read here and XSTATE_VERIFIED is updated:
 * - the machine's `root`, `implementations`, `config` and `resolveState`;
 * - its implementations' `actions`, `guards` and `delays`; its config's `context` and `output`;
 * - each state node's `key`, `type`, `parent`, `states`, `entry`, `exit`, `always`, `invoke`,
 *   `transitions` (a Map from event descriptor to transitions) and `initial`, whose `target` and
 *   `actions` are read;
 * - each transition's `target`, `source`, `actions` and `guard`;
 * - a built-in action's `type` and `resolve` (to tell it), and its arguments: `assignment`
 *   (`xstate.assign`), `event` (`xstate.emit`, `xstate.raise`), `delay` and `id` (`xstate.raise`),
 *   `sendId` (`xstate.cancel`), `collect` (`xstate.enqueueActions`);
 * - a built-in guard's `check` (`and`, `or`, `not`, `stateIn`).
 */
export const XSTATE_VERIFIED = "5.33.3";
export const XSTATE_INTERNALS_READ = {
  machine: ["root", "implementations", "config", "resolveState"],
  implementations: ["actions", "guards", "delays"],
  config: ["context", "output"],
  stateNode: [
    "key",
    "type",
    "parent",
    "states",
    "entry",
    "exit",
    "always",
    "invoke",
    "transitions",
    "initial",
  ],
  initial: ["target", "actions"],
  transition: ["target", "source", "actions", "guard"],
  builtinAction: ["type", "resolve"],
  builtinArguments: {
    "xstate.assign": ["assignment"],
    "xstate.emit": ["event"],
    "xstate.raise": ["event", "delay", "id"],
    "xstate.cancel": ["sendId"],
    "xstate.enqueueActions": ["collect"],
  },
  builtinGuard: ["check"],
} as const;

type Fn = (...args: never[]) => unknown;

interface XStateNode {
  key: string;
  type: string;
  parent?: XStateNode;
  states: Record<string, XStateNode>;
  entry: unknown[];
  exit: unknown[];
  always?: XTransition[];
  invoke: unknown[];
  transitions: Map<string, XTransition[]>;
  initial?: { target: XStateNode[]; actions: unknown[] };
}

interface XTransition {
  target?: XStateNode[];
  source: XStateNode;
  actions: unknown[];
  guard?: unknown;
}

interface Implementations {
  actions: Record<string, unknown>;
  guards: Record<string, unknown>;
  delays: Record<string, unknown>;
}

/** What the compiled machine calls back: the driver's scheduler, listeners and deferred queue. */
export interface CompiledScope {
  self: unknown;
  system: unknown;
  defer(fn: () => void): void;
  emit(event: unknown): void;
  schedule(event: unknown, delay: number, id: string | undefined): void;
  cancel(id: unknown): void;
}

/** A snapshot of a flat machine: its state's key, its context (always active: no final states). */
export interface FlatSnapshot {
  status: "active";
  value: string;
  context: unknown;
}

interface Step {
  state: XStateNode;
  context: unknown;
}

const BUILTINS: ReadonlySet<string> = new Set(Object.keys(XSTATE_INTERNALS_READ.builtinArguments));

const compiled = new WeakMap<AnyStateMachine, CompiledMachine | null>();

/** The machine compiled, or undefined when it is not flat or uses what this does not run (then use xstate). */
export function compile(machine: AnyStateMachine): CompiledMachine | undefined {
  let hit = compiled.get(machine);
  if (hit === undefined) {
    hit = supported(machine) ? new CompiledMachine(machine) : null;
    compiled.set(machine, hit);
  }
  return hit ?? undefined;
}

function supported(machine: AnyStateMachine): boolean {
  const root = machine.root as unknown as XStateNode;
  const impl = (machine as unknown as { implementations: Implementations }).implementations;
  const config = machine.config as { context?: unknown; output?: unknown };
  if (root.type !== "compound" || root.entry.length > 0 || root.exit.length > 0 || root.always) return false;
  if (root.invoke.length > 0 || !root.initial || root.initial.actions.length > 0) return false;
  if (root.initial.target.length !== 1 || root.initial.target[0]?.parent !== root) return false;
  if (config.output !== undefined) return false;
  const children = Object.values(root.states);
  const actionOk = (action: unknown): boolean => {
    if (typeof action === "function")
      return !("resolve" in action) || BUILTINS.has(String((action as { type?: unknown }).type));
    const name = typeof action === "string" ? action : (action as { type?: unknown })?.type;
    if (typeof name !== "string") return false;
    const resolved = impl.actions[name];
    return resolved === undefined || (typeof resolved === "function" && actionOk(resolved));
  };
  const transitionOk = (t: XTransition): boolean => {
    if (!t.actions.every(actionOk)) return false;
    if (!t.target || t.target.length === 0) return true;
    if (t.target.length !== 1) return false;
    const target = t.target[0] as XStateNode;
    // A child's transition to itself is entered differently (reenter or not): left to xstate.
    return target.parent === root && target !== t.source;
  };
  for (const node of [root, ...children]) {
    for (const [descriptor, transitions] of node.transitions) {
      if (descriptor.includes("*")) return false;
      if (!transitions.every(transitionOk)) return false;
    }
  }
  for (const child of children) {
    if (child.type !== "atomic" || child.invoke.length > 0) return false;
    if (!child.entry.every(actionOk) || !child.exit.every(actionOk)) return false;
    if (child.always && !child.always.every(transitionOk)) return false;
  }
  return true;
}

/** An action's argument as xstate takes it: a value, or a function of the action's arguments and params. */
function evaluate(expr: unknown, args: unknown, params: unknown): unknown {
  return typeof expr === "function" ? (expr as Fn)(args as never, params as never) : expr;
}

function paramsOf(item: unknown, context: unknown, event: unknown): unknown {
  if (typeof item !== "object" || item === null || !("params" in item)) return undefined;
  const params = (item as { params: unknown }).params;
  return typeof params === "function" ? params({ context, event }) : params;
}

export class CompiledMachine {
  private readonly root: XStateNode;
  private readonly impl: Implementations;

  constructor(private readonly machine: AnyStateMachine) {
    this.root = machine.root as unknown as XStateNode;
    this.impl = (machine as unknown as { implementations: Implementations }).implementations;
  }

  /** xstate's `getInitialSnapshot`: the context from its factory, the initial state entered, then settled. */
  initial(scope: CompiledScope, input: unknown): FlatSnapshot {
    const event = { type: "xstate.init", input };
    const factory = (this.machine.config as { context?: unknown }).context;
    let context: unknown = typeof factory !== "function" && factory ? factory : {};
    if (typeof factory === "function")
      context = Object.assign({}, context, factory({ spawn: noSpawn, input, self: scope.self }));
    const queue: unknown[] = [];
    const target = (this.root.initial as { target: XStateNode[] }).target[0] as XStateNode;
    const step: Step = { state: target, context };
    step.context = this.resolve(target.entry, target, step.context, event, scope, queue);
    return this.settle(step, event, scope, queue);
  }

  /** xstate's `transition` (one macrostep) from `snapshot` on `event`. */
  transition(snapshot: FlatSnapshot, event: { type: string }, scope: CompiledScope): FlatSnapshot {
    const queue: unknown[] = [];
    const state = this.root.states[snapshot.value] as XStateNode;
    const step: Step = { state, context: snapshot.context };
    const selected = this.select(state, step.context, event);
    if (selected) this.microstep(step, selected, event, scope, queue);
    const next = this.settle(step, event, scope, queue);
    // Nothing changed: xstate hands back the same snapshot object.
    return next.value === snapshot.value && next.context === snapshot.context ? snapshot : next;
  }

  /** Eventless transitions, then raised events, until the machine rests (xstate's macrostep loop). */
  private settle(step: Step, first: unknown, scope: CompiledScope, queue: unknown[]): FlatSnapshot {
    let event = first;
    let eventless = true;
    for (;;) {
      let transition: XTransition | undefined = eventless
        ? this.eventless(step.state, step.context, event)
        : undefined;
      const before: Step | undefined = transition ? { state: step.state, context: step.context } : undefined;
      if (!transition) {
        if (queue.length === 0) break;
        event = queue.shift();
        transition = this.select(step.state, step.context, event as { type: string });
      }
      if (transition) this.microstep(step, transition, event, scope, queue);
      eventless = !before || before.state !== step.state || before.context !== step.context;
    }
    return { status: "active", value: step.state.key, context: step.context };
  }

  private microstep(
    step: Step,
    t: XTransition,
    event: unknown,
    scope: CompiledScope,
    queue: unknown[],
  ): void {
    // Every action of the step sees the state it started from, as in xstate.
    const source = step.state;
    const target = t.target?.[0];
    if (target) step.context = this.resolve(source.exit, source, step.context, event, scope, queue);
    step.context = this.resolve(t.actions, source, step.context, event, scope, queue);
    if (target) {
      step.context = this.resolve(target.entry, source, step.context, event, scope, queue);
      step.state = target;
    }
  }

  /** The first enabled transition of `state` for the event, else of the root (xstate's `next`). */
  private select(state: XStateNode, context: unknown, event: { type: string }): XTransition | undefined {
    return (
      this.first(state.transitions.get(event.type), state, context, event) ??
      this.first(this.root.transitions.get(event.type), state, context, event)
    );
  }

  private eventless(state: XStateNode, context: unknown, event: unknown): XTransition | undefined {
    return state.always ? this.first(state.always, state, context, event) : undefined;
  }

  private first(
    candidates: XTransition[] | undefined,
    state: XStateNode,
    context: unknown,
    event: unknown,
  ): XTransition | undefined {
    if (!candidates) return undefined;
    for (const candidate of candidates)
      if (candidate.guard === undefined || this.guard(candidate.guard, state, context, event))
        return candidate;
    return undefined;
  }

  /** xstate's `evaluateGuard`; its built-in combinators (`and`, `not`…) check against a real snapshot. */
  private guard(guard: unknown, state: XStateNode, context: unknown, event: unknown): boolean {
    const inline = typeof guard === "function";
    const name = typeof guard === "string" ? guard : (guard as { type: string }).type;
    const resolved = inline ? guard : this.impl.guards[name];
    if (!inline && !resolved) throw new Error(`Guard '${name}' is not implemented.'.`);
    if (typeof resolved !== "function") return this.guard(resolved, state, context, event);
    const args = { context, event };
    const params = inline || typeof guard === "string" ? undefined : paramsOf(guard, context, event);
    if (!("check" in resolved)) return Boolean((resolved as Fn)(args as never, params as never));
    const snapshot = this.machine.resolveState({ value: state.key, context });
    return Boolean((resolved as { check: Fn }).check(snapshot as never, args as never, resolved as never));
  }

  /** Resolves `actions` in order from `context`; returns the context they leave (xstate's resolution). */
  private resolve(
    actions: readonly unknown[],
    state: XStateNode,
    start: unknown,
    event: unknown,
    scope: CompiledScope,
    queue: unknown[],
  ): unknown {
    let context = start;
    for (const action of actions) {
      const inline = typeof action === "function";
      const resolved = (
        inline
          ? action
          : this.impl.actions[typeof action === "string" ? action : (action as { type: string }).type]
      ) as (Fn & Record<string, unknown>) | undefined;
      const params = inline || typeof action === "string" ? undefined : paramsOf(action, context, event);
      const builtin = resolved !== undefined && "resolve" in resolved;
      const type = builtin ? resolved.type : undefined;
      // The action's arguments, made only for the actions that read them (an assign makes its own).
      const args =
        type === "xstate.assign" ? undefined : { context, event, self: scope.self, system: scope.system };
      if (!builtin) {
        resolved?.(args as never, params as never);
        continue;
      }
      switch (type) {
        case "xstate.assign": {
          const assignment = resolved.assignment as Fn | Record<string, unknown>;
          const assignArgs = { context, event, spawn: noSpawn, self: scope.self, system: scope.system };
          let update: Record<string, unknown> = {};
          if (typeof assignment === "function")
            update = assignment(assignArgs as never, params as never) as never;
          else
            for (const key of Object.keys(assignment)) {
              const part = assignment[key];
              update[key] = evaluate(part, assignArgs, params);
            }
          context = Object.assign({}, context, update);
          break;
        }
        case "xstate.emit": {
          const expr = resolved.event;
          const emitted = evaluate(expr, args, params);
          scope.defer(() => scope.emit(emitted));
          break;
        }
        case "xstate.raise": {
          const expr = resolved.event;
          if (typeof expr === "string")
            throw new Error(
              `Only event objects may be used with raise; use raise({ type: "${expr}" }) instead`,
            );
          const raised = evaluate(expr, args, params);
          const delay = resolved.delay;
          const ms = evaluate(typeof delay === "string" ? this.impl.delays[delay] : delay, args, params);
          if (typeof ms !== "number") queue.push(raised);
          else {
            const id = resolved.id as string | undefined;
            scope.defer(() => scope.schedule(raised, ms, id));
          }
          break;
        }
        case "xstate.cancel": {
          const sendId = resolved.sendId;
          const id = evaluate(sendId, args, params);
          scope.defer(() => scope.cancel(id));
          break;
        }
        case "xstate.enqueueActions": {
          const enqueued: unknown[] = [];
          const enqueue = Object.assign((a: unknown) => enqueued.push(a), {
            assign: (...a: unknown[]) => enqueued.push((assign as Fn)(...(a as never[]))),
            emit: (...a: unknown[]) => enqueued.push((emit as Fn)(...(a as never[]))),
            raise: (...a: unknown[]) => enqueued.push((raise as Fn)(...(a as never[]))),
            cancel: (...a: unknown[]) => enqueued.push((cancel as Fn)(...(a as never[]))),
            sendTo: unsupported("enqueue.sendTo"),
            sendParent: unsupported("enqueue.sendParent"),
            spawnChild: unsupported("enqueue.spawnChild"),
            stopChild: unsupported("enqueue.stopChild"),
          });
          const at = context;
          (resolved.collect as Fn)(
            {
              context,
              event,
              enqueue,
              check: (g: unknown) => this.guard(g, state, at, event),
              self: scope.self,
              system: scope.system,
            } as never,
            params as never,
          );
          context = this.resolve(enqueued, state, context, event, scope, queue);
          break;
        }
        default:
          throw new Error(`${String(type)} is not run by the compiled machine driver`);
      }
    }
    return context;
  }
}

function noSpawn(): never {
  throw new Error("spawning actors is not run by the compiled machine driver");
}

function unsupported(what: string): () => never {
  return () => {
    throw new Error(`${what} is not run by the compiled machine driver`);
  };
}
