import { type Document, isMap, isScalar, parseDocument, type YAMLMap } from "yaml";
import { InputError } from "../shared/diagnostics.js";
import type { YamlPath } from "../shared/yaml.js";
import { type LayerLocation, locateLayers } from "./parse.js";

/**
 * A revision of a profile file written in the file's own format (the edgesim format or a Palette shape):
 * the document is edited in place, so comments, key order and everything not edited stay as written.
 */
export interface ProfileEdits {
  /** The profile's name (where the format keeps one). */
  name?: string;
  /** The kubernetes layer's version (a Palette pack's `tag` when that is what the file has). */
  kubernetesVersion?: string;
  /** The OS layer's `options.system.uri`, as written (a macro or a literal image). */
  osUri?: string;
  /** The OS layer's version and values taken from another file of the same format (the target's OS layer). */
  osLayerFrom?: { text: string; file: string };
}

const URI = ["options", "system", "uri"] as const;

function layer(layers: readonly LayerLocation[], name: string, file: string): LayerLocation {
  const found = layers.find((l) => l.name === name);
  if (!found) throw new InputError([{ file, message: `has no ${name} layer to edit` }]);
  return found;
}

function nested(segments: readonly string[], value: string): unknown {
  let out: unknown = value;
  for (let i = segments.length - 1; i >= 0; i--) out = { [segments[i] as string]: out };
  return out;
}

/** Sets a dotted path in a mapping written with dotted keys, nested keys or a mix (`system.uri:` under `options:`). */
function setDotted(doc: Document, map: YAMLMap, segments: readonly string[], value: string): void {
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const parts = key.split(".");
    if (parts.length > segments.length || !parts.every((p, i) => p === segments[i])) continue;
    const rest = segments.slice(parts.length);
    if (rest.length === 0) {
      pair.value = doc.createNode(value);
      return;
    }
    if (isMap(pair.value)) {
      setDotted(doc, pair.value, rest, value);
      return;
    }
  }
  const [head, ...tail] = segments;
  map.set(doc.createNode(head), doc.createNode(nested(tail, value)));
}

function setUri(doc: Document, valuesPath: YamlPath, uri: string, file: string): void {
  const node = doc.getIn(valuesPath, true);
  if (node === undefined || node === null) {
    doc.setIn(valuesPath, doc.createNode(nested(URI, uri)));
    return;
  }
  if (isMap(node)) {
    setDotted(doc, node, URI, uri);
    return;
  }
  if (isScalar(node) && typeof node.value === "string") {
    // Palette keeps pack values as YAML text: edit that text as a document of its own.
    const inner = parseDocument(node.value);
    if (inner.errors.length > 0 || !(isMap(inner.contents) || inner.contents === null)) {
      throw new InputError([{ file, message: "the OS layer's values text is not a YAML mapping" }]);
    }
    if (inner.contents === null) inner.contents = inner.createNode({}) as unknown as typeof inner.contents;
    setDotted(inner, inner.contents as YAMLMap, URI, uri);
    node.value = String(inner);
    return;
  }
  throw new InputError([{ file, message: "the OS layer's values are neither a mapping nor YAML text" }]);
}

/** `text` (a profile file of any accepted format) with `edits` applied, in the same format. */
export function editProfileText(text: string, file: string, edits: ProfileEdits): string {
  const located = locateLayers(text, file);
  const doc = located.yaml.doc;
  if (edits.name !== undefined && located.nameAt !== undefined) doc.setIn(located.nameAt, edits.name);
  if (edits.kubernetesVersion !== undefined) {
    doc.setIn(layer(located.layers, "kubernetes", file).versionPath, edits.kubernetesVersion);
  }
  if (edits.osLayerFrom !== undefined) {
    const other = locateLayers(edits.osLayerFrom.text, edits.osLayerFrom.file);
    if (other.format !== located.format) {
      throw new InputError([
        {
          file: edits.osLayerFrom.file,
          message: `is a ${other.format} and ${file} a ${located.format}: the revisions between them are written in one format, so give both in the same one`,
        },
      ]);
    }
    const os = layer(located.layers, "os", file);
    const otherOs = layer(other.layers, "os", edits.osLayerFrom.file);
    doc.setIn(os.versionPath, otherOs.version);
    const values = other.yaml.doc.getIn(otherOs.valuesPath, true);
    if (values === undefined) doc.deleteIn(os.valuesPath);
    else doc.setIn(os.valuesPath, (values as { clone(): unknown }).clone());
  }
  if (edits.osUri !== undefined) setUri(doc, layer(located.layers, "os", file).valuesPath, edits.osUri, file);
  return String(doc);
}

/** The OS layer's `options.system.uri` as written in the file (undefined when it has none). */
export function writtenOsUri(text: string, file: string): string | undefined {
  const located = locateLayers(text, file);
  const os = located.layers.find((l) => l.name === "os");
  if (!os) return undefined;
  const node = located.yaml.doc.getIn(os.valuesPath, true);
  let values: unknown;
  if (isScalar(node) && typeof node.value === "string") values = parseDocument(node.value).toJS();
  else if (isMap(node)) values = node.toJSON();
  return findDotted(values, URI);
}

function findDotted(value: unknown, segments: readonly string[]): string | undefined {
  if (segments.length === 0) return typeof value === "string" ? value : undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const parts = key.split(".");
    if (parts.length > segments.length || !parts.every((p, i) => p === segments[i])) continue;
    const found = findDotted(child, segments.slice(parts.length));
    if (found !== undefined) return found;
  }
  return undefined;
}
