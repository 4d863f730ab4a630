import { assign, emit, enqueueActions, setup } from "xstate";
import type { NodeAction } from "../shared/types.js";
import { consumeArmed, failureReason, initialContext, jobAction } from "./node-context.js";
import {
  FALLBACK_REASON,
  type NodeContext,
  type NodeEmitted,
  type NodeEvent,
  type NodeInput,
} from "./node-types.js";

export * from "./node-types.js";

/**
 * One edge host. Ready → Cordoned → Draining → Repaving | Rebooting | RestartingServices → Rejoining → Ready;
 * Ready → ConfigReloading → Ready (no cordon, no drain: the reconcile stage reloads in place). Cordoned is
 * skipped when the drain policy says `cordon: false`. A drained node that would begin its action while
 * Kubernetes is down waits (WaitingForKubernetes: cordoned, drained) until it is back. A node reports Ready
 * through the API server, so one whose action ends (or whose rejoin would end) while Kubernetes is down
 * waits to rejoin (WaitingToRejoin) and rejoins, the whole rejoin time, once it is back. An action that fails
 * goes to Failed, where the node stays cordoned and drained; RETRY re-runs the same action. With A/B
 * partitions a failed repave instead rejoins on the previous image (Repaving → Rejoining → Ready, `fallback`
 * set, job kept) and RETRY from Ready cordons, drains and repaves again, and ABANDON (the rollout was
 * superseded) drops the job. Step durations come from the job (jittered by the controller when it starts
 * the job), read through the machine's `delays`. The machine emits what happens (`NodeEmitted`): the
 * timeline is the stream of those events.
 */
/**
 * An action that ends while Kubernetes is down: the node is done, but it reports Ready through the API
 * server, so it waits to rejoin (docs/decisions.md, "a node's action ends while Kubernetes is down").
 */
const finishedWhileDown = (action: NodeAction) =>
  ({
    guard: "kubernetesDown",
    target: "WaitingToRejoin",
    actions: ["complete", { type: "emitFinished", params: { action } }, "emitRejoinWaiting"],
  }) as const;

