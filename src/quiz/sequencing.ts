import type { Profile } from "../profile/types.js";
import { planUpdate } from "../rules/plan.js";
import { actionOrder, peakUnavailable } from "../scenario/expectations.js";
import { formatClock } from "../shared/duration.js";
import type { Rng } from "../shared/rng.js";
import type { Behavior } from "../shared/types.js";
import { type SimCluster, simProfile, simulationInput } from "../sim/input.js";
import { simulate } from "../sim/simulate.js";
import {
  clusterNodes,
  type NodeAction,
  type SimInputEvent,
  type SimulationResult,
  type TimelineEntry,
  type TimelineEntryOf,
  type TimelineEventName,
} from "../sim/types.js";
import { applyChanges, type ChangedProfile, type LoadedBase } from "./bases.js";
import { type ChangeTemplate, templateById } from "./changes.js";
import { type Choice, clusterPhrase, type Question } from "./types.js";

/**
 * A sequencing story: a cluster, an update and what happens around it. `build` simulates it with the
 * real simulation and reads the answer off the timeline; undefined when the base has no change that
 * fits the story, or the simulation's outcome is none of the choices.
 */
export interface SequencingStory {
  id: string;
  build: (base: LoadedBase, rng: Rng) => Question | undefined;
}

const MINUTE = 60_000;

/** Realistic changes, by how disruptive they are on most distributions (the plan says for sure). */
const DISRUPTIVE = ["os.boot-step-chrony", "os.registry-mirror", "kubernetes.patch-upgrade", "os.pe-version"];
const SERVICE_RESTART = ["kubernetes.admission-plugins", "kubernetes.kubelet-max-pods", "network.pool-cidr"];

/** The first of `ids` whose change applies to the base and disrupts nodes (an action other than no-op). */
function firstChange(
  base: LoadedBase,
  ids: readonly string[],
  rng: Rng,
  name: string,
  wanted: (behavior: Behavior) => boolean = (behavior) => behavior === "repave" || behavior === "reboot",
): (ChangedProfile & { template: ChangeTemplate }) | undefined {
  const start = rng.int(0, ids.length - 1);
  for (let i = 0; i < ids.length; i++) {
    const template = templateById(ids[(start + i) % ids.length] as string);
    const changed = template && applyChanges(base, [template], name);
    if (changed && changed.plan.unsupported.length === 0 && wanted(changed.plan.behavior))
      return { ...changed, template };
  }
  return undefined;
}

type Cluster = Pick<SimCluster, "controlPlanes" | "workers" | "maxUnavailable">;

function run(
  base: LoadedBase,
  updates: readonly Profile[],
  cluster: Cluster,
  events: SimInputEvent[],
  seed: number,
): SimulationResult {
  const profiles = new Map([base.profile, ...updates].map((profile) => [profile.name, simProfile(profile)]));
  return simulate(
    simulationInput(cluster, {
      seed,
      initialProfile: base.profile.name,
      profiles,
      plan: (from, to) => planUpdate(from, to),
      events,
      source: base.file,
    }),
  );
}

/** The cluster takes one update to `to` at 1m, nothing else happening, on a seed drawn from `rng`. */
function runUpdate(base: LoadedBase, to: Profile, cluster: Cluster, rng: Rng): SimulationResult {
  return run(base, [to], cluster, [{ at: MINUTE, type: "update", profile: to.name }], rng.int(1, 1e6));
}

const nodeNames = (cluster: Cluster): string[] => clusterNodes(cluster).map((node) => node.name);

function describeCluster(base: LoadedBase, cluster: Cluster): string {
  const planes = cluster.controlPlanes === 1 ? "1 control plane" : `${cluster.controlPlanes} control planes`;
  const workers = cluster.workers === 1 ? "1 worker" : `${cluster.workers} workers`;
  const limit = cluster.maxUnavailable ? `, maxUnavailable ${cluster.maxUnavailable}` : "";
  return `${clusterPhrase(base.profile.distribution, base.profile.name)}: ${planes} and ${workers}${limit}.`;
}

function describeUpdate(at: number, changed: ChangedProfile, label = "an update"): string {
  const summary = changed.edits
    .map((edit) => edit.summary.replace(/^./, (c) => c.toLowerCase()))
    .join(", and ");
  return `At ${formatClock(at)} ${label} is published: ${summary} (a ${changed.plan.behavior}).`;
}

