import * as z from "zod";
import {
  agentEventSchema,
  clusterSchema,
  durationSchema,
  kubernetesEventSchema,
  nodeFailEventSchema,
  rke2QuirkSchema,
  SCENARIO_RESULTS,
  seedSchema,
  variableValuesSchema,
} from "../scenario/schema.js";
import { BEHAVIORS } from "../shared/types.js";

/**
 * The zod schema of a fleet file: one profile update rolled across clusters, a few at a time.
 * `schemas/fleet.schema.json` is generated from it.
 */

/** The update comes from the fleet, so a cluster's own events are only what happens to it. */
export const clusterEventSchema = z.union([kubernetesEventSchema, nodeFailEventSchema, agentEventSchema]);

/** The kind keys of `clusterEventSchema`, in its branch order (for messages). */
export const CLUSTER_EVENT_KINDS = {
  keys: ["kubernetes", "node", "agent"],
  expected:
    "a cluster event has `at` and exactly one of `kubernetes: down|up`, `node: NAME` with `fail: ACTION`, `agent: restart` (the update comes from the fleet's `update:`)",
} as const;

export const CLUSTER_RESULTS = [...SCENARIO_RESULTS, "skipped"] as const;

const fleetClusterSchema = z
  .strictObject({
    name: z.string().min(1).meta({ description: "unique within the fleet" }),
    profile: z
      .string()
      .min(1)
      .meta({ description: "the cluster's current profile, relative to the fleet file" }),
    ...clusterSchema.shape,
    events: z.array(clusterEventSchema).default([]).meta({
      description: "what happens to this cluster; `at` is relative to the cluster's start in the wave",
    }),
  })
  .meta({ description: "A cluster of the wave" });

export const fleetExpectSchema = z
  .strictObject({
    result: z
      .enum([...SCENARIO_RESULTS, "halted"])
      .optional()
      .meta({
        description:
          "converged (every cluster converged) | failed (one failed) | blocked (one blocked) | halted (failures passed the budget)",
      }),
    behavior: z
      .enum(BEHAVIORS)
      .optional()
      .meta({ description: "most disruptive behavior over the clusters that rolled" }),
    clusters: z
      .record(z.string(), z.enum(CLUSTER_RESULTS))
      .optional()
      .meta({ description: "per cluster: converged | failed | blocked | skipped" }),
    maxConcurrentClusters: z
      .int()
      .min(0)
      .optional()
      .meta({ description: "clusters rolling at once never exceed this" }),
    duration: z
      .strictObject({ min: durationSchema.optional(), max: durationSchema.optional() })
      .optional()
      .meta({ description: "bounds of the wave's duration, first start to last end" }),
  })
  .meta({ description: "Expectations; every key optional" });

export const FLEET_EXPECTATION_KEYS = Object.keys(fleetExpectSchema.shape) as (keyof z.infer<
  typeof fleetExpectSchema
>)[];

export const fleetSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string().min(1),
    seed: seedSchema
      .optional()
      .meta({ description: "each cluster's seed derives from it and the cluster's name" }),
    description: z.string().optional(),
    fleet: z.strictObject({
      concurrency: z.int().min(1).meta({ description: "clusters rolling at once" }),
      failureBudget: z.int().min(0).optional().meta({
        description:
          "halt the wave once more than this many clusters failed; clusters not yet started are skipped (default: never halt)",
      }),
    }),
    update: z
      .string()
      .min(1)
      .meta({ description: "the profile rolled out to every cluster, relative to the fleet file" }),
    variables: variableValuesSchema
      .optional()
      .meta({ description: "profile variables ({{ .spectro.var.NAME }}) for every profile of the fleet" }),
    rke2Quirk: rke2QuirkSchema.optional(),
    clusters: z.array(fleetClusterSchema).min(1).meta({ description: "in wave order" }),
    expect: fleetExpectSchema.default({}),
  })
  .meta({ title: "edgesim fleet", description: "One profile update rolled across many edge clusters" });

export type FleetFile = z.output<typeof fleetSchema>;
export type FleetExpect = z.output<typeof fleetExpectSchema>;
export type FleetClusterResultName = (typeof CLUSTER_RESULTS)[number];
