import * as z from "zod";

/**
 * The `palette:` strategy of a fleet plan: a Palette cluster template, its maintenance policy and the
 * profile versions published to it over time. Range and order checks (window hours, cron, dates in
 * order) are the loader's, which says where each value stands.
 */
export const templateSchema = z.strictObject({
  policy: z.strictObject({
    schedules: z
      .array(z.string())
      .min(1)
      .meta({ description: "five-field cron in UTC, or weekly | biweekly | monthly | bimonthly" }),
    windowHours: z.number().meta({ description: "how long each upgrade window lasts, 1..24 hours" }),
  }),
  concurrency: z
    .int()
    .min(1)
    .optional()
    .meta({ description: "clusters upgraded at once in a window (default: every eligible one)" }),
  versions: z
    .array(
      z.strictObject({
        at: z.string().meta({ description: "when the version is published in the template (ISO 8601)" }),
        profile: z.string().min(1).meta({ description: "the version's profile (its name is the version's)" }),
      }),
    )
    .min(1)
    .meta({ description: "published versions, in time order" }),
  upgradeNow: z
    .array(z.string())
    .optional()
    .meta({ description: "instants someone presses Upgrade now (ISO 8601)" }),
  assume: z
    .strictObject({
      windowClose: z.enum(["finish", "fits"]).optional(),
      missingMonthDay: z.enum(["skip", "rollover"]).optional(),
      biweeklyFrom: z.string().optional().meta({ description: "the first 'every two weeks' window" }),
      upgradeNowHours: z.number().positive().optional(),
    })
    .optional()
    .meta({ description: "override edgesim's choices where Palette's pages are silent" }),
});

export type TemplateSpec = z.output<typeof templateSchema>;

const everywhereBy = z.strictObject({
  version: z.string(),
  by: z.string().meta({ description: "every site runs the version by then (ISO 8601)" }),
  notBefore: z
    .string()
    .optional()
    .meta({ description: "and not before then: the version waited for a later window" }),
});
const windowsTo = z.strictObject({
  version: z.string(),
  max: z.int().min(0),
  min: z.int().min(0).optional(),
});

export const templateExpectSchema = {
  versionEverywhereBy: z
    .union([everywhereBy, z.array(everywhereBy).min(1)])
    .optional()
    .meta({ description: "every site runs this version by then (one, or a list)" }),
  windowsToApply: z
    .union([windowsTo, z.array(windowsTo).min(1)])
    .optional()
    .meta({ description: "windows (or Upgrade nows) the version took to reach every site (one, or a list)" }),
  skippedVersions: z
    .array(z.string())
    .optional()
    .meta({ description: "exactly these versions were replaced before a window picked them up" }),
  blockedHours: z
    .strictObject({ max: z.number().min(0), min: z.number().min(0).optional() })
    .optional()
    .meta({ description: "hours the template was partially applied" }),
  businessHoursDisruption: z
    .strictObject({ max: z.number().min(0) })
    .optional()
    .meta({ description: "node-hours disrupted inside the sites' local business hours" }),
};