function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function firstAt<E extends TimelineEventName>(
  timeline: readonly TimelineEntry[],
  event: E,
  after = -1,
): TimelineEntryOf<E> | undefined {
  return timeline.find((entry): entry is TimelineEntryOf<E> => entry.event === event && entry.t > after);
}

function question(
  base: LoadedBase,
  id: string,
  fields: Pick<Question, "situation" | "ask" | "choices" | "answer" | "explanation">,
): Question | undefined {
  if (!fields.choices.some((choice) => choice.id === fields.answer)) return undefined;
  return {
    id,
    topic: "sequencing",
    distribution: base.profile.distribution,
    base: base.profile.name,
    ...fields,
  };
}

const firstNode: SequencingStory = {
  id: "sequencing.first-node",
  build: (base, rng) => {
    const changed = firstChange(base, DISRUPTIVE, rng, `${base.profile.name}-next`);
    if (!changed) return undefined;
    const cluster = { controlPlanes: rng.int(2, 3), workers: rng.int(2, 3) };
    const result = runUpdate(base, changed.to, cluster, rng);
    const order = actionOrder(result.timeline);
    const first = order[0];
    if (!first) return undefined;
    const names = nodeNames(cluster);
    const others = shuffled(
      names.filter((name) => name !== first),
      rng,
    ).slice(0, 3);
    const choices = shuffled([first, ...others], rng).map((name) => ({ id: name, label: name }));
    return question(base, firstNode.id, {
      situation: [describeCluster(base, cluster), describeUpdate(MINUTE, changed)],
      ask: `Which node begins its ${changed.plan.behavior} first?`,
      choices,
      answer: first,
      explanation: `The simulated order is ${order.join(", ")}: control planes first, one at a time, then the workers.`,
    });
  },
};

const updateWhileDown: SequencingStory = {
  id: "sequencing.update-while-down",
  build: (base, rng) => {
    const changed = firstChange(base, DISRUPTIVE, rng, `${base.profile.name}-next`);
    if (!changed) return undefined;
    const cluster = { controlPlanes: 1, workers: rng.int(1, 3) };
    const down = 2 * MINUTE;
    const published = 5 * MINUTE;
    const up = rng.int(15, 40) * MINUTE;
    const result = run(
      base,
      [changed.to],
      cluster,
      [
        { at: down, type: "kubernetes", state: "down" },
        { at: published, type: "update", profile: changed.to.name },
        { at: up, type: "kubernetes", state: "up" },
      ],
      rng.int(1, 1e6),
    );
    const started = firstAt(result.timeline, "action-started");
    const answer = !started ? "dropped" : started.t < up ? "right-away" : "after-up";
    const choices: Choice[] = [
      { id: "right-away", label: `The agent applies it right away, at ${formatClock(published)}` },
      { id: "after-up", label: "The agent holds it and applies it once Kubernetes is back" },
      { id: "dropped", label: "The update is lost: it must be published again once Kubernetes is back" },
    ];
    const blocked = firstAt(result.timeline, "agent-blocked");
    return question(base, updateWhileDown.id, {
      situation: [
        describeCluster(base, cluster),
        `At ${formatClock(down)} the cluster's Kubernetes service goes down; it is back at ${formatClock(up)}.`,
        describeUpdate(published, changed),
      ],
      ask: "What happens to the update?",
      choices: shuffled(choices, rng),
      answer,
      explanation: started
        ? `In the simulation ${blocked ? `the agent is blocked at ${formatClock(blocked.t)} (Kubernetes is down); ` : ""}${started.node} begins its ${String(started.action)} at ${formatClock(started.t)}${started.t >= up ? ", after Kubernetes is back" : ""}. Updates are not applied while Kubernetes is down.`
        : "In the simulation no node is ever touched.",
    });
  },
};

