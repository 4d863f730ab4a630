import { parse, stringify } from "yaml";
import type { Mapping, Profile, Value } from "../profile/types.js";
import { isMapping } from "../profile/values.js";
import type { Distribution, LayerName } from "../shared/types.js";

/**
 * A profile as plain data that a quiz change edits and writes back as profile YAML: the values as the
 * user wrote them (normalised, macros unrendered), so the edited profile goes through the real loader.
 */
export interface Draft {
  name: string;
  distribution?: Distribution;
  variables: Record<string, string>;
  layers: DraftLayer[];
}

export interface DraftLayer {
  name: LayerName;
  pack: string;
  version: string;
  values: Mapping;
}

/** A path inside a layer's values: mapping keys and list indices. */
export type Segments = readonly (string | number)[];

export function draftOf(profile: Profile): Draft {
  return {
    name: profile.name,
    ...(profile.distributionInferred ? {} : { distribution: profile.distribution }),
    variables: { ...profile.variables },
    layers: profile.layers.map((layer) => ({
      name: layer.name,
      pack: layer.pack,
      version: layer.version,
      values: structuredClone(layer.rawValues),
    })),
  };
}

/** A copy whose edits leave the original alone. */
export function cloneDraft(draft: Draft): Draft {
  return structuredClone(draft);
}

/** The draft as an edgesim profile file. */
export function draftText(draft: Draft): string {
  const layers: Record<string, unknown> = {};
  const addons: unknown[] = [];
  for (const layer of draft.layers) {
    const body = { pack: layer.pack, version: layer.version, values: layer.values };
    if (layer.name.startsWith("addon:")) addons.push(body);
    else layers[layer.name] = body;
  }
  if (addons.length > 0) layers.addons = addons;
  return stringify(
    {
      name: draft.name,
      ...(draft.distribution ? { distribution: draft.distribution } : {}),
      ...(Object.keys(draft.variables).length > 0 ? { variables: draft.variables } : {}),
      layers,
    },
    // Long values (stage scripts, file contents) stay on one logical line each, as written.
    { lineWidth: 0 },
  );
}

export function layerOf(draft: Draft, name: LayerName): DraftLayer | undefined {
  return draft.layers.find((layer) => layer.name === name);
}

/** The value at `path`, or undefined. */
export function valueAt(values: Value, path: Segments): Value | undefined {
  let node: Value | undefined = values;
  for (const segment of path) {
    if (typeof segment === "number") {
      if (!Array.isArray(node)) return undefined;
      node = node[segment];
    } else {
      if (!isMapping(node) || !Object.hasOwn(node, segment)) return undefined;
      node = node[segment];
    }
  }
  return node;
}

/** Sets the value at `path`, creating mappings on the way; false when a list or scalar is in the way. */
export function setValue(values: Mapping, path: Segments, value: Value): boolean {
  let node: Value = values;
  for (const [i, segment] of path.entries()) {
    const last = i === path.length - 1;
    if (typeof segment === "number") {
      if (!Array.isArray(node) || segment > node.length) return false;
      if (last) node[segment] = value;
      else node = node[segment] as Value;
      continue;
    }
    if (!isMapping(node)) return false;
    if (last) {
      Object.defineProperty(node, segment, { value, enumerable: true, writable: true, configurable: true });
      return true;
    }
    if (node[segment] === undefined || node[segment] === null) node[segment] = {};
    node = node[segment] as Value;
  }
  return true;
}

/**
 * Pack values often hold YAML as text inside a value (PXK-E's `cluster.config`): `edit` gets it parsed
 * and its result is written back as text. Returns false when the value is not YAML text of a mapping.
 */
export function editYamlText(values: Mapping, path: Segments, edit: (inner: Mapping) => boolean): boolean {
  const text = valueAt(values, path);
  if (typeof text !== "string") return false;
  let inner: unknown;
  try {
    // logLevel "error": the library would print a process warning for a collection key; edgesim reports, never prints.
    inner = parse(text, { logLevel: "error" });
  } catch {
    return false;
  }
  if (!isMapping(inner as Value)) return false;
  if (!edit(inner as Mapping)) return false;
  return setValue(values, path, stringify(inner, { lineWidth: 0 }));
}

/** A value as a short YAML snippet, for showing what changed. */
export function showValue(value: Value | undefined): string {
  if (value === undefined) return "(absent)";
  if (typeof value === "string") return value;
  return stringify(value, { lineWidth: 0 }).replace(/\n$/, "");
}

/** `a.b[0].c` */
export function dotted(path: Segments): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}
