import * as z from "zod";
import { DEFAULT_TWO_NODE_LEADER, TWO_NODE_LEADERS } from "../controller/two-node.js";
import { SIMULATION_OUTCOMES } from "../controller/types.js";
import { NODE_STATES } from "../machines/node.js";
import { parseDuration } from "../shared/duration.js";
import { MAX_CONTROL_PLANES, MAX_FAIL_TIMES, MAX_RETRIES, MAX_WORKERS } from "../shared/limits.js";
import { MAX_SEED } from "../shared/rng.js";
import { AB_FALLBACKS, BEHAVIORS, DELIVERY_MODES, NODE_ACTIONS } from "../shared/types.js";

/**
 * The zod schema of a scenario file (docs/formats/scenario.md). The loader validates with it and
 * `schemas/scenario.schema.json` is generated from it, so editors and the CLI agree on what is valid.
 */

const DURATION_HELP = "a duration such as 30s, 5m, 1h30m or a number of seconds";

/** Durations and event times are at most a year of virtual time: past it, a run is a typo, not a plan. */
export const MAX_VIRTUAL_MS = 366 * 86_400_000;

/** Profile variable values (`{{ .spectro.var.NAME }}`): the one shape for scenarios, fleet files and fleet plans. */
export const variableValuesSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

/** Whether the RKE2 known issue (`stages.*` repaves) applies; the one definition for every file kind. */
export const rke2QuirkSchema = z
  .boolean()
  .meta({ description: "apply the RKE2 known issue (stages.* repaves); default true" });

/** Whole numbers 0..2^32-1 (the generator's state): no seed is rounded or aliased to another. */
export const seedSchema = z
  .int(`expected a whole number from 0 to ${MAX_SEED}`)
  .min(0, `expected a whole number from 0 to ${MAX_SEED}`)
  .max(MAX_SEED, `expected a whole number from 0 to ${MAX_SEED}`);

/** A non-negative duration; checked here so shape problems are reported together with the others. */
export const durationSchema = z
  .union([z.string(), z.number()])
  .superRefine((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({ code: "custom", message: `expected ${DURATION_HELP}, got ${JSON.stringify(value)}` });
    } else if (ms > MAX_VIRTUAL_MS) {
      ctx.addIssue({
        code: "custom",
        message: `${JSON.stringify(value)} is longer than a year of virtual time, edgesim's limit`,
      });
    }
  })
  // `pattern` only constrains strings in JSON Schema, so numbers (seconds) stay valid for editors.
  .meta({
    description: DURATION_HELP,
    pattern: "^\\s*(\\d+(\\.\\d+)?(ms|s|m|h|d))+\\s*$|^\\s*\\d+(\\.\\d+)?\\s*$",
  });

// The enums come from the simulation's own unions: one definition each.
export { NODE_ACTIONS };
export const FAILABLE_ACTIONS = [...NODE_ACTIONS, "any"] as const;
export const SCENARIO_RESULTS = SIMULATION_OUTCOMES;
export const UNFIRED_FAULTS_POLICIES = ["forbidden", "allowed"] as const;

/**
 * A step's timing: a duration (jittered by `jitter`), a log-normal by its median and 90th percentile, or
 * empirical quantiles (`p5: 40s, p50: 1m, p95: 3m`). Orders (median ≤ p90, quantiles increasing) are
 * checked by the loader, which says where.
 */
export const timingSchema = z.union([
  durationSchema,
  z
    .strictObject({ lognormal: z.strictObject({ median: durationSchema, p90: durationSchema }) })
    .meta({ description: "a log-normal by its median and 90th percentile" }),
  z
    .strictObject({
      quantiles: z.record(
        z.string().regex(/^p(100|[1-9]?\d(\.\d+)?)$/, { message: "expected p0..p100, e.g. p50" }),
        durationSchema,
      ),
    })
    .meta({ description: "empirical quantiles: p0..p100 → duration, piecewise linear between them" }),
]);

export const timingsSchema = z
  .strictObject({
    cordon: timingSchema.optional(),
    drain: timingSchema.optional(),
    repave: timingSchema.optional(),
    reboot: timingSchema.optional(),
    serviceRestart: timingSchema.optional(),
    configReload: timingSchema.optional(),
    rejoin: timingSchema.optional(),
    agentRestart: timingSchema
      .optional()
      .meta({ description: "how long an agent restart keeps the agent down" }),
    jitter: z.number().min(0).max(1).optional().meta({ description: "fraction: 0.1 = ±10 %" }),
  })
  .meta({ description: "Virtual time each step takes" });

// The bounds live apart from the schemas, so the CLI's options can use them without loading zod.
export { MAX_CONTROL_PLANES, MAX_FAIL_TIMES, MAX_RETRIES, MAX_WORKERS };