const twoUpdatesWhileDown: SequencingStory = {
  id: "sequencing.two-updates-while-down",
  build: (base, rng) => {
    const first = firstChange(base, SERVICE_RESTART, rng, `${base.profile.name}-v2`, () => true);
    if (!first) return undefined;
    const secondTemplate = templateById("os.boot-step-chrony");
    if (!secondTemplate) return undefined;
    // The second version builds on the first, as profile versions do.
    const second = applyChanges(base, [first.template, secondTemplate], `${base.profile.name}-v3`);
    if (!second || second.plan.unsupported.length > 0) return undefined;
    const cluster = { controlPlanes: rng.int(1, 3), workers: 2 };
    const up = 20 * MINUTE;
    const result = run(
      base,
      [first.to, second.to],
      cluster,
      [
        { at: MINUTE, type: "kubernetes", state: "down" },
        { at: 2 * MINUTE, type: "update", profile: first.to.name },
        { at: 6 * MINUTE, type: "update", profile: second.to.name },
        { at: up, type: "kubernetes", state: "up" },
      ],
      rng.int(1, 1e6),
    );
    const rollouts = result.timeline
      .filter((entry) => entry.event === "rollout-started")
      .map((e) => String(e.profile));
    const key = rollouts.join(" ");
    const answer =
      key === `${first.to.name} ${second.to.name}`
        ? "both"
        : key === second.to.name
          ? "latest"
          : key === first.to.name
            ? "first"
            : key === ""
              ? "none"
              : "";
    const choices: Choice[] = [
      {
        id: "both",
        label: `Both, in turn: a ${first.plan.behavior} for ${first.to.name}, then a rollout of ${second.to.name}`,
      },
      {
        id: "latest",
        label: `Only the latest: one ${second.plan.behavior} to ${second.to.name}, carrying both changes`,
      },
      { id: "first", label: `Only the first, ${first.to.name}; ${second.to.name} is dropped` },
      { id: "none", label: "Neither: updates published while Kubernetes is down are lost" },
    ];
    return question(base, twoUpdatesWhileDown.id, {
      situation: [
        describeCluster(base, cluster),
        `At ${formatClock(MINUTE)} the cluster's Kubernetes service goes down; it is back at ${formatClock(up)}.`,
        describeUpdate(2 * MINUTE, first, `${first.to.name}`),
        describeUpdate(6 * MINUTE, second, `${second.to.name} (the same change plus one more)`),
      ],
      ask: "Once Kubernetes is back, what do the nodes go through?",
      choices: shuffled(choices, rng),
      answer,
      explanation: `In the simulation the rollouts are: ${rollouts.length === 0 ? "none" : rollouts.join(", then ")}; the cluster ends on ${result.finalProfile}. While Kubernetes is down the agent keeps only the latest profile.`,
    });
  },
};

const failureHalts: SequencingStory = {
  id: "sequencing.failure-halts",
  build: (base, rng) => {
    const changed = firstChange(base, DISRUPTIVE, rng, `${base.profile.name}-next`);
    if (!changed) return undefined;
    const action = changed.plan.behavior as NodeAction;
    const cluster = { controlPlanes: 1, workers: 3 };
    const result = run(
      base,
      [changed.to],
      cluster,
      [
        { at: MINUTE, type: "update", profile: changed.to.name },
        { at: 0, type: "node-fail", node: "worker-1", action, times: 2 },
      ],
      rng.int(1, 1e6),
    );
    const touched = actionOrder(result.timeline);
    const halted = result.timeline.some((entry) => entry.event === "rollout-halted");
    const answer = touched.includes("worker-2") ? "carries-on" : halted ? "halts" : "";
    const choices: Choice[] = [
      {
        id: "carries-on",
        label: `worker-2 gets its ${action} anyway: the rollout carries on without worker-1`,
      },
      { id: "halts", label: "worker-2 is never touched: the rollout halts with worker-1 failed" },
      { id: "rolls-back", label: "The cluster rolls back: cp-1 returns to the old profile" },
    ];
    return question(base, failureHalts.id, {
      situation: [
        describeCluster(base, cluster),
        describeUpdate(MINUTE, changed),
        `worker-1's ${action} fails, and so does the one retry the agent makes.`,
      ],
      ask: "What happens to worker-2?",
      choices: shuffled(choices, rng),
      answer,
      explanation: `In the simulation the nodes that began an action are ${touched.join(", ")}; the rollout ${halted ? "halts" : "does not halt"} and the result is ${result.result}. A node that fails its retries stops the rollout with the rest untouched.`,
    });
  },
};

