import * as z from "zod";
import { DISTRIBUTIONS } from "../shared/types.js";

/*
 * The profile FILE as users write it (docs/formats/profile.md). Only shapes here, no transforms, so
 * `z.toJSONSchema(profileFileSchema)` gives editors a schema; normalisation (YAML text values, dotted keys,
 * version numbers as text) happens in parse.ts. Messages are written to follow a dotted path:
 * `file:3:5: layers.os.pack: is required`.
 */

function required(what: string) {
  return (issue: { input: unknown }) => (issue.input === undefined ? "is required" : `must be ${what}`);
}

/** A pack version; YAML reads `1.30` as a number, so numbers are accepted (parse.ts keeps the source text). */
export const versionSchema = z.union([z.string().min(1), z.number()], {
  error: required("a version string such as 1.30.5"),
});

/** Pack values: a mapping, a string holding YAML (as Palette stores them), or nothing. */
export const valuesSchema = z
  .union([z.record(z.string(), z.unknown()), z.string(), z.null()], {
    error: "must be a mapping or a string holding YAML",
  })
  .optional();

/** A pack's manifests (Palette's `manifests[]`): a name and the YAML it applies. */
export const manifestsSchema = z
  .array(
    z.looseObject({
      name: z.string({ error: required("a manifest name") }).min(1, { error: "must not be empty" }),
      content: z.string({ error: required("a string holding the manifest's YAML") }).optional(),
    }),
    { error: "must be a list of { name, content }" },
  )
  .optional();

export const layerSchema = z.strictObject(
  {
    pack: z.string({ error: required("a pack name") }).min(1, { error: "must not be empty" }),
    version: versionSchema,
    values: valuesSchema,
    manifests: manifestsSchema,
  },
  {
    error: (issue) =>
      issue.code === "invalid_type" ? "must be a mapping with pack, version and values" : undefined,
  },
);

export const layersSchema = z.strictObject(
  {
    os: layerSchema,
    kubernetes: layerSchema,
    network: layerSchema.optional(),
    storage: layerSchema.optional(),
    addons: z.array(layerSchema, { error: "must be a list of layers" }).optional(),
  },
  {
    error: (issue) =>
      issue.code === "invalid_type"
        ? issue.input === undefined
          ? "is required"
          : "must be a mapping of os, kubernetes, network, storage and addons"
        : undefined,
  },
);

export const variableValueSchema = z.union([z.string(), z.number(), z.boolean()], {
  error: "must be a string, number or boolean",
});

export const distributionSchema = z.enum(DISTRIBUTIONS, {
  error: (issue) => `must be one of ${DISTRIBUTIONS.join(", ")} (got ${JSON.stringify(issue.input)})`,
});

export const profileFileSchema = z.strictObject(
  {
    $schema: z.string().optional(),
    name: z.string({ error: required("a string") }).min(1, { error: "must not be empty" }),
    description: z.string().optional(),
    distribution: distributionSchema.optional(),
    variables: z
      .record(z.string(), variableValueSchema, { error: "must be a mapping of name to value" })
      .optional(),
    layers: layersSchema,
  },
  {
    error: (issue) =>
      issue.code === "invalid_type" ? "a profile must be a mapping with name and layers" : undefined,
  },
);

export type ProfileFile = z.input<typeof profileFileSchema>;
export type LayerFile = z.input<typeof layerSchema>;

/* A Palette cluster-profile export: only the parts edgesim reads; the rest of the export is left alone. */

export const PALETTE_LAYERS = ["os", "k8s", "cni", "csi", "addon"] as const;

/** One pack of any Palette shape: `layer` may be missing (a cluster-create body), `version` or `tag`. */
export const palettePackSchema = z.looseObject({
  name: z.string({ error: required("a pack name") }).min(1, { error: "must not be empty" }),
  layer: z
    .enum(PALETTE_LAYERS, {
      error: (issue) => `must be one of ${PALETTE_LAYERS.join(", ")} (got ${JSON.stringify(issue.input)})`,
    })
    .optional(),
  version: versionSchema.optional(),
  tag: versionSchema.optional(),
  values: valuesSchema,
  manifests: manifestsSchema,
});

export const paletteVariablesSchema = z
  .array(
    z.looseObject({
      name: z.string(),
      value: variableValueSchema.optional(),
      defaultValue: variableValueSchema.optional(),
    }),
    { error: "must be a list of { name, value }" },
  )
  .optional();

/** A Palette cluster-profile export (UI export): the parts edgesim reads; the rest is left alone. */
export const paletteExportSchema = z.looseObject({
  metadata: z.looseObject(
    { name: z.string({ error: required("a string") }).min(1, { error: "must not be empty" }) },
    { error: required("a mapping with the profile's name") },
  ),
  spec: z.looseObject({
    template: z.looseObject({ packs: z.array(palettePackSchema) }),
    variables: paletteVariablesSchema,
  }),
});

export type PaletteExport = z.input<typeof paletteExportSchema>;
export type PalettePack = z.output<typeof palettePackSchema>;
