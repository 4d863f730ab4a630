import * as z from "zod";
import {
  deliveryModeSchema,
  durationSchema,
  rke2QuirkSchema,
  seedSchema,
  timingsSchema,
  twoNodeSchema,
  variableValuesSchema,
} from "../scenario/schema.js";
import { DISTRIBUTIONS } from "../shared/types.js";
import { MAX_GENERATED_SITES } from "./limits.js";
import { templateExpectSchema, templateSchema } from "./template-schema.js";

/**
 * The zod schema of a fleet plan file: an inventory of sites, a strategy of waves, maintenance
 * windows, image distribution and fault rates. Semantic checks (zones, windows, waves that select no
 * site, percentages, deadlines) are done by the loader, which knows where each value stands.
 */

export const SHAPE_PATTERN = /^\s*(\d+)\s*\+\s*(\d+)\s*$/;
const shapeSchema = z
  .string()
  .regex(SHAPE_PATTERN, { message: 'expected CONTROL_PLANES+WORKERS, e.g. "1+3"' })
  .meta({ description: "control planes + workers, e.g. 1+3" });

const labelsSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

/** A percentage (`10%`) or a count (`3`): failure budgets and wave sizes. */
const countOrPercent = z
  .union([z.int().min(0), z.string()])
  .meta({ description: "a count (3) or a percentage (10%)" });

/** A probability 0..1. Range checked by the loader, which says where. */
const rate = z.number().meta({ description: "a probability between 0 and 1" });

export const siteSchema = z.strictObject({
  name: z.string().min(1),
  profile: z.string().min(1).optional().meta({ description: "current profile; default the file's `from`" }),
  shape: shapeSchema.optional(),
  timeZone: z.string().min(1).meta({ description: "IANA time zone, e.g. America/Chicago" }),
  window: z
    .string()
    .optional()
    .meta({ description: "maintenance window in local time; default windows.default" }),
  labels: labelsSchema.optional(),
  linkMbps: z.number().positive().optional().meta({ description: "the site's link; default image.linkMbps" }),
  localRegistry: z
    .boolean()
    .optional()
    .meta({ description: "a registry at the site: the image crosses the link once" }),
  variables: variableValuesSchema
    .optional()
    .meta({ description: "the site's profile variable values (a template version needs each one Assigned)" }),
  mode: deliveryModeSchema.optional().meta({ description: "the site's delivery mode, over cluster.mode" }),
  twoNode: twoNodeSchema.optional().meta({ description: "a two-node HA site, over cluster.twoNode" }),
});

export const generateSchema = z.strictObject({
  clusters: z.int().min(1).max(MAX_GENERATED_SITES),
  mix: z.partialRecord(z.enum(DISTRIBUTIONS), z.number().min(0)).optional().meta({
    description: "share of each distribution (weights); default all k3s",
  }),
  shapes: z.array(shapeSchema).min(1).optional(),
  timeZones: z.array(z.string().min(1)).min(1).optional(),
  labels: z
    .record(z.string(), z.array(z.string()).min(1))
    .optional()
    .meta({ description: "label → values drawn uniformly" }),
  linkMbps: z.array(z.number().positive()).min(1).optional(),
  localRegistry: rate.optional().meta({ description: "share of sites with a local registry" }),
  prefix: z.string().min(1).optional(),
});

const selectSchema = z.strictObject({
  labels: labelsSchema.optional(),
  names: z.array(z.string()).optional(),
});

export const waveSchema = z.strictObject({
  name: z.string().min(1),
  select: selectSchema.optional().meta({ description: "sites by labels or names (a canary)" }),
  count: z.int().min(1).optional(),
  percent: z.number().optional().meta({ description: "share of the whole inventory, 0..100" }),
  rest: z.literal(true).optional().meta({ description: "every site no earlier wave took" }),
  concurrency: z.int().min(1),
  failureBudget: countOrPercent
    .optional()
    .meta({ description: "failed sites the wave tolerates; past it the rollout halts" }),
  soak: durationSchema.optional().meta({ description: "wait after the wave before the next one" }),
  resumeAt: z
    .string()
    .optional()
    .meta({ description: "the wave starts no earlier than this date-time (a resume point)" }),
});

export const strategySchema = z.strictObject({
  waves: z
    .array(waveSchema)
    .min(1)
    .optional()
    .meta({ description: "waves (or `palette:`, a cluster template)" }),
  palette: templateSchema
    .optional()
    .meta({ description: "a Palette cluster template and its maintenance policy (instead of waves)" }),
  deadline: z.string().optional().meta({ description: "date-time the rollout should be done by" }),
  pauses: z
    .array(z.strictObject({ from: z.string(), until: z.string(), reason: z.string().optional() }))
    .optional()
    .meta({ description: "no site starts between from and until (a change freeze)" }),
});

