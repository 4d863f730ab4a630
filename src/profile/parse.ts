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
  writtenAt,
  type YamlFile,
  type YamlPath,
} from "../shared/yaml.js";
import { renderLayers } from "./macros.js";
import {
  layerSchema,
  layersSchema,
  type PalettePack,
  palettePackSchema,
  paletteVariablesSchema,
  profileFileSchema,
} from "./schema.js";
import type { Layer, LoadOptions, Manifest, Profile } from "./types.js";
import { blockIndent, type NormalisedValues, normaliseValues } from "./values.js";

/** A layer as read from either file form, before its values are normalised. */
interface SourceLayer {
  name: LayerName;
  pack: string;
  version: string;
  values: unknown;
  manifests: Manifest[];
  /** Where the pack name and the values stand, for messages. */
  packPath: YamlPath;
  valuesPath: YamlPath;
  /** Where the version (or a Palette pack's tag) stands. */
  versionPath: YamlPath;
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
 * `edge-k8s`/`*pxk*` → pxk-e, `edge-canonical`/`*canonical*`/`*ck8s*` → canonical, and the bare
 * `kubernetes` pack (KUBEADM_PACK) → pxk-e, an assumption the profile's warnings state;
 * `undefined` when the name says nothing.
 */
export function inferDistribution(kubernetesPack: string): Distribution | undefined {
  const name = kubernetesPack.toLowerCase();
  if (name.includes("rke2")) return "rke2";
  if (name.includes("k3s")) return "k3s";
  if (name === "edge-k8s" || name.includes("pxk")) return "pxk-e";
  if (name.includes("canonical") || name.includes("ck8s")) return "canonical";
  if (name === KUBEADM_PACK) return "pxk-e";
  return undefined;
}

/**
 * The pack named plainly `kubernetes` (Palette's kubeadm-based PXK pack, as in the Terraform modules'
 * examples). No page says which Edge distribution it is; edgesim reads it as PXK-E (kubeadm) and says so.
 */
export const KUBEADM_PACK = "kubernetes";

export const KUBEADM_ASSUMPTION = `the kubernetes pack "${KUBEADM_PACK}" (Palette's kubeadm-based PXK pack) is read as distribution pxk-e, an assumption: no page names its Edge distribution; set distribution: (or --distribution) if it is another`;

/**
 * Parses a profile (the edgesim file or a Palette cluster-profile export) and normalises it: values as
 * mappings with dotted keys expanded and keys sorted, macros rendered, the distribution resolved. Pure;
 * every problem is an InputError naming `file` and line:col or a dotted path.
 */
export function parseProfile(text: string, file: string, options: LoadOptions = {}): Profile {
  const yaml = parseYamlFile(text, file);
  const shape = profileShape(yaml.value);
  if (shape === undefined) throw new InputError([unknownShape(yaml)]);
  const source = shape.kind === "edgesim" ? readProfileFile(yaml) : readPalette(yaml, shape);
  return buildProfile(source, yaml, text, file, options);
}

/** Where each layer of a profile file stands in its document: for writing a revision of it in its own format. */
export interface LayerLocation {
  name: LayerName;
  pack: string;
  version: string;
  versionPath: YamlPath;
  valuesPath: YamlPath;
}

/** The document of a profile file and where its layers are, whatever its format; the name's place too. */
export function locateLayers(
  text: string,
  file: string,
): { yaml: YamlFile; format: string; nameAt: YamlPath | undefined; layers: LayerLocation[] } {
  const yaml = parseYamlFile(text, file);
  const shape = profileShape(yaml.value);
  if (shape === undefined) throw new InputError([unknownShape(yaml)]);
  const source = shape.kind === "edgesim" ? readProfileFile(yaml) : readPalette(yaml, shape);
  const nameAt =
    shape.kind === "edgesim"
      ? (["name"] as YamlPath)
      : shape.nameAt.find((at) => typeof rawAt(yaml, at) === "string" && rawAt(yaml, at) !== "");
  return {
    yaml,
    format: shape.kind === "edgesim" ? "edgesim profile" : shape.label,
    nameAt,
    layers: source.layers.map(({ name, pack, version, versionPath, valuesPath }) => ({
      name,
      pack,
      version,
      versionPath,
      valuesPath,
    })),
  };
}

/** The pack a values file stands for when `--pack` is not given. */
const DEFAULT_PACKS: Record<CoreLayerName, (distribution: Distribution) => string> = {
  os: () => "edge-native-byoi",
  kubernetes: (distribution) =>
    distribution === "rke2"
      ? "edge-rke2"
      : distribution === "k3s"
        ? "edge-k3s"
        : distribution === "canonical"
          ? "edge-canonical"
          : "edge-k8s",
  network: () => "cni-calico",
  storage: () => "csi-local-path",
};

/**
 * One pack's values file (the OS values CanvOS prints, a pack's values.yaml) as `layer` of an otherwise
 * unchanged profile: the other layers are empty and equal on both sides, so a plan of two such files
 * is the plan of that layer alone. The version is a placeholder, the same on both sides.
 */
export function parseLayerValues(
  text: string,
  file: string,
  layer: CoreLayerName,
  options: LoadOptions & { distribution: Distribution; pack?: string },
): Profile {
  const yaml = parseYamlFile(text, file);
  const pack = options.pack ?? DEFAULT_PACKS[layer](options.distribution);
  const placeholder = (name: CoreLayerName, values: unknown): SourceLayer => ({
    name,
    pack: name === layer ? pack : DEFAULT_PACKS[name](options.distribution),
    version: "(unchanged)",
    values,
    manifests: [],
    packPath: [],
    valuesPath: [],
    versionPath: [],
  });
  const layers = CORE_LAYERS.filter((name) => name === layer || name === "os" || name === "kubernetes").map(
    (name) => placeholder(name, name === layer ? (yaml.value ?? {}) : {}),
  );
  return buildProfile(
    { name: file, distribution: options.distribution, variables: {}, layers },
    yaml,
    text,
    file,
    options,
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The formats a profile file may have, as the message for any other shape lists them. */
export const ACCEPTED_FORMATS = [
  "an edgesim profile (name, layers: { os, kubernetes, network, storage, addons })",
  "a Palette cluster-profile export (spec.template.packs[] with layer)",
  "a Palette API cluster-profile body (GET /v1/clusterprofiles/{uid}: spec.published.packs[] or spec.draft.packs[]; or spec.packs[])",
  "a Palette API cluster-create body (spec.profiles[].packValues[])",
  "a Terraform modules profile file (name, packs[] with name, layer, tag, values)",
] as const;

function unknownShape(yaml: YamlFile): Diagnostic {
  return {
    ...diagnosticAt(
      yaml,
      [],
      `is not a profile edgesim can read. Accepted formats:\n${ACCEPTED_FORMATS.map((f) => `  - ${f}`).join("\n")}`,
    ),
    path: undefined,
  } as Diagnostic;
}

type Shape =
  | { kind: "edgesim" }
  | {
      kind: "palette";
      /** What the file is, for messages: "cluster-profile export", … */
      label: string;
      /** Where each list of packs is. */
      packLists: YamlPath[];
      /** Where the name is (first present wins). */
      nameAt: YamlPath[];
      variablesAt: YamlPath[];
    };

/** Which of the accepted formats a document has; undefined for none. */
function profileShape(value: unknown): Shape | undefined {
  // Not a mapping at all: the edgesim reader says so in its own words.
  if (!isRecord(value)) return { kind: "edgesim" };
  const spec = isRecord(value.spec) ? value.spec : undefined;
  const names: YamlPath[] = [["metadata", "name"], ["name"]];
  if (spec && isRecord(spec.template) && Array.isArray(spec.template.packs)) {
    return palette("cluster-profile export", [["spec", "template", "packs"]], names, [["spec", "variables"]]);
  }
  for (const side of ["published", "draft"] as const) {
    const at = spec?.[side];
    if (isRecord(at) && Array.isArray(at.packs)) {
      return palette(`API cluster profile (spec.${side})`, [["spec", side, "packs"]], names, [
        ["spec", side, "variables"],
        ["spec", "variables"],
      ]);
    }
  }
  if (spec && Array.isArray(spec.packs)) {
    return palette("API cluster-profile body", [["spec", "packs"]], names, [["spec", "variables"]]);
  }
  if (spec && Array.isArray(spec.profiles)) {
    const lists: YamlPath[] = [];
    const variables: YamlPath[] = [];
    for (const [i, profile] of spec.profiles.entries()) {
      if (isRecord(profile) && Array.isArray(profile.packValues)) {
        lists.push(["spec", "profiles", i, "packValues"]);
        variables.push(["spec", "profiles", i, "variables"]);
      }
    }
    if (lists.length > 0) return palette("API cluster-create body", lists, names, variables);
  }
  if (Array.isArray(value.packs) && !("layers" in value)) {
    return palette("Terraform profile file", [["packs"]], [["name"], ["metadata", "name"]], []);
  }
  if ("layers" in value || "name" in value) return { kind: "edgesim" };
  return undefined;
}

function palette(label: string, packLists: YamlPath[], nameAt: YamlPath[], variablesAt: YamlPath[]): Shape {
  return { kind: "palette", label, packLists, nameAt, variablesAt };
}

/** True for any of the Palette shapes (export, API bodies, Terraform profile files). */
export function isPaletteExport(value: unknown): boolean {
  return profileShape(value)?.kind === "palette";
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
      manifests: (layer.manifests ?? []).flatMap((m) =>
        m.content === undefined ? [] : [{ name: m.name, content: m.content }],
      ),
      packPath: [...at, "pack"],
      valuesPath: [...at, "values"],
      versionPath: [...at, "version"],
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

/** The Palette layer of a pack that does not say (a cluster-create body): from its name, else an add-on. */
export function inferPackLayer(name: string): (typeof EXPORT_LAYERS)[string] {
  const n = name.toLowerCase();
  if (n.startsWith("cni-")) return "network";
  if (n.startsWith("csi-")) return "storage";
  if (inferDistribution(n) !== undefined || n === "kubernetes" || n.startsWith("kubernetes-")) {
    return "kubernetes";
  }
  if (/^(edge-native-|ubuntu|opensuse|sles|rhel|centos|os-)/.test(n)) return "os";
  return "addon";
}

/** Validates one node of the document, issues placed under `at`. */
function validateAt<S extends z.ZodType>(
  yaml: YamlFile,
  at: YamlPath,
  schema: S,
  bag: DiagnosticBag,
): z.output<S> | undefined {
  const parsed = schema.safeParse(rawAt(yaml, at));
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    bag.add(diagnosticAt(yaml, [...at, ...path], issue.message));
  }
  return undefined;
}

function readManifests(
  yaml: YamlFile,
  at: YamlPath,
  manifests: PalettePack["manifests"],
  bag: DiagnosticBag,
): Manifest[] {
  const out: Manifest[] = [];
  const seen = new Set<string>();
  for (const [i, manifest] of (manifests ?? []).entries()) {
    // An API GET names its manifests by uid only; their content is fetched separately, so there is
    // nothing to compare.
    if (manifest.content === undefined) continue;
    if (seen.has(manifest.name)) {
      bag.add(diagnosticAt(yaml, [...at, i, "name"], `a second manifest named "${manifest.name}"`));
      continue;
    }
    seen.add(manifest.name);
    out.push({ name: manifest.name, content: manifest.content });
  }
  return out;
}

function readPalette(yaml: YamlFile, shape: Extract<Shape, { kind: "palette" }>): SourceProfile {
  const bag = new DiagnosticBag();
  const core = new Map<CoreLayerName, SourceLayer>();
  const addons: SourceLayer[] = [];
  for (const listAt of shape.packLists) {
    const list = rawAt(yaml, listAt) as unknown[];
    for (let i = 0; i < list.length; i++) {
      const at: YamlPath = [...listAt, i];
      const pack = validateAt(yaml, at, palettePackSchema, bag);
      if (!pack) continue;
      const kind = pack.layer ? (EXPORT_LAYERS[pack.layer] ?? "addon") : inferPackLayer(pack.name);
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
        manifests: readManifests(yaml, [...at, "manifests"], pack.manifests, bag),
        packPath: [...at, "name"],
        valuesPath: [...at, "values"],
        versionPath: [...at, versionKey],
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
            pack.layer ? [...at, "layer"] : [...at, "name"],
            `a second ${kind} pack (the first is ${dottedPath(first.packPath.slice(0, -1))})`,
          ),
        );
        continue;
      }
      core.set(kind, layer);
    }
  }
  for (const [required, paletteName] of [
    ["os", "os"],
    ["kubernetes", "k8s"],
  ] as const) {
    if (!core.has(required)) {
      bag.add(
        diagnosticAt(
          yaml,
          shape.packLists[0] ?? [],
          `has no pack with layer ${paletteName}${shape.packLists.length > 1 ? " in any profile" : ""}`,
        ),
      );
    }
  }
  const nameAt = shape.nameAt.find((at) => typeof rawAt(yaml, at) === "string" && rawAt(yaml, at) !== "");
  const variables: Record<string, string> = {};
  for (const at of shape.variablesAt) {
    const list = validateAt(yaml, at, paletteVariablesSchema, bag);
    for (const [i, variable] of (list ?? []).entries()) {
      const value = variable.value ?? variable.defaultValue;
      const key = variable.value !== undefined ? "value" : "defaultValue";
      if (value !== undefined && !(variable.name in variables)) {
        variables[variable.name] = scalarText(yaml, [...at, i, key], value);
      }
    }
  }
  bag.throwIfAny();
  const layers = CORE_LAYERS.flatMap((name) => core.get(name) ?? []);
  return {
    name: nameAt ? (rawAt(yaml, nameAt) as string) : yaml.file,
    variables,
    layers: [...layers, ...addons],
  };
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
      writtenAt: (path) => writtenAt(yaml, [...layer.valuesPath, ...path]),
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
        `cannot infer the distribution from pack "${kubernetes.pack}"; set distribution: to pxk-e, k3s, rke2 or canonical`,
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

  const layers: Layer[] = source.layers.map((layer, i) => {
    const out: Layer = {
      name: layer.name,
      pack: layer.pack,
      version: layer.version,
      values: rendered.values[i] ?? {},
      rawValues: normalised[i]?.values ?? {},
      manifests: layer.manifests,
    };
    // Not enumerable: a lookup, not data (profiles are compared, cloned to threads and printed).
    const written = (normalised[i] as NormalisedValues | undefined)?.written;
    if (written) Object.defineProperty(out, "written", { value: written, enumerable: false });
    return out;
  });
  return {
    name: source.name,
    file,
    distribution: distribution as Distribution,
    distributionInferred: options.distribution === undefined && source.distribution === undefined,
    variables,
    variablesUsed: rendered.variablesUsed,
    layers,
    warnings:
      distribution === inferred &&
      options.distribution === undefined &&
      source.distribution === undefined &&
      kubernetes.pack.toLowerCase() === KUBEADM_PACK
        ? [KUBEADM_ASSUMPTION, ...rendered.warnings]
        : rendered.warnings,
  };
}
