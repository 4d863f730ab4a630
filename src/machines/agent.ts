import { and, assign, not, setup } from "xstate";

/**
 * What the Palette agent persists on the host (a plain object), so it survives an agent restart:
 * the profile it is rolling out, the nodes already done in that rollout, the update waiting behind it,
 * and the last profile fully applied.
 */
export interface AgentRecord {
  /** Profile of the rollout in progress; null when none. */
  target: string | null;
  doneNodes: string[];
  /** The latest update not yet started (later updates replace it: latest wins). */
  pending: string | null;
  /** The last profile the agent applied to every node. */
  applied: string;
  /** Why the last rollout halted, when it did. */
  failure: string | null;
}

/**
 * Nodes done in the current rollout, as an immutable list that shares its tail: appending is O(1), so a
 * 4,000-node rollout does not copy a growing array at every node (that made the agent quadratic).
 */
export interface DoneList {
  node: string;
  size: number;
  previous: DoneList | null;
}

export interface AgentContext {
  /** The persisted record, except its done nodes, which live in `done` (see `agentRecord`). */
  record: Omit<AgentRecord, "doneNodes">;
  done: DoneList | null;
  kubernetesUp: boolean;
  restartMs: number;
  /** Kubernetes came back while the agent was restarting: on resume it acts as if it saw KUBERNETES_UP. */
  upWhileRestarting: boolean;
}

export interface AgentInput {
  profile: string;
  restartMs: number;
  kubernetesUp?: boolean;
}

export type AgentEvent =
  | { type: "UPDATE"; profile: string }
  | { type: "KUBERNETES_DOWN" }
  | { type: "KUBERNETES_UP" }
  | { type: "NODE_DONE"; node: string }
  | { type: "ROLLOUT_FINISHED" }
  | { type: "ROLLOUT_FAILED"; reason: string }
  /** The rollout is refused before any node moved (Kubernetes version skew): dropped, applied unchanged. */
  | { type: "ROLLOUT_REFUSED" }
  | { type: "AGENT_RESTART" };

export type AgentStateName =
  | "Idle"
  | "UpdatePending"
  | "BlockedKubernetesDown"
  | "Applying"
  | "Failed"
  | "Restarting";

/**
 * The Palette agent on the cluster.
 * - Idle → UpdatePending → Applying when Kubernetes is up, → BlockedKubernetesDown while it is down (Palette
 *   applies nothing then); KUBERNETES_UP moves a blocked agent on.
 * - Coalescing: an update arriving while another is pending or blocked replaces it, so once Kubernetes is back
 *   the agent applies only the latest profile, once.
 * - An update arriving while Applying waits as `pending` and starts after the rollout finishes — except when
 *   the rollout was paused by a Kubernetes outage: when Kubernetes comes back with an update pending, the
 *   rollout is retargeted to that latest profile (remaining nodes go straight to it).
 * - AGENT_RESTART (any state): the agent is down for `restartMs` (no reaction, except that Kubernetes state
 *   and newly published updates are noted, as the agent re-reads both when it starts), then resumes from its
 *   persisted record: a rollout in progress continues with the nodes not yet done — or, when Kubernetes came
 *   back from an outage meanwhile and an update is pending, is retargeted to it (as on KUBERNETES_UP).
 * - Failed: a halted rollout; the agent stays there (an operator has to step in), noting later updates.
 */
