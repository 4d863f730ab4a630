import type { NodeRole } from "../shared/types.js";
import { varied } from "../shared/variation.js";
import type { Rollout } from "./lifecycle.js";

/** What starting needs to know of a node, when the rollout considers it. */
export interface StartStatus {
  role: NodeRole;
  /** Ready (not in a step of an action, not Failed). */
  ready: boolean;
  /** On the target and not heading elsewhere: nothing to do. */
  done: boolean;
}

/** How the rollout sees its nodes. */
export interface StartNodes<N> {
  status: (node: N) => StartStatus;
  /** Its plan to the target is no-op: it takes the profile untouched and stays Ready (asked on start only). */
  adopts: (node: N) => boolean;
}

export interface StartLimits {
  kubernetesUp: boolean;
  maxUnavailable: number;
  /** Nodes not Ready now, and the workers among them. */
  busy: number;
  busyWorkers: number;
}

export interface StartDecision<N> {
  /** Nodes to start now, in order (a node that adopts the profile is in it too). */
  starts: N[];
  cursor: number;
  deferred: N[];
  /** Every node is done and none is busy: the rollout is over. */
  finished: boolean;
}

/**
 * Which nodes start now. Control planes come first in the queue: one at a time, each after the previous is
 * Ready again (the health gate); no worker starts while a control plane is busy (including one finishing an
 * earlier rollout); then workers, at most `maxUnavailable` not Ready at once. Nothing starts while
 * Kubernetes is down. A node's status is read when the queue reaches it (a start changes only its own node).
 */
export function nextStarts<N>(
  rollout: Pick<Rollout<N>, "queue" | "cursor" | "deferred">,
  nodes: StartNodes<N>,
  limits: StartLimits,
): StartDecision<N> {
  const { queue } = rollout;
  let { cursor, deferred } = rollout;
  let { busy, busyWorkers } = limits;
  const starts: N[] = [];
  const pause = (): StartDecision<N> => ({ starts, cursor, deferred, finished: false });
  if (!limits.kubernetesUp && !varied("kubernetes-down-ignored")) return pause();
  const maxUnavailable = varied("max-unavailable-ignored") ? Number.POSITIVE_INFINITY : limits.maxUnavailable;
  const oneControlPlane = !varied("control-planes-together");
  const { status } = nodes;
  /** Starts `node`; false when it adopts the target without leaving Ready. */
  const start = (node: N, s: StartStatus): boolean => {
    starts.push(node);
    if (nodes.adopts(node)) return false;
    busy++;
    if (s.role === "worker") busyWorkers++;
    return true;
  };

  while (cursor < queue.length) {
    const node = queue[cursor] as N;
    const s = status(node);
    if (s.done) {
      cursor++;
      continue;
    }
    if (s.role !== "control-plane") break;
    if (!s.ready || (busy > 0 && oneControlPlane)) return pause();
    cursor++;
    if (start(node, s) && oneControlPlane) return pause();
  }
  if (busy > busyWorkers && !varied("health-gate-skipped")) return pause();

  if (deferred.length > 0) {
    const still: N[] = [];
    for (const node of deferred) {
      const s = status(node);
      if (s.done) continue;
      if (!s.ready || busyWorkers >= maxUnavailable) still.push(node);
      else start(node, s);
    }
    deferred = still;
  }
  while (cursor < queue.length && busyWorkers < maxUnavailable) {
    const node = queue[cursor++] as N;
    const s = status(node);
    if (s.done) continue;
    if (!s.ready) deferred = [...deferred, node];
    else start(node, s);
  }
  const finished = cursor >= queue.length && deferred.length === 0 && busy === 0;
  return { starts, cursor, deferred, finished };
}
