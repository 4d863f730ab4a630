import { CORE_LAYERS, type LayerName } from "../shared/types.js";
import { dottedPath } from "../shared/yaml.js";
import type { Layer, LayerDiff, LeafChange, ManifestChange, Profile, ProfileDiff, Value } from "./types.js";
import { compareKeys, isMapping, type Segment } from "./values.js";

interface Leaf {
  path: Segment[];
  value: Value;
}

/** Every leaf of a value: scalars, and empty mappings/lists (they are values a user can set). */
export function leaves(value: Value, at: Segment[] = [], out: Leaf[] = []): Leaf[] {
  if (Array.isArray(value) && value.length > 0) {
    for (const [i, item] of value.entries()) leaves(item, [...at, i], out);
  } else if (isMapping(value) && Object.keys(value).length > 0) {
    for (const key of Object.keys(value)) leaves(value[key] as Value, [...at, key], out);
  } else {
    out.push({ path: at, value });
  }
  return out;
}

/** Path order: segment by segment, list indices numerically, indices before keys, a prefix first. */
export function comparePaths(a: readonly Segment[], b: readonly Segment[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as Segment;
    const y = b[i] as Segment;
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return x - y;
    if (typeof x === "number") return -1;
    if (typeof y === "number") return 1;
    return compareKeys(x, y);
  }
  return a.length - b.length;
}

function sameLeaf(a: Value, b: Value): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === 0 && b.length === 0;
  if (isMapping(a) && isMapping(b)) return Object.keys(a).length === 0 && Object.keys(b).length === 0;
  return false;
}

/** The changed leaves between two values, sorted by path. The root itself is path `""`. */
export function diffValues(from: Value, to: Value): LeafChange[] {
  const key = (path: Segment[]) => JSON.stringify(path);
  const before = new Map(leaves(from).map((leaf) => [key(leaf.path), leaf]));
  const after = new Map(leaves(to).map((leaf) => [key(leaf.path), leaf]));
  const changes: { path: Segment[]; change: LeafChange }[] = [];
  for (const [k, leaf] of before) {
    const other = after.get(k);
    if (!other) {
      changes.push({
        path: leaf.path,
        change: { path: dottedPath(leaf.path), kind: "removed", from: leaf.value },
      });
    } else if (!sameLeaf(leaf.value, other.value)) {
      changes.push({
        path: leaf.path,
        change: { path: dottedPath(leaf.path), kind: "changed", from: leaf.value, to: other.value },
      });
    }
  }
  for (const [k, leaf] of after) {
    if (!before.has(k)) {
      changes.push({
        path: leaf.path,
        change: { path: dottedPath(leaf.path), kind: "added", to: leaf.value },
      });
    }
  }
  return changes.sort((a, b) => comparePaths(a.path, b.path)).map((c) => c.change);
}

/** Layer names in order: core layers, then add-ons of `to` in its order, then add-ons only `from` had. */
function layerOrder(from: Profile, to: Profile): LayerName[] {
  const names: LayerName[] = [...CORE_LAYERS];
  for (const layer of [...to.layers, ...from.layers]) {
    if (!names.includes(layer.name)) names.push(layer.name);
  }
  return names;
}

function diffLayer(
  name: LayerName,
  before: Layer | undefined,
  after: Layer | undefined,
): LayerDiff | undefined {
  if (!before && !after) return undefined;
  const packSwitched = before !== undefined && after !== undefined && before.pack !== after.pack;
  const versionChanged = before !== undefined && after !== undefined && before.version !== after.version;
  const changes =
    before && after && !packSwitched
      ? wholeStages(diffValues(before.values, after.values), before, after).map((change) =>
          withWritten(change, before, after),
        )
      : [];
  const manifestChanges = before && after && !packSwitched ? diffManifests(before, after) : [];
  const differs =
    !before || !after || packSwitched || versionChanged || changes.length > 0 || manifestChanges.length > 0;
  if (!differs) return undefined;
  return {
    layer: name,
    ...(before ? { fromPack: before.pack, fromVersion: before.version } : {}),
    ...(after ? { toPack: after.pack, toVersion: after.version } : {}),
    packSwitched,
    versionChanged,
    changes,
    manifestChanges,
  };
}