function peakStory(role: "control planes" | "workers"): SequencingStory {
  const id =
    role === "workers" ? "sequencing.max-unavailable-workers" : "sequencing.max-unavailable-control-planes";
  return {
    id,
    build: (base, rng) => {
      const changed = firstChange(base, DISRUPTIVE, rng, `${base.profile.name}-next`);
      if (!changed) return undefined;
      const cluster = { controlPlanes: 3, workers: 4, maxUnavailable: rng.int(2, 3) };
      const result = runUpdate(base, changed.to, cluster, rng);
      const prefix = role === "workers" ? "worker-" : "cp-";
      const ofRole = result.timeline.filter(
        (entry) => entry.node === undefined || entry.node.startsWith(prefix),
      );
      const peak = peakUnavailable(ofRole);
      const choices = ["1", "2", "3", "4"].map((n) => ({ id: n, label: n }));
      if (role === "control planes") choices.pop();
      return question(base, id, {
        situation: [describeCluster(base, cluster), describeUpdate(MINUTE, changed)],
        ask: `At most, how many ${role} are out of service (cordoned or in their ${changed.plan.behavior}) at the same time?`,
        choices,
        answer: String(peak.peak),
        explanation: `In the simulation at most ${peak.peak} ${role} were out at once (${peak.nodes.join(", ")} at ${formatClock(peak.at)}). Control planes go one at a time whatever maxUnavailable says; workers go up to maxUnavailable at once.`,
      });
    },
  };
}

const downMidRollout: SequencingStory = {
  id: "sequencing.down-mid-rollout",
  build: (base, rng) => {
    const changed = firstChange(base, DISRUPTIVE, rng, `${base.profile.name}-next`);
    if (!changed) return undefined;
    const cluster = { controlPlanes: 3, workers: 2 };
    const update: SimInputEvent = { at: MINUTE, type: "update", profile: changed.to.name };
    const seed = rng.int(1, 1e6);
    // Kubernetes fails 30 s into cp-2's action: first find when that is.
    const calm = run(base, [changed.to], cluster, [update], seed);
    const cp2 = calm.timeline.find((entry) => entry.event === "action-started" && entry.node === "cp-2");
    if (!cp2) return undefined;
    const down = Math.ceil((cp2.t + 30_000) / 1000) * 1000;
    const up = down + 30 * MINUTE;
    const result = run(
      base,
      [changed.to],
      cluster,
      [update, { at: down, type: "kubernetes", state: "down" }, { at: up, type: "kubernetes", state: "up" }],
      seed,
    );
    const duringOutage = result.timeline.filter(
      (entry) => entry.event === "action-started" && entry.t >= down && entry.t < up,
    );
    const afterwards = result.timeline.filter((entry) => entry.event === "action-started" && entry.t >= up);
    const answer =
      duringOutage.length > 0
        ? "carries-on"
        : afterwards.length > 0
          ? "pauses"
          : result.finalProfile !== changed.to.name
            ? "abandoned"
            : "";
    const choices: Choice[] = [
      { id: "carries-on", label: "The rollout carries on: cp-3 and the workers go as planned" },
      {
        id: "pauses",
        label: "cp-2 finishes; no other node starts until Kubernetes is back, then the rollout resumes",
      },
      { id: "abandoned", label: "The rollout is abandoned: the update must be published again" },
    ];
    const next = afterwards[0];
    return question(base, downMidRollout.id, {
      situation: [
        describeCluster(base, cluster),
        describeUpdate(MINUTE, changed),
        `At ${formatClock(down)}, while cp-2 is in its ${changed.plan.behavior}, the cluster's Kubernetes service goes down; it is back at ${formatClock(up)}.`,
      ],
      ask: "What does the rollout do?",
      choices: shuffled(choices, rng),
      answer,
      explanation: next
        ? `In the simulation nothing starts between ${formatClock(down)} and ${formatClock(up)}; ${next.node} begins at ${formatClock(next.t)} and the cluster ends on ${result.finalProfile}.`
        : `In the simulation the cluster ends on ${result.finalProfile}.`,
    });
  },
};

export const SEQUENCING_STORIES: readonly SequencingStory[] = [
  firstNode,
  updateWhileDown,
  twoUpdatesWhileDown,
  failureHalts,
  peakStory("control planes"),
  peakStory("workers"),
  downMidRollout,
];