export const agentMachine = setup({
  types: {
    context: {} as AgentContext,
    events: {} as AgentEvent,
    input: {} as AgentInput,
  },
  delays: {
    restart: ({ context }) => context.restartMs,
  },
  guards: {
    kubernetesUp: ({ context }) => context.kubernetesUp,
    hasPending: ({ context }) => context.record.pending !== null,
    applying: ({ context }) => context.record.target !== null,
    halted: ({ context }) => context.record.failure !== null,
    upWhileRestarting: ({ context }) => context.upWhileRestarting,
  },
  actions: {
    notePending: assign(({ context, event }) =>
      event.type === "UPDATE" ? { record: { ...context.record, pending: event.profile } } : {},
    ),
    startRollout: assign(({ context }) => ({
      record: { ...context.record, target: context.record.pending, pending: null },
      done: null,
    })),
    // The controller reports each node once per rollout, so no duplicate check (which would be O(n)).
    markDone: assign(({ context, event }) => {
      if (event.type !== "NODE_DONE") return {};
      return { done: { node: event.node, size: (context.done?.size ?? 0) + 1, previous: context.done } };
    }),
    finishRollout: assign(({ context }) => ({
      record: { ...context.record, applied: context.record.target ?? context.record.applied, target: null },
      done: null,
    })),
    dropRollout: assign(({ context }) => ({ record: { ...context.record, target: null }, done: null })),
    recordFailure: assign(({ context, event }) =>
      event.type === "ROLLOUT_FAILED" ? { record: { ...context.record, failure: event.reason } } : {},
    ),
    kubernetesDown: assign({ kubernetesUp: false }),
    kubernetesUp: assign({ kubernetesUp: true }),
    noteUpWhileRestarting: assign(({ context }) => ({
      upWhileRestarting: context.upWhileRestarting || !context.kubernetesUp,
    })),
    clearUpWhileRestarting: assign({ upWhileRestarting: false }),
  },
}).createMachine({
  id: "agent",
  context: ({ input }) => ({
    record: { target: null, pending: null, applied: input.profile, failure: null },
    done: null,
    kubernetesUp: input.kubernetesUp ?? true,
    restartMs: input.restartMs,
    upWhileRestarting: false,
  }),
  initial: "Idle",
  on: {
    KUBERNETES_DOWN: { actions: "kubernetesDown" },
    KUBERNETES_UP: { actions: "kubernetesUp" },
    AGENT_RESTART: { target: ".Restarting", reenter: true },
  },
  states: {
    Idle: {
      on: { UPDATE: { target: "UpdatePending", actions: "notePending" } },
    },
    UpdatePending: {
      always: [
        { guard: "kubernetesUp", target: "Applying", actions: "startRollout" },
        { target: "BlockedKubernetesDown" },
      ],
    },
    BlockedKubernetesDown: {
      on: {
        UPDATE: { actions: "notePending" },
        KUBERNETES_UP: { target: "UpdatePending", actions: "kubernetesUp" },
      },
    },
    Applying: {
      on: {
        UPDATE: { actions: "notePending" },
        NODE_DONE: { actions: "markDone" },
        ROLLOUT_FINISHED: [
          { guard: "hasPending", target: "UpdatePending", actions: "finishRollout" },
          { target: "Idle", actions: "finishRollout" },
        ],
        ROLLOUT_FAILED: { target: "Failed", actions: "recordFailure" },
        ROLLOUT_REFUSED: [
          { guard: "hasPending", target: "UpdatePending", actions: "dropRollout" },
          { target: "Idle", actions: "dropRollout" },
        ],
        // The rollout was paused by the outage; resume it towards the latest profile, not the stale one.
        KUBERNETES_UP: [
          {
            guard: and(["hasPending", not("kubernetesUp")]),
            target: "UpdatePending",
            actions: "kubernetesUp",
          },
          { actions: "kubernetesUp" },
        ],
      },
    },
    Failed: {
      on: { UPDATE: { actions: "notePending" } },
    },
    Restarting: {
      on: {
        UPDATE: { actions: "notePending" },
        KUBERNETES_UP: { actions: ["noteUpWhileRestarting", "kubernetesUp"] },
      },
      after: {
        restart: [
          { guard: "halted", target: "Failed", actions: "clearUpWhileRestarting" },
          // Same as KUBERNETES_UP while Applying: a rollout the outage paused is retargeted to the latest.
          {
            guard: and(["applying", "hasPending", "upWhileRestarting"]),
            target: "UpdatePending",
            actions: "clearUpWhileRestarting",
          },
          { guard: "applying", target: "Applying", actions: "clearUpWhileRestarting" },
          { guard: "hasPending", target: "UpdatePending", actions: "clearUpWhileRestarting" },
          { target: "Idle", actions: "clearUpWhileRestarting" },
        ],
      },
    },
  },
});

export type AgentMachine = typeof agentMachine;

/** The persisted record, as a plain object (done nodes in the order they finished). */
export function agentRecord(context: AgentContext): AgentRecord {
  const doneNodes: string[] = [];
  for (let item = context.done; item; item = item.previous) doneNodes.push(item.node);
  return { ...context.record, doneNodes: doneNodes.reverse() };
}