/** `cluster.twoNode`, the one definition for a scenario's cluster, a fleet file's clusters, a fleet plan and its sites. */
export const twoNodeSchema = z
  .union([
    z.boolean(),
    z.strictObject({
      leader: z
        .enum(TWO_NODE_LEADERS)
        .meta({ description: `the leader, which takes the writes (default ${DEFAULT_TWO_NODE_LEADER})` }),
    }),
  ])
  .meta({
    description:
      "two-node HA (Two-Node Architecture): exactly 2 control planes, K3s or Canonical, appliance mode; an upgrade pauses the liveness probes, the seed picks which node goes first, writes are unavailable while the leader is down",
  });

/** `cluster.mode`, the one definition for a scenario's cluster, a fleet file's clusters, a fleet plan and its sites. */
export const deliveryModeSchema = z.enum(DELIVERY_MODES).meta({
  description:
    'how the cluster gets Kubernetes: appliance (provider image), sysext (systemd extensions, CanvOS 4.10, system.uri NA) or agent (agent mode). Default: appliance, or sysext (the more disruptive reading, with a warning) when the OS uri is "NA"',
});

export const clusterSchema = z.strictObject({
  controlPlanes: z.int().min(1).max(MAX_CONTROL_PLANES).meta({ description: "nodes cp-1..cp-N" }),
  workers: z.int().min(0).max(MAX_WORKERS).meta({ description: "nodes worker-1..worker-M" }),
  maxUnavailable: z.int().min(1).optional().meta({ description: "workers disrupted at once (default 1)" }),
  retries: z
    .int()
    .min(0)
    .max(MAX_RETRIES)
    .optional()
    .meta({ description: "retries of a failed node action (default 1)" }),
  timings: timingsSchema.optional(),
  abFallback: z.enum(AB_FALLBACKS).optional().meta({
    description:
      "with abPartitions, after a fallback: operator (the default, Palette's Known Issues of 2025: the host does not rejoin on its own; a `recover` event brings it back) or rejoin (it rejoins on its old image by itself and the attempt is retried)",
  }),
  abPartitions: z.boolean().optional().meta({
    description:
      "A/B partitions (later Palette releases): a repave whose new image does not boot falls back to the previous image, the node Ready on it, instead of staying Failed (default false)",
  }),
  mode: deliveryModeSchema.optional(),
  twoNode: twoNodeSchema.optional(),
});

/** A pool name becomes node names `<name>-1..`: a DNS label, and not `cp` (the control planes' prefix). */
export const POOL_NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const workerPoolSchema = z
  .strictObject({
    name: z
      .string()
      .regex(POOL_NAME_PATTERN, { message: "must be a lowercase DNS label (a-z, 0-9, -)" })
      .refine((name) => name !== "cp", { message: "cp is the control planes' prefix" })
      .meta({ description: "nodes <name>-1..<name>-N" }),
    workers: z.int().min(0).max(MAX_WORKERS).meta({ description: "nodes in the pool" }),
    skipWorkerUpdate: z.boolean().optional().meta({
      description:
        "skip worker node update (connected Edge Native, later Palette releases): the pool sits out updates that change its Kubernetes version (default false)",
    }),
  })
  .meta({ description: "A worker pool" });

/** A scenario's cluster: `workers: N` or named `workerPools` (exactly one; the loader checks). Fleets keep `workers`. */
export const scenarioClusterSchema = clusterSchema.extend({
  workers: clusterSchema.shape.workers.optional(),
  workerPools: z.array(workerPoolSchema).min(1).optional().meta({
    description: "named worker pools instead of `workers`; maxUnavailable counts across all pools' workers",
  }),
});

const at = durationSchema.meta({ description: "virtual time of the event since the start" });

export const updateEventSchema = z.strictObject({
  at,
  update: z.string().min(1).meta({ description: "profile file, relative to the scenario file" }),
});
export const kubernetesEventSchema = z.strictObject({ at, kubernetes: z.enum(["down", "up"]) });
export const nodeFailEventSchema = z.strictObject({
  at,
  node: z.string().min(1),
  fail: z.enum(FAILABLE_ACTIONS).meta({ description: "the node's next such action fails" }),
  times: z
    .int()
    .min(1)
    .max(MAX_FAIL_TIMES)
    .optional()
    .meta({ description: "how many attempts fail (default 1)" }),
});
export const agentEventSchema = z.strictObject({ at, agent: z.literal("restart") });
export const poolEventSchema = z.strictObject({
  at,
  pool: z.string().min(1).meta({ description: "a name from cluster.workerPools" }),
  skipWorkerUpdate: z.boolean().meta({
    description:
      "false: the pool is repaved to catch up with the cluster's profile; true: only sets the toggle",
  }),
});

