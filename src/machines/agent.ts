import { and, assign, enqueueActions, not, setup } from "xstate";
import { varied } from "../shared/variation.js";

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
  /** Back from a restart, until the state it resumes into says so (`agent-resumed`). */
  resuming: boolean;
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

/** What the agent says happened (the controller stamps each with the time). */
export type AgentEmitted =
  | { type: "update-coalesced"; profile: string; superseded: string }
  | { type: "agent-blocked"; profile: string | null; reason: "kubernetes-down" }
  | {
      type: "agent-resumed";
      state: AgentStateName;
      target: string | null;
      doneNodes: number;
      pending: string | null;
    };

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
 * - An update arriving while Applying waits as `pending` and starts after the rollout finishes: no upgrade
 *   starts until the previous one has completed (Release Notes, 4.9.14, Edge bug fixes). That holds for a
 *   rollout an outage paused too: when Kubernetes comes back it resumes to its own target, and the latest
 *   update pending behind it starts once it is done.
 * - AGENT_RESTART (any state): the agent is down for `restartMs` (no reaction, except that Kubernetes state
 *   and newly published updates are noted, as the agent re-reads both when it starts), then resumes from its
 *   persisted record: a rollout in progress continues with the nodes not yet done.
 * - Failed: a halted rollout; the agent stays there (an operator has to step in), noting later updates.
 * - Republishing the profile of the rollout in progress changes nothing: that rollout is the latest update
 *   (an update pending behind it is dropped, latest wins).
 * It emits `update-coalesced`, `agent-blocked` and `agent-resumed` (`AgentEmitted`) as they happen.
 */
export const agentMachine = setup({
  types: {
    context: {} as AgentContext,
    events: {} as AgentEvent,
    input: {} as AgentInput,
    emitted: {} as AgentEmitted,
  },
  delays: {
    restart: ({ context }) => context.restartMs,
  },
  guards: {
    kubernetesUp: ({ context }) => context.kubernetesUp || varied("kubernetes-down-ignored"),
    hasPending: ({ context }) => context.record.pending !== null,
    applying: ({ context }) => context.record.target !== null,
    halted: ({ context }) => context.record.failure !== null,
    upWhileRestarting: ({ context }) => context.upWhileRestarting,
    // Before 4.9.14 (and as a mutant): a rollout the outage paused is retargeted to the update pending.
    retargetsAfterOutage: () => varied("retarget-after-outage"),
  },
  actions: {
    notePending: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== "UPDATE") return;
      const { record } = context;
      // The profile being rolled out again: nothing new to apply, and it is later than anything pending.
      const inProgress = record.failure === null && record.target === event.profile;
      if (record.pending !== null && varied("earliest-wins")) {
        enqueue.emit({ type: "update-coalesced", profile: record.pending, superseded: event.profile });
        return;
      }
      const pending = inProgress ? null : event.profile;
      if (record.pending !== null)
        enqueue.emit({ type: "update-coalesced", profile: event.profile, superseded: record.pending });
      enqueue.assign({ record: { ...record, pending } });
    }),
    emitBlocked: enqueueActions(({ context, enqueue }) => {
      enqueue.emit({ type: "agent-blocked", profile: context.record.pending, reason: "kubernetes-down" });
    }),
    // Entry of every state a restart resumes into: the timeline says where the agent picked up.
    emitResumed: enqueueActions(({ context, enqueue }, params: { state: AgentStateName }) => {
      if (!context.resuming) return;
      const { record } = context;
      enqueue.emit({
        type: "agent-resumed",
        state: params.state,
        target: record.target,
        doneNodes: context.done?.size ?? 0,
        pending: record.pending,
      });
      enqueue.assign({ resuming: false });
    }),
    noteResuming: assign({ resuming: true }),
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
    resuming: false,
  }),
  initial: "Idle",
  on: {
    KUBERNETES_DOWN: { actions: "kubernetesDown" },
    KUBERNETES_UP: { actions: "kubernetesUp" },
    AGENT_RESTART: { target: ".Restarting", reenter: true },
  },
  states: {
    Idle: {
      entry: { type: "emitResumed", params: { state: "Idle" } },
      on: { UPDATE: { target: "UpdatePending", actions: "notePending" } },
    },
    UpdatePending: {
      always: [
        { guard: "kubernetesUp", target: "Applying", actions: "startRollout" },
        { target: "BlockedKubernetesDown" },
      ],
    },
    BlockedKubernetesDown: {
      entry: ["emitBlocked", { type: "emitResumed", params: { state: "BlockedKubernetesDown" } }],
      on: {
        UPDATE: { actions: "notePending" },
        KUBERNETES_UP: { target: "UpdatePending", actions: "kubernetesUp" },
      },
    },
    Applying: {
      entry: { type: "emitResumed", params: { state: "Applying" } },
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
        // The rollout was paused by the outage: it resumes to its own target (the controller says so), and
        // an update pending behind it waits until it is done (4.9.14).
        KUBERNETES_UP: [
          {
            guard: and(["hasPending", not("kubernetesUp"), "retargetsAfterOutage"]),
            target: "UpdatePending",
            actions: "kubernetesUp",
          },
          { actions: "kubernetesUp" },
        ],
      },
    },
    Failed: {
      entry: { type: "emitResumed", params: { state: "Failed" } },
      on: { UPDATE: { actions: "notePending" } },
    },
    Restarting: {
      on: {
        UPDATE: { actions: "notePending" },
        KUBERNETES_UP: { actions: ["noteUpWhileRestarting", "kubernetesUp"] },
      },
      after: {
        restart: [
          { guard: "halted", target: "Failed", actions: ["clearUpWhileRestarting", "noteResuming"] },
          // Same as KUBERNETES_UP while Applying: a rollout the outage paused resumes to its own target.
          {
            guard: and(["applying", "hasPending", "upWhileRestarting", "retargetsAfterOutage"]),
            target: "UpdatePending",
            actions: ["clearUpWhileRestarting", "noteResuming"],
          },
          { guard: "applying", target: "Applying", actions: ["clearUpWhileRestarting", "noteResuming"] },
          {
            guard: "hasPending",
            target: "UpdatePending",
            actions: ["clearUpWhileRestarting", "noteResuming"],
          },
          { target: "Idle", actions: ["clearUpWhileRestarting", "noteResuming"] },
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
