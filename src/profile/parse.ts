import { isScalar } from "yaml";
import type { z } from "zod";
import { type Diagnostic, DiagnosticBag, InputError } from "../shared/diagnostics.js";
import { CORE_LAYERS, type CoreLayerName, type Distribution, type LayerName } from "../shared/types.js";
import {
  diagnosticAt,
  dottedPath,
  parseYamlFile,
  positionOf,
  scalarAt,
  type YamlFile,
  type YamlPath,
} from "../shared/yaml.js";
import { renderLayers } from "./macros.js";
import { layerSchema, layersSchema, paletteExportSchema, profileFileSchema } from "./schema.js";
import type { Layer, LoadOptions, Profile } from "./types.js";
import { blockIndent, normaliseValues } from "./values.js";

/** A layer as read from either file form, before its values are normalised. */
interface SourceLayer {
  name: LayerName;
  pack: string;
  version: string;
  values: unknown;
  /** Where the pack name and the values stand, for messages. */
  packPath: YamlPath;
  valuesPath: YamlPath;
}

interface SourceProfile {
  name: string;
  distribution?: Distribution;
  variables: Record<string, string>;
  /** Core layers in CORE_LAYERS order, then add-ons in file order. */
  layers: SourceLayer[];
}

/**
 * The distribution a kubernetes pack implies: `edge-rke2`/`*rke2*` → rke2, `edge-k3s`/`*k3s*` → k3s,
 * `edge-k8s`/`*pxk*` → pxk-e; `undefined` when the name says nothing.
 */
export function inferDistribution(kubernetesPack: string): Distribution | undefined {
  const name = kubernetesPack.toLowerCase();
  if (name.includes("rke2")) return "rke2";
  if (name.includes("k3s")) return "k3s";
  if (name === "edge-k8s" || name.includes("pxk")) return "pxk-e";
  return undefined;
}

/**
 * Parses a profile (the edgesim file or a Palette cluster-profile export) and normalises it: values as
 * mappings with dotted keys expanded and keys sorted, macros rendered, the distribution resolved. Pure;
 * every problem is an InputError naming `file` and line:col or a dotted path.
 */
export function parseProfile(text: string, file: string, options: LoadOptions = {}): Profile {
  const yaml = parseYamlFile(text, file);
  const source = isPaletteExport(yaml.value) ? readExport(yaml) : readProfileFile(yaml);
  return buildProfile(source, yaml, text, file, options);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function isPaletteExport(value: unknown): boolean {
  return (
    isRecord(value) &&
    isRecord(value.spec) &&
    isRecord(value.spec.template) &&
    Array.isArray(value.spec.template.packs)
  );
}

const KNOWN_KEYS: Record<"profile" | "layers" | "layer", readonly string[]> = {
  profile: Object.keys(profileFileSchema.shape),
  layers: Object.keys(layersSchema.shape),
  layer: Object.keys(layerSchema.shape),
};

function knownKeysAt(path: readonly PropertyKey[]): readonly string[] | undefined {
  if (path.length === 0) return KNOWN_KEYS.profile;
  if (path.length === 1 && path[0] === "layers") return KNOWN_KEYS.layers;
  if (path[0] === "layers" && (path.length === 2 || (path.length === 3 && path[1] === "addons"))) {
    return KNOWN_KEYS.layer;
  }
  return undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(
        Math.min(
          (previous[j] as number) + 1,
          (current[j - 1] as number) + 1,
          (previous[j - 1] as number) + cost,
        ),
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}

function unknownKeyMessage(key: string, known: readonly string[] | undefined): string {
  if (!known) return "unknown key";
  const close = known
    .filter((k) => k !== "$schema")
    .map((k) => ({ k, d: editDistance(key.toLowerCase(), k.toLowerCase()) }))
    .filter(({ d }) => d <= 2)
    .sort((a, b) => a.d - b.d)[0];
  const allowed = known.filter((k) => k !== "$schema").join(", ");
  return close ? `unknown key (did you mean "${close.k}"?)` : `unknown key (expected one of ${allowed})`;
}

/**
 * Like validateYaml, but an unknown key is reported at the key itself (zod puts it on the parent mapping),
 * since catching typos is why the schema is strict.
 */
function validate<S extends z.ZodType>(yaml: YamlFile, schema: S): z.output<S> {
  const parsed = schema.safeParse(yaml.value);
  if (parsed.success) return parsed.data;
  const diagnostics: Diagnostic[] = [];
  for (const issue of parsed.error.issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        diagnostics.push(diagnosticAt(yaml, [...path, key], unknownKeyMessage(key, knownKeysAt(path))));
      }
    } else {
      diagnostics.push(diagnosticAt(yaml, path, issue.message));
    }
  }
  throw new InputError(sortByPlace(diagnostics));
}