/**
 * A changed number, boolean or null carries its text as written (`0644`, `1.10`, `0x1F`, `~`): the value
 * compares as Go's YAML reads it, the plan shows what the user wrote. Strings are shown quoted, as
 * JSON, whatever their quoting in the file; macros render only inside strings, so a written number is
 * the value itself.
 */
function withWritten(change: LeafChange, before: Layer, after: Layer): LeafChange {
  const text = (layer: Layer, value: Value | undefined) =>
    value !== undefined && (value === null || typeof value === "number" || typeof value === "boolean")
      ? layer.written?.get(change.path)
      : undefined;
  const fromText = text(before, change.from);
  const toText = text(after, change.to);
  if (fromText === undefined && toText === undefined) return change;
  return {
    ...change,
    ...(fromText !== undefined ? { fromText } : {}),
    ...(toText !== undefined ? { toText } : {}),
  };
}

/**
 * A stage that only one side has is one change (the whole stage added or removed), not one per field:
 * that is how a user thinks of it, and every field of it meets the same rule.
 */
function wholeStages(changes: LeafChange[], before: Layer, after: Layer): LeafChange[] {
  const stagesOf = (layer: Layer) => (isMapping(layer.values.stages) ? layer.values.stages : {});
  const from = stagesOf(before);
  const to = stagesOf(after);
  const whole = new Set(
    [...Object.keys(from), ...Object.keys(to)].filter(
      (name) => !Object.hasOwn(from, name) || !Object.hasOwn(to, name),
    ),
  );
  if (whole.size === 0) return changes;
  const out: LeafChange[] = [];
  const done = new Set<string>();
  for (const change of changes) {
    const name = [...whole].find((stage) => {
      const prefix = `stages.${stage}`;
      // Stages are lists: what is below one starts with `[`. (`stages.boot.after` is another stage.)
      return change.path === prefix || change.path.startsWith(`${prefix}[`);
    });
    if (name === undefined) {
      out.push(change);
      continue;
    }
    if (done.has(name)) continue;
    done.add(name);
    const added = Object.hasOwn(to, name);
    out.push(
      added
        ? { path: `stages.${name}`, kind: "added", to: to[name] as Value }
        : { path: `stages.${name}`, kind: "removed", from: from[name] as Value },
    );
  }
  return out;
}

/** Manifests matched by name: added, removed, or a different content (trailing blank lines aside). */
function diffManifests(before: Layer, after: Layer): ManifestChange[] {
  const text = (content: string) => content.replace(/\s+$/, "");
  const out: ManifestChange[] = [];
  const next = new Map((after.manifests ?? []).map((m) => [m.name, m]));
  for (const manifest of before.manifests ?? []) {
    const other = next.get(manifest.name);
    if (!other) out.push({ name: manifest.name, kind: "removed", from: manifest.content });
    else if (text(other.content) !== text(manifest.content)) {
      out.push({ name: manifest.name, kind: "changed", from: manifest.content, to: other.content });
    }
  }
  const previous = new Set((before.manifests ?? []).map((m) => m.name));
  for (const manifest of after.manifests ?? []) {
    if (!previous.has(manifest.name)) out.push({ name: manifest.name, kind: "added", to: manifest.content });
  }
  return out;
}

/**
 * What differs between two profiles, layer by layer: pack switches, version changes and every changed
 * leaf of the rendered values. Core layers match by name, add-ons by pack (`addon:<pack>`).
 */
export function diffProfiles(from: Profile, to: Profile): ProfileDiff {
  const layers: LayerDiff[] = [];
  for (const name of layerOrder(from, to)) {
    const diff = diffLayer(
      name,
      from.layers.find((l) => l.name === name),
      to.layers.find((l) => l.name === name),
    );
    if (diff) layers.push(diff);
  }
  return { from, to, layers };
}