export const nodeMachine = setup({
  types: {
    context: {} as NodeContext,
    events: {} as NodeEvent,
    input: {} as NodeInput,
    emitted: {} as NodeEmitted,
  },
  delays: {
    cordon: ({ context }) => context.job?.durations.cordonMs ?? 0,
    drain: ({ context }) => context.job?.durations.drainMs ?? 0,
    action: ({ context }) => context.job?.durations.actionMs ?? 0,
    rejoin: ({ context }) => context.job?.durations.rejoinMs ?? 0,
  },
  guards: {
    isConfigReload: ({ event }) => event.type === "START" && event.job.action === "config-reload",
    cordons: ({ event }) => event.type === "START" && event.job.cordon,
    jobIs: ({ context }, action: NodeAction) => context.job?.action === action,
    kubernetesDown: ({ context }) => !context.kubernetesUp,
    failing: ({ context }) => context.failing,
    fallsBack: ({ context }) => context.failing && context.abPartitions,
    fallsBackAndWaits: ({ context }) =>
      context.failing && context.abPartitions && context.abFallback === "operator",
    fellBack: ({ context }) => context.fallback !== null,
    fellBackAndCordons: ({ context }) => context.fallback !== null && context.job?.cordon === true,
  },
  actions: {
    takeJob: assign(({ event }) => {
      if (event.type !== "START") return {};
      return { job: event.job, attempts: 0, failureReason: null, failing: false, fallback: null };
    }),
    beginAttempt: assign(({ context }) => {
      const action = jobAction(context);
      const { armed, fired } = consumeArmed(context.armed, action);
      return {
        armed,
        failing: fired !== null,
        attempts: context.attempts + 1,
        started: { ...context.started, [action]: (context.started[action] ?? 0) + 1 },
        ...(fired !== null ? { fired: { ...context.fired, [fired]: (context.fired[fired] ?? 0) + 1 } } : {}),
      };
    }),
    fail: assign(({ context }) => ({
      failing: false,
      failureReason: `injected failure: ${jobAction(context)} did not complete on ${context.name}`,
    })),
    // The transitional image was discarded: active and passive stay as they were, so does the profile.
    fallBack: assign(({ context }) => ({
      failing: false,
      failureReason: FALLBACK_REASON,
      fallback: { from: context.job?.targetOsImage ?? context.osImage, to: context.osImage },
    })),
    resumeJob: assign({ fallback: null, failureReason: null }),
    // A repave re-images the node; every other action keeps its image. Either way it is now on the target.
    // With A/B partitions the transitional image becomes active and the old active the passive one (the
    // old passive is discarded).
    complete: assign(({ context }) => {
      const job = context.job;
      if (!job) return {};
      const repaved = job.action === "repave";
      return {
        profile: job.targetProfile,
        osImage: repaved ? job.targetOsImage : context.osImage,
        passiveImage: repaved && context.abPartitions ? context.osImage : context.passiveImage,
      };
    }),
    // The operator boots the active partition, which holds the new image: the job completes on it.
    recover: assign(({ context }) => {
      const job = context.job;
      if (!job) return {};
      return {
        profile: job.targetProfile,
        osImage: job.targetOsImage,
        passiveImage: context.osImage,
        fallback: null,
        failureReason: null,
      };
    }),
    clearJob: assign({ job: null, attempts: 0, fallback: null }),
    abandonJob: assign({ job: null, attempts: 0, fallback: null, failureReason: null }),
    adopt: assign(({ event, context }) => (event.type === "ADOPT" ? { profile: event.profile } : context)),
    arm: assign(({ event, context }) => {
      if (event.type !== "ARM_FAILURE") return {};
      const times = Math.max(1, event.times ?? 1);
      return { armed: [...context.armed, { id: event.id ?? -1, action: event.action, remaining: times }] };
    }),
    kubernetesDown: assign({ kubernetesUp: false }),
    kubernetesUp: assign({ kubernetesUp: true }),
    emitCordoned: emit(({ context }) => ({ type: "node-cordoned" as const, node: context.name })),
    emitDraining: enqueueActions(({ context, enqueue }, params: { cordoned: boolean }) => {
      const job = context.job;
      if (job?.drainSkipped !== undefined) {
        enqueue.emit({
          type: "node-drain-skipped",
          node: context.name,
          cordoned: params.cordoned,
          reason: job.drainSkipped,
        });
        return;
      }
      enqueue.emit({
        type: "node-draining",
        node: context.name,
        cordoned: params.cordoned,
        timeoutMs: job?.drainTimeoutMs ?? 0,
        ...(job?.podSelector !== undefined ? { podSelector: job.podSelector } : {}),
        ...(job?.disableEviction ? { disableEviction: true } : {}),
      });
    }),
    emitAdopted: emit(({ context }) => ({
      type: "node-adopted" as const,
      node: context.name,
      profile: context.profile,
    })),
    emitDrained: enqueueActions(({ context, enqueue }) => {
      if (context.job?.drainSkipped === undefined) enqueue.emit({ type: "node-drained", node: context.name });
    }),
    emitWaiting: emit(({ context }) => ({
      type: "node-waiting" as const,
      node: context.name,
      action: jobAction(context),
      reason: "kubernetes-down" as const,
    })),
    emitStarted: enqueueActions(({ context, enqueue }) => {
      const job = context.job;
      if (!job) return;
      enqueue.emit({
        type: "action-started",
        node: context.name,
        action: job.action,
        profile: job.targetProfile,
        attempt: context.attempts,
        ...(job.action === "service-restart" ? { services: job.services } : {}),
      });
    }),
    emitFinished: emit(({ context }, params: { action: NodeAction }) => ({
      type: "action-finished" as const,
      node: context.name,
      action: params.action,
    })),
    emitFailed: emit(({ context }) => ({
      type: "action-failed" as const,
      node: context.name,
      action: jobAction(context),
      attempt: context.attempts,
      reason: failureReason(context),
    })),
    emitFallback: emit(({ context }) => ({
      type: "image-fallback" as const,
      node: context.name,
      from: context.fallback?.from ?? context.osImage,
      to: context.fallback?.to ?? context.osImage,
    })),
    emitAwaiting: emit(({ context }) => ({
      type: "node-awaiting-operator" as const,
      node: context.name,
      reason:
        "fell back to the passive image and does not rejoin the cluster on its own (Known Issues, 2025): an operator boots the active image",
    })),
    emitRecovered: emit(({ context }) => ({
      type: "operator-recovered" as const,
      node: context.name,
      osImage: context.osImage,
    })),
    emitRejoinWaiting: emit(({ context }) => ({
      type: "node-rejoin-waiting" as const,
      node: context.name,
      profile: context.profile,
      reason: "kubernetes-down" as const,
    })),
    emitReady: emit(({ context }) => ({
      type: "node-ready" as const,
      node: context.name,
      profile: context.profile,
    })),
    emitRejoined: emit(({ context }) => ({
      type: "node-rejoined" as const,
      node: context.name,
      profile: context.profile,
      osImage: context.osImage,
      ...(context.abPartitions ? { passiveImage: context.passiveImage } : {}),
    })),
  },
}).createMachine({
  id: "node",
  context: ({ input }) => initialContext(input),
  initial: "Ready",
  on: {
    ARM_FAILURE: { actions: "arm" },
    KUBERNETES_DOWN: { actions: "kubernetesDown" },
    KUBERNETES_UP: { actions: "kubernetesUp" },
  },
  states: {
    Ready: {
      on: {
        START: [
          { guard: "isConfigReload", target: "ConfigReloading", actions: "takeJob" },
          { guard: "cordons", target: "Cordoned", actions: "takeJob" },
          {
            target: "Draining",
            actions: ["takeJob", { type: "emitDraining", params: { cordoned: false } }],
          },
        ],
        ADOPT: { actions: ["adopt", "emitAdopted"] },
        // Back on the old image after a fallback: the retry is a fresh disruption, cordon and drain again.
        RETRY: [
          { guard: "fellBackAndCordons", target: "Cordoned", actions: "resumeJob" },
          {
            guard: "fellBack",
            target: "Draining",
            actions: ["resumeJob", { type: "emitDraining", params: { cordoned: false } }],
          },
        ],
        ABANDON: { guard: "fellBack", actions: "abandonJob" },
      },
    },
    Cordoned: {
      entry: "emitCordoned",
      after: {
        cordon: { target: "Draining", actions: { type: "emitDraining", params: { cordoned: true } } },
      },
    },
    // Drain lasts min(timings.drainMs, the policy's timeout): at the timeout Palette moves on (pods that
    // would not leave are deleted when the node goes down).
    Draining: {
      after: {
        drain: [
          {
            guard: "kubernetesDown",
            target: "WaitingForKubernetes",
            actions: ["emitDrained", "emitWaiting"],
          },
          { guard: { type: "jobIs", params: "repave" }, target: "Repaving", actions: "emitDrained" },
          { guard: { type: "jobIs", params: "reboot" }, target: "Rebooting", actions: "emitDrained" },
          { target: "RestartingServices", actions: "emitDrained" },
        ],
      },
    },
    // Palette applies nothing while Kubernetes is down: the node stays cordoned and drained until it is back.
    WaitingForKubernetes: {
      on: {
        KUBERNETES_UP: [
          { guard: { type: "jobIs", params: "repave" }, target: "Repaving", actions: "kubernetesUp" },
          { guard: { type: "jobIs", params: "reboot" }, target: "Rebooting", actions: "kubernetesUp" },
          { target: "RestartingServices", actions: "kubernetesUp" },
        ],
      },
    },
    // With A/B partitions a repave that fails to boot does not strand the node: the bootloader boots the
    // previous image and the node rejoins on it (the fallback boot is counted within the repave time).
    Repaving: {
      entry: ["beginAttempt", "emitStarted"],
      after: {
        action: [
          {
            guard: "fallsBackAndWaits",
            target: "AwaitingOperator",
            actions: ["fallBack", "emitFailed", "emitFallback", "emitAwaiting"],
          },
          { guard: "fallsBack", target: "Rejoining", actions: ["fallBack", "emitFailed", "emitFallback"] },
          { guard: "failing", target: "Failed" },
          finishedWhileDown("repave"),
          {
            target: "Rejoining",
            actions: ["complete", { type: "emitFinished", params: { action: "repave" } }],
          },
        ],
      },
    },
    Rebooting: {
      entry: ["beginAttempt", "emitStarted"],
      after: {
        action: [
          { guard: "failing", target: "Failed" },
          finishedWhileDown("reboot"),
          {
            target: "Rejoining",
            actions: ["complete", { type: "emitFinished", params: { action: "reboot" } }],
          },
        ],
      },
    },
    RestartingServices: {
      entry: ["beginAttempt", "emitStarted"],
      after: {
        action: [
          { guard: "failing", target: "Failed" },
          finishedWhileDown("service-restart"),
          {
            target: "Rejoining",
            actions: ["complete", { type: "emitFinished", params: { action: "service-restart" } }],
          },
        ],
      },
    },
    ConfigReloading: {
      entry: ["beginAttempt", "emitStarted"],
      after: {
        action: [
          { guard: "failing", target: "Failed" },
          finishedWhileDown("config-reload"),
          {
            target: "Ready",
            actions: [
              "complete",
              "clearJob",
              { type: "emitFinished", params: { action: "config-reload" } },
              "emitReady",
            ],
          },
        ],
      },
    },
    // After a fallback the job is kept: the controller decides whether to RETRY it or to halt.
    Rejoining: {
      after: {
        rejoin: [
          { guard: "kubernetesDown", target: "WaitingToRejoin", actions: "emitRejoinWaiting" },
          { guard: "fellBack", target: "Ready", actions: "emitRejoined" },
          { target: "Ready", actions: ["emitRejoined", "clearJob"] },
        ],
      },
    },
    // Kubernetes docs, Nodes § Node heartbeats: the kubelet reports the node's status (its Ready condition)
    // and renews its Lease through the API server, so no node turns Ready while Kubernetes is down. Once it
    // is back the node rejoins, the whole rejoin time counted from then (edgesim's choice: docs/decisions.md);
    // a configuration reload, which never left the cluster, is Ready at once.
    WaitingToRejoin: {
      on: {
        KUBERNETES_UP: [
          {
            guard: { type: "jobIs", params: "config-reload" },
            target: "Ready",
            actions: ["kubernetesUp", "clearJob", "emitReady"],
          },
          { target: "Rejoining", actions: "kubernetesUp" },
        ],
      },
    },
    // Known Issues (August 28, 2025): after a fallback the host does not rejoin by itself; it is out of the
    // cluster (on its old image, from the passive partition) until an operator boots the active image.
    AwaitingOperator: {
      on: {
        OPERATOR_RECOVER: { target: "Rejoining", actions: ["recover", "emitRecovered"] },
      },
    },
    Failed: {
      entry: ["fail", "emitFailed"],
      on: {
        RETRY: [
          { guard: { type: "jobIs", params: "repave" }, target: "Repaving" },
          { guard: { type: "jobIs", params: "reboot" }, target: "Rebooting" },
          { guard: { type: "jobIs", params: "service-restart" }, target: "RestartingServices" },
          { target: "ConfigReloading" },
        ],
      },
    },
  },
});

export type NodeMachine = typeof nodeMachine;