function sortByPlace(diagnostics: Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
}

/** The text of a scalar as written: YAML reads `1.30` as the number 1.3, but a version means "1.30". */
function scalarText(yaml: YamlFile, path: YamlPath, value: string | number | boolean): string {
  if (typeof value === "string") return value;
  const node = yaml.doc.getIn(path, true);
  if (isScalar(node) && typeof node.source === "string" && node.source !== "") return node.source;
  return String(value);
}

/**
 * The document's own value at `path`. Values are read from here rather than from zod's output, because
 * zod's copy of a record silently drops a `__proto__` key, which in pack values is data like any other.
 */
function rawAt(yaml: YamlFile, path: YamlPath): unknown {
  let at: unknown = yaml.value;
  for (const key of path) {
    if (typeof at !== "object" || at === null || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string | number, unknown>)[key];
  }
  return at;
}

function readProfileFile(yaml: YamlFile): SourceProfile {
  const data = validate(yaml, profileFileSchema);
  const layers: SourceLayer[] = [];
  const add = (name: LayerName, layer: z.output<typeof layerSchema>, at: YamlPath) => {
    layers.push({
      name,
      pack: layer.pack,
      version: scalarText(yaml, [...at, "version"], layer.version),
      values: rawAt(yaml, [...at, "values"]),
      packPath: [...at, "pack"],
      valuesPath: [...at, "values"],
    });
  };
  for (const name of CORE_LAYERS) {
    const layer = data.layers[name];
    if (layer) add(name, layer, ["layers", name]);
  }
  for (const [i, layer] of (data.layers.addons ?? []).entries()) {
    add(`addon:${layer.pack}`, layer, ["layers", "addons", i]);
  }
  const variables: Record<string, string> = {};
  for (const [name, value] of Object.entries(data.variables ?? {})) {
    variables[name] = scalarText(yaml, ["variables", name], value);
  }
  return {
    name: data.name,
    ...(data.distribution ? { distribution: data.distribution } : {}),
    variables,
    layers,
  };
}

const EXPORT_LAYERS: Record<string, CoreLayerName | "addon"> = {
  os: "os",
  k8s: "kubernetes",
  cni: "network",
  csi: "storage",
  addon: "addon",
};