const outageSchema = z.strictObject({
  probability: rate,
  duration: z.strictObject({ min: durationSchema, max: durationSchema }),
});

export const faultsSchema = z.strictObject({
  nodeActionFailure: rate.optional().meta({ description: "chance a node's action fails (each attempt)" }),
  kubernetesOutage: outageSchema.optional(),
  agentRestart: rate.optional().meta({ description: "chance the agent restarts during a site's rollout" }),
});

const profileRef = z.union([z.string().min(1), z.partialRecord(z.enum(DISTRIBUTIONS), z.string().min(1))]);

export const planExpectSchema = z.strictObject({
  result: z.enum(["converged", "blocked", "failed", "halted"]).optional(),
  haltedWave: z
    .union([z.string(), z.null()])
    .optional()
    .meta({ description: "the wave the rollout halted in (null: none)" }),
  deadlineMet: z.strictObject({ probability: rate }).optional().meta({
    description: "the deadline is met in at least this share of trials",
  }),
  maxConcurrent: z.int().min(0).optional().meta({ description: "sites rolling at once never exceed this" }),
  peakRegistryGbps: z
    .strictObject({ min: z.number().min(0).optional(), max: z.number().min(0).optional() })
    .optional(),
  unschedulable: z.int().min(0).optional().meta({ description: "sites no window fits" }),
  slower: z
    .strictObject({ than: z.string(), strategy: z.string() })
    .optional()
    .meta({ description: "with strategies: `strategy` takes longer (p50) than `than`" }),
  ...templateExpectSchema,
});

export const fleetPlanSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string().min(1),
    description: z.string().optional(),
    seed: seedSchema.optional(),
    start: z
      .string()
      .optional()
      .meta({ description: "when the rollout starts (ISO 8601), e.g. 2026-12-07T00:00Z" }),
    trials: z.int().min(1).max(10_000).optional(),
    update: profileRef.optional().meta({
      description: "the profile waves roll out (or one per distribution); a template has its versions",
    }),
    from: profileRef.optional().meta({ description: "sites' current profile when they name none" }),
    variables: variableValuesSchema.optional(),
    rke2Quirk: rke2QuirkSchema.optional(),
    cluster: z
      .strictObject({
        shape: shapeSchema.optional(),
        maxUnavailable: z.int().min(1).optional(),
        retries: z.int().min(0).max(100).optional(),
        mode: deliveryModeSchema.optional(),
        twoNode: twoNodeSchema.optional(),
        timings: timingsSchema.optional(),
        classes: z
          .array(
            z.strictObject({
              select: z.strictObject({ labels: labelsSchema }),
              timings: timingsSchema,
            }),
          )
          .optional()
          .meta({
            description:
              "timings per hardware class (sites by inventory labels; the first class that matches), over cluster.timings",
          }),
      })
      .optional(),
    inventory: z.union([
      z.strictObject({ csv: z.string().min(1) }),
      z.strictObject({ sites: z.array(siteSchema).min(1) }),
      z.strictObject({ generate: generateSchema }),
    ]),
    windows: z
      .strictObject({
        default: z.string().optional(),
        mode: z.enum(["fits", "start-only"]).optional(),
        overrides: z.array(z.strictObject({ labels: labelsSchema, window: z.string() })).optional(),
        horizon: durationSchema
          .optional()
          .meta({ description: "how far to look for a fitting window (default 60d)" }),
      })
      .optional(),
    image: z
      .strictObject({ sizeGiB: z.number().min(0), linkMbps: z.number().positive().optional() })
      .optional(),
    registry: z.strictObject({ gbps: z.number().positive() }).optional(),
    prefetch: z.boolean().optional(),
    faults: faultsSchema.optional(),
    strategy: strategySchema.optional(),
    strategies: z.record(z.string(), strategySchema).optional(),
    businessHours: z
      .string()
      .optional()
      .meta({ description: "the sites' business hours in local time (default Mon-Fri 09:00-17:00)" }),
    expect: planExpectSchema
      .extend({
        strategies: z.record(z.string(), planExpectSchema).optional().meta({ description: "per strategy" }),
      })
      .optional(),
  })
  .meta({
    title: "edgesim fleet plan",
    description: "Sites, waves, windows, images and risk of a fleet rollout",
  });

export type FleetPlanFile = z.output<typeof fleetPlanSchema>;
export type WaveSpec = z.output<typeof waveSchema>;
export type StrategySpec = z.output<typeof strategySchema>;
export type PlanExpect = z.output<typeof planExpectSchema>;
export type SiteSpec = z.output<typeof siteSchema>;
export type GenerateSpec = z.output<typeof generateSchema>;
/** A fleet plan as data before its defaults are applied: what a file holds, or what a what-if is built as. */
export type FleetPlanInput = z.input<typeof fleetPlanSchema>;