export const recoverEventSchema = z.strictObject({
  at,
  recover: z.string().min(1).meta({
    description:
      "a node that fell back (A/B) and waits out of the cluster: an operator boots its active image, and it rejoins on the new one",
  }),
});

/** Each event has `at` and exactly one kind; the loader picks the closest branch for messages. */
export const EVENT_KINDS = [
  { key: "update", schema: updateEventSchema },
  { key: "kubernetes", schema: kubernetesEventSchema },
  { key: "node", schema: nodeFailEventSchema },
  { key: "agent", schema: agentEventSchema },
  { key: "pool", schema: poolEventSchema },
  { key: "recover", schema: recoverEventSchema },
] as const;

export const eventSchema = z.union([
  updateEventSchema,
  kubernetesEventSchema,
  nodeFailEventSchema,
  agentEventSchema,
  poolEventSchema,
  recoverEventSchema,
]);

const actionCountsSchema = z.partialRecord(z.enum(NODE_ACTIONS), z.int().min(0));

/** States a node can end a run in (the node machine's states). */
export { NODE_STATES };

const nodeEndSchema = z
  .strictObject({
    state: z.enum(NODE_STATES).optional(),
    profile: z.string().min(1).optional().meta({ description: "name of the profile the node ends on" }),
    osImage: z.string().min(1).optional().meta({ description: "the image the node runs (the active one)" }),
    activeImage: z.string().min(1).optional().meta({ description: "with cluster.abPartitions" }),
    passiveImage: z.string().min(1).optional().meta({ description: "with cluster.abPartitions" }),
  })
  .meta({ description: "what the node ends as; only the listed fields are checked" });

export const expectSchema = z
  .strictObject({
    result: z.enum(SCENARIO_RESULTS).optional(),
    behavior: z.enum(BEHAVIORS).optional(),
    order: z
      .array(z.string())
      .optional()
      .meta({ description: "order in which nodes begin their (first) action" }),
    finalProfile: z.string().optional().meta({ description: "name of the profile the cluster ends on" }),
    noDisruptionWhileKubernetesDown: z
      .boolean()
      .optional()
      .meta({ description: "no node is cordoned or acted on while Kubernetes is down" }),
    maxUnavailable: z
      .int()
      .min(0)
      .optional()
      .meta({ description: "nodes unavailable at once never exceed this" }),
    actions: z
      .record(z.string(), actionCountsSchema)
      .optional()
      .meta({ description: "per node, how many times each action began, e.g. { worker-2: { reboot: 2 } }" }),
    duration: z
      .strictObject({ min: durationSchema.optional(), max: durationSchema.optional() })
      .optional()
      .meta({ description: "bounds of the total upgrade duration" }),
    writeOutage: z
      .strictObject({ min: durationSchema.optional(), max: durationSchema.optional() })
      .optional()
      .meta({
        description: "two-node clusters: bounds of the total time writes were unavailable (the leader down)",
      }),
    timeline: z
      .string()
      .min(1)
      .optional()
      .meta({ description: "golden text timeline, relative to the scenario file, compared byte for byte" }),
    failedNode: z.string().optional().meta({ description: "the node whose action failed" }),
    nodes: z.record(z.string(), nodeEndSchema).optional().meta({
      description:
        "per node, the state, profile and images it ends with, e.g. { worker-1: { state: Ready } }",
    }),
    unsupported: z.boolean().optional().meta({
      description:
        "an update was refused: an unsupported pack switch, or a skipped worker pool past the Kubernetes N-3 skew",
    }),
    unfiredFaults: z.enum(UNFIRED_FAULTS_POLICIES).optional().meta({
      description:
        "injected node faults that never fire fail the scenario (forbidden, the default, checked even when not written) unless this says allowed",
    }),
  })
  .meta({ description: "Expectations; every key optional" });

export const EXPECTATION_KEYS = Object.keys(expectSchema.shape) as (keyof z.infer<typeof expectSchema>)[];

export const scenarioSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string().min(1),
    seed: seedSchema.optional().meta({ description: "same seed, same file → same output, byte for byte" }),
    description: z.string().optional(),
    cluster: scenarioClusterSchema,
    profile: z.string().min(1).meta({ description: "initial profile, relative to the scenario file" }),
    variables: variableValuesSchema
      .optional()
      .meta({ description: "profile variables ({{ .spectro.var.NAME }}) for every profile of the scenario" }),
    rke2Quirk: rke2QuirkSchema.optional(),
    events: z.array(eventSchema).default([]),
    expect: expectSchema.default({}),
  })
  .meta({ title: "edgesim scenario", description: "A profile upgrade replayed on a simulated cluster" });

export type ScenarioFile = z.output<typeof scenarioSchema>;
export type ScenarioEventInput = z.output<typeof eventSchema>;
export type ScenarioExpect = z.output<typeof expectSchema>;
export type ExpectationKey = keyof ScenarioExpect;