function readExport(yaml: YamlFile): SourceProfile {
  const data = validate(yaml, paletteExportSchema);
  const bag = new DiagnosticBag();
  const core = new Map<CoreLayerName, SourceLayer>();
  const addons: SourceLayer[] = [];
  for (const [i, pack] of data.spec.template.packs.entries()) {
    const at: YamlPath = ["spec", "template", "packs", i];
    const kind = EXPORT_LAYERS[pack.layer] ?? "addon";
    const version = pack.version ?? pack.tag;
    const versionKey = pack.version !== undefined ? "version" : "tag";
    if (version === undefined) {
      bag.add(diagnosticAt(yaml, at, "a pack needs a version or a tag"));
      continue;
    }
    const layer: SourceLayer = {
      name: kind === "addon" ? `addon:${pack.name}` : kind,
      pack: pack.name,
      version: scalarText(yaml, [...at, versionKey], version),
      values: rawAt(yaml, [...at, "values"]),
      packPath: [...at, "name"],
      valuesPath: [...at, "values"],
    };
    if (kind === "addon") {
      addons.push(layer);
      continue;
    }
    const first = core.get(kind);
    if (first) {
      bag.add(
        diagnosticAt(
          yaml,
          [...at, "layer"],
          `a second ${pack.layer} pack (the first is ${dottedPath(first.packPath.slice(0, -1))})`,
        ),
      );
      continue;
    }
    core.set(kind, layer);
  }
  for (const [required, paletteName] of [
    ["os", "os"],
    ["kubernetes", "k8s"],
  ] as const) {
    if (!core.has(required)) {
      bag.add(diagnosticAt(yaml, ["spec", "template", "packs"], `has no pack with layer ${paletteName}`));
    }
  }
  bag.throwIfAny();
  const variables: Record<string, string> = {};
  for (const [i, variable] of (data.spec.variables ?? []).entries()) {
    const value = variable.value ?? variable.defaultValue;
    const key = variable.value !== undefined ? "value" : "defaultValue";
    if (value !== undefined)
      variables[variable.name] = scalarText(yaml, ["spec", "variables", i, key], value);
  }
  const layers = CORE_LAYERS.flatMap((name) => core.get(name) ?? []);
  return { name: data.metadata.name, variables, layers: [...layers, ...addons] };
}

function buildProfile(
  source: SourceProfile,
  yaml: YamlFile,
  text: string,
  file: string,
  options: LoadOptions,
): Profile {
  const bag = new DiagnosticBag();
  const seen = new Map<LayerName, SourceLayer>();
  for (const layer of source.layers) {
    const first = seen.get(layer.name);
    if (first) {
      bag.add(
        diagnosticAt(
          yaml,
          layer.packPath,
          `pack "${layer.pack}" is already an add-on layer (${dottedPath(first.packPath)}); each add-on pack may appear once`,
        ),
      );
    } else seen.set(layer.name, layer);
  }

  const diagnostics: Diagnostic[] = [];
  const normalised = source.layers.map((layer) => {
    const scalar = scalarAt(yaml, layer.valuesPath);
    return normaliseValues({
      file,
      base: layer.valuesPath,
      value: layer.values,
      locate: (path) => positionOf(yaml, [...layer.valuesPath, ...path]),
      ...(scalar ? { scalar: { ...scalar, indent: scalar.block ? blockIndent(text, scalar.line) : 0 } } : {}),
      diagnostics,
    });
  });
  for (const d of diagnostics) bag.add(d);

  const kubernetes = source.layers.find((l) => l.name === "kubernetes") as SourceLayer;
  const inferred = inferDistribution(kubernetes.pack);
  const distribution = options.distribution ?? source.distribution ?? inferred;
  if (distribution === undefined) {
    bag.add(
      diagnosticAt(
        yaml,
        kubernetes.packPath,
        `cannot infer the distribution from pack "${kubernetes.pack}"; set distribution: to pxk-e, k3s or rke2`,
      ),
    );
  }
  bag.throwIfAny();

  const variables = { ...source.variables, ...(options.variables ?? {}) };
  const rendered = renderLayers({
    file,
    kubernetesVersion: kubernetes.version,
    variables,
    layers: source.layers.map((layer, i) => {
      const n = normalised[i] as (typeof normalised)[number];
      return {
        pack: layer.pack,
        rawValues: n.values,
        label: dottedPath(layer.valuesPath),
        positions: n.positions,
      };
    }),
  });
  for (const d of rendered.diagnostics) bag.add(d);
  bag.throwIfAny();

  const layers: Layer[] = source.layers.map((layer, i) => ({
    name: layer.name,
    pack: layer.pack,
    version: layer.version,
    values: rendered.values[i] ?? {},
    rawValues: normalised[i]?.values ?? {},
  }));
  return {
    name: source.name,
    file,
    distribution: distribution as Distribution,
    distributionInferred: options.distribution === undefined && source.distribution === undefined,
    variables,
    layers,
    warnings: rendered.warnings,
  };
}
