import * as z from "zod";
import { DiagnosticBag } from "../shared/diagnostics.js";
import { readTextFile } from "../shared/files.js";
import { NODE_ACTIONS, type NodeAction } from "../shared/types.js";
import { diagnosticAt, parseYamlFile, validateYaml, type YamlFile } from "../shared/yaml.js";
import type { Timings } from "../sim/types.js";
import { timingsSchema } from "./schema.js";
import { parseTimings } from "./timings.js";

/**
 * A timings file (`--timings FILE` on `run` and `fleet`): what `edgesim calibrate -o` writes, or the same
 * written by hand. Every key is optional:
 *
 * ```yaml
 * timings: { drain: { lognormal: { median: 1m30s, p90: 3m } }, reboot: 6m }
 * classes:                       # per inventory label value (fleet plans); the first that matches
 *   - select: { labels: { hardware: nuc } }
 *     timings: { reboot: { lognormal: { median: 7m, p90: 10m } } }
 * failureRate: { reboot: 0.05 }  # per attempt, per behavior (fleet plans without their own)
 * ```
 */
const labelValue = z.union([z.string(), z.number(), z.boolean()]);

export const timingsFileSchema = z
  .strictObject({
    timings: timingsSchema.optional(),
    classes: z
      .array(
        z.strictObject({
          select: z.strictObject({ labels: z.record(z.string(), labelValue) }),
          timings: timingsSchema,
        }),
      )
      .optional(),
    failureRate: z.partialRecord(z.enum(NODE_ACTIONS), z.number().min(0).max(1)).optional(),
  })
  .meta({ title: "edgesim timings file", description: "Step timings (as edgesim calibrate writes them)" });

export interface TimingClass {
  labels: Record<string, string>;
  timings: Partial<Timings>;
}

export interface TimingsFile {
  file: string;
  timings: Partial<Timings>;
  classes: TimingClass[];
  failureRate: Partial<Record<NodeAction, number>>;
}

/** Parses a `classes:` list (a timings file's, or a fleet plan's `cluster.classes`), problems at their place. */
export function parseTimingClasses(
  given: readonly { select: { labels: Record<string, string | number | boolean> }; timings: unknown }[],
  yaml: YamlFile,
  path: (string | number)[],
  bag: DiagnosticBag,
): TimingClass[] {
  return given.map((k, i) => {
    const labels = Object.fromEntries(Object.entries(k.select.labels).map(([a, b]) => [a, String(b)]));
    if (Object.keys(labels).length === 0)
      bag.add(
        diagnosticAt(yaml, [...path, i, "select", "labels"], "a class selects sites by at least one label"),
      );
    const timings = parseTimings(k.timings as z.output<typeof timingsSchema>, (p, message) =>
      bag.add(diagnosticAt(yaml, [...path, i, "timings", ...p], message)),
    );
    return { labels, timings };
  });
}

export function loadTimingsFile(file: string): TimingsFile {
  return timingsFileOf(parseYamlFile(readTextFile(file), file));
}

/** A parsed timings file (`edgesim backtest` parses the text `calibrate -o` would have written). */
export function timingsFileOf(yaml: YamlFile): TimingsFile {
  const file = yaml.file;
  const data = validateYaml(yaml, timingsFileSchema);
  const bag = new DiagnosticBag();
  if (data.timings === undefined && data.classes === undefined && data.failureRate === undefined)
    bag.add(diagnosticAt(yaml, [], "a timings file has `timings:`, `classes:` or `failureRate:`"));
  const timings = parseTimings(data.timings, (p, message) =>
    bag.add(diagnosticAt(yaml, ["timings", ...p], message)),
  );
  const classes = parseTimingClasses(data.classes ?? [], yaml, ["classes"], bag);
  bag.throwIfAny();
  return { file, timings, classes, failureRate: data.failureRate ?? {} };
}

/** The first class whose labels all match the site's, if any. */
export function classOf(
  classes: readonly TimingClass[],
  labels: Readonly<Record<string, string>>,
): TimingClass | undefined {
  return classes.find((k) => Object.entries(k.labels).every(([a, b]) => labels[a] === b));
}
