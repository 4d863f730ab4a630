import type { Diagnostic } from "../shared/diagnostics.js";
import { InputError } from "../shared/diagnostics.js";
import {
  dottedPath,
  isSeveralDocuments,
  parseYamlFile,
  positionOf,
  writtenAt,
  type YamlPath,
} from "../shared/yaml.js";
import type { Mapping, Value } from "./types.js";

export type Segment = string | number;
export interface Position {
  line: number;
  col: number;
}

/** Source positions keyed by dotted path; a Map is one. */
export interface PositionLookup {
  get(dottedPath: string): Position | undefined;
}

/** Where normalised values came from: for messages about them (macros, conflicts). */
export interface NormalisedValues {
  values: Mapping;
  /**
   * Source position of each normalised node, keyed by its dotted path relative to the values. Built on
   * the first lookup: positions are only wanted for messages, and locating every node up front cost more
   * than parsing the YAML.
   */
  positions: PositionLookup;
  /** Each scalar leaf as written (`0644`, `1.10`, `~`), keyed like positions; built on the first lookup. */
  written: WrittenLookup;
}

/** A scalar's text as written in the file, keyed by dotted path. */
export interface WrittenLookup {
  get(dottedPath: string): string | undefined;
}

const NO_POSITIONS: PositionLookup = { get: () => undefined };
const NO_WRITTEN: WrittenLookup = { get: () => undefined };
const EMPTY = { values: {}, positions: NO_POSITIONS, written: NO_WRITTEN };

export function isMapping(value: unknown): value is Mapping {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Code-unit order: the same everywhere, whatever the locale. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Assigns without ever touching the prototype (a YAML key may be `__proto__`). */
export function setKey(target: Mapping, key: string, value: Value): void {
  // Only `__proto__` is an accessor on Object.prototype; every other key assigns as an own data property,
  // and plain assignment is much cheaper than defineProperty.
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else target[key] = value;
}

/** `a.b.c` names the path a → b → c; a key with an empty part (`a..b`, `.a`) is taken literally. */
export function splitKey(key: string): string[] {
  if (!key.includes(".")) return [key];
  const parts = key.split(".");
  return parts.every((part) => part !== "") ? parts : [key];
}

/**
 * The segments a key names below a node. Under the top-level `stages` mapping a key is a Kairos/yip stage
 * name, and stage names have dots of their own (`boot.after`, `initramfs.before`): there the key is one
 * segment. A top-level dotted key through `stages` (`stages.boot.after`) names the stage `boot.after`.
 */
export function keySegments(key: string, atRoot: boolean, underStages: boolean): string[] {
  if (underStages) return [key];
  const parts = splitKey(key);
  if (atRoot && parts.length > 2 && parts[0] === "stages") return ["stages", parts.slice(1).join(".")];
  return parts;
}

/** True for the normalised path `stages` at the top of the values. */
function isStagesPath(path: readonly Segment[]): boolean {
  return path.length === 1 && path[0] === "stages";
}

export function sortDeep(value: Value): Value {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (!isMapping(value)) return value;
  const out: Mapping = {};
  for (const key of Object.keys(value).sort(compareKeys)) setKey(out, key, sortDeep(value[key] as Value));
  return out;
}

function isSorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++)
    if (compareKeys(keys[i - 1] as string, keys[i] as string) > 0) return false;
  return true;
}

/**
 * sortDeep for a tree nobody else holds (fresh from normaliseNode): mappings whose keys are already in
 * order are kept rather than copied.
 */
function sortOwned(value: Value): Value {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = sortOwned(value[i] as Value);
    return value;
  }
  if (!isMapping(value)) return value;
  const keys = Object.keys(value);
  if (isSorted(keys)) {
    for (const key of keys) setKey(value, key, sortOwned(value[key] as Value));
    return value;
  }
  const out: Mapping = {};
  for (const key of keys.sort(compareKeys)) setKey(out, key, sortOwned(value[key] as Value));
  return out;
}

interface Context {
  file: string;
  /** Source path of the values (e.g. `layers.os.values`), for messages. */
  base: YamlPath;
  locate: (sourcePath: YamlPath) => Position | undefined;
  diagnostics: Diagnostic[];
}

/**
 * Normalises pack values given as a mapping (already plain JS) or as YAML text: dotted keys expanded into
 * nested mappings, keys sorted. Problems go to `diagnostics`; the result is then partial.
 */
export function normaliseValues(input: {
  file: string;
  /** Source path of the values in the outer file, e.g. ["layers", "os", "values"]. */
  base: YamlPath;
  value: unknown;
  /** Position in the outer file of the node at a path relative to the values. */
  locate: (sourcePath: YamlPath) => Position | undefined;
  /** The scalar at a path relative to the values, as written in the outer file. */
  writtenAt?: (sourcePath: YamlPath) => string | undefined;
  /** Where the values scalar sits, when `value` is YAML text: to place errors inside it in the outer file. */
  scalar?: { line: number; col: number; block: boolean; indent: number };
  diagnostics: Diagnostic[];
}): NormalisedValues {
  const ctx: Context = {
    file: input.file,
    base: input.base,
    locate: input.locate,
    diagnostics: input.diagnostics,
  };
  let value = input.value;
  let written = input.writtenAt ?? (() => undefined);
  if (typeof value === "string") {
    const inner = parseValuesText(value, input.file, input.base, input.scalar, input.diagnostics);
    if (inner === undefined) return EMPTY;
    value = inner.value;
    ctx.locate = inner.locate;
    written = inner.written;
  }
  if (value === null || value === undefined) return EMPTY;
  if (!isMapping(value)) {
    input.diagnostics.push({
      file: input.file,
      path: dottedPath(input.base),
      message: "must be a mapping or a string holding YAML that is a mapping",
      ...(input.scalar ? { line: input.scalar.line, col: input.scalar.col } : (input.locate([]) ?? {})),
    });
    return EMPTY;
  }
  const values = sortOwned(normaliseNode(value, undefined, ctx, undefined)) as Mapping;
  const source = value;
  const locate = ctx.locate;
  let built: Map<string, Position> | undefined;
  const positions: PositionLookup = {
    get: (dotted) => {
      if (!built) {
        built = new Map();
        recordPositions(source, [], [], locate, built);
      }
      return built.get(dotted);
    },
  };
  let builtWritten: Map<string, string> | undefined;
  const writtenLookup: WrittenLookup = {
    get: (dotted) => {
      if (!builtWritten) {
        const texts = new Map<string, string>();
        recordPositions(
          source,
          [],
          [],
          () => undefined,
          new Map(),
          (sourcePath, path) => {
            const text = written(sourcePath);
            if (text !== undefined) texts.set(dottedPath(path), text);
          },
        );
        builtWritten = texts;
      }
      return builtWritten.get(dotted);
    },
  };
  return { values, positions, written: writtenLookup };
}

function parseValuesText(
  text: string,
  file: string,
  base: YamlPath,
  scalar: { line: number; col: number; block: boolean; indent: number } | undefined,
  diagnostics: Diagnostic[],
):
  | {
      value: unknown;
      locate: (path: YamlPath) => Position | undefined;
      written: (path: YamlPath) => string | undefined;
    }
  | undefined {
  // A block scalar's content starts on the line after its `|` header, shifted right by its indentation;
  // other scalars (quoted, JSON) cannot be mapped line by line, so problems point at the scalar itself.
  const toOuter = (pos: Position): Position | undefined => {
    if (!scalar) return undefined;
    if (scalar.block) return { line: scalar.line + pos.line, col: pos.col + scalar.indent };
    return { line: scalar.line, col: scalar.col };
  };
  try {
    const inner = parseYamlFile(text, file);
    return {
      value: inner.value,
      locate: (path) => {
        const pos = positionOf(inner, path);
        return pos ? toOuter(pos) : scalar && { line: scalar.line, col: scalar.col };
      },
      written: (path) => writtenAt(inner, path),
    };
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    for (const d of error.diagnostics) {
      const inner = d.line !== undefined ? { line: d.line, col: d.col ?? 1 } : undefined;
      const outer = inner ? toOuter(inner) : scalar && { line: scalar.line, col: scalar.col };
      const where =
        inner && !scalar?.block ? ` (line ${inner.line}, column ${inner.col} of the values text)` : "";
      const multiple = isSeveralDocuments(d.message);
      diagnostics.push({
        file,
        path: dottedPath(base),
        message: multiple
          ? "the values text holds several YAML documents (a line with --- separates them); pack values are one mapping: remove the --- line, or keep a single document"
          : `invalid YAML in values${where}: ${d.message}`,
        ...(outer ?? {}),
      });
    }
    return undefined;
  }
}

/**
 * The position of every node, keyed by its normalised dotted path; walks the source exactly as
 * normaliseNode does, so where a dotted and a nested key reach the same path the later one wins.
 */
function recordPositions(
  value: unknown,
  sourcePath: YamlPath,
  path: Segment[],
  locate: (sourcePath: YamlPath) => Position | undefined,
  positions: Map<string, Position>,
  leaf?: (sourcePath: YamlPath, path: Segment[]) => void,
): void {
  const isLeaf = value === null || value === undefined || typeof value !== "object" || value instanceof Date;
  if (leaf) {
    if (isLeaf) leaf(sourcePath, path);
  } else {
    const pos = locate(sourcePath);
    if (pos) positions.set(dottedPath(path), pos);
  }
  if (isLeaf) return;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      recordPositions(item, [...sourcePath, i], [...path, i], locate, positions, leaf);
    }
  } else if (value instanceof Map) {
    recordPositions(Object.fromEntries(value), sourcePath, path, locate, positions, leaf);
  } else {
    for (const [key, child] of Object.entries(value)) {
      const segments = keySegments(key, path.length === 0, isStagesPath(path));
      recordPositions(child, [...sourcePath, key], [...path, ...segments], locate, positions, leaf);
    }
  }
}

/**
 * A path as a chain from the leaf up: extending one costs one small object, where copying arrays cost a
 * copy per node. Only a conflict turns one into an array.
 */
type PathLink = { up: PathLink; segment: Segment } | undefined;

function pathArray(link: PathLink): Segment[] {
  const out: Segment[] = [];
  for (let at = link; at; at = at.up) out.push(at.segment);
  return out.reverse();
}

/** `path` is the normalised path of the node; only conflicts name it. */
function normaliseNode(value: unknown, sourcePath: PathLink, ctx: Context, path: PathLink): Value {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) {
    const out: Value[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      out[i] = normaliseNode(value[i], { up: sourcePath, segment: i }, ctx, { up: path, segment: i });
    }
    return out;
  }
  if (value instanceof Map) return normaliseNode(Object.fromEntries(value), sourcePath, ctx, path);
  if (typeof value === "object") {
    const out: Mapping = {};
    const atRoot = path === undefined;
    const underStages = path !== undefined && path.up === undefined && path.segment === "stages";
    for (const key of Object.keys(value)) {
      const child = (value as Record<string, unknown>)[key];
      const segments = keySegments(key, atRoot, underStages);
      const childSource: PathLink = { up: sourcePath, segment: key };
      let childPath = path;
      for (const segment of segments) childPath = { up: childPath, segment };
      const normalised = normaliseNode(child, childSource, ctx, childPath);
      insert(out, path, segments, normalised, childSource, ctx);
    }
    return out;
  }
  return String(value);
}

function conflict(ctx: Context, path: Segment[], sourcePath: PathLink): void {
  ctx.diagnostics.push({
    file: ctx.file,
    path: dottedPath([...ctx.base, ...path]),
    message: "is set twice (a dotted key and a nested key name the same path)",
    ...(ctx.locate(pathArray(sourcePath)) ?? {}),
  });
}

/** Puts `value` at `segments` below `target`, merging mappings that dotted and nested keys both reach. */
function insert(
  target: Mapping,
  at: PathLink,
  segments: string[],
  value: Value,
  sourcePath: PathLink,
  ctx: Context,
): void {
  let mapping = target;
  const pathTo = (i: number) => [...pathArray(at), ...segments.slice(0, i + 1)];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    const existing = Object.hasOwn(mapping, segment) ? mapping[segment] : undefined;
    const last = i === segments.length - 1;
    if (existing === undefined) {
      if (last) {
        setKey(mapping, segment, value);
        return;
      }
      const created: Mapping = {};
      setKey(mapping, segment, created);
      mapping = created;
      continue;
    }
    if (!isMapping(existing) || (last && !isMapping(value))) {
      conflict(ctx, pathTo(i), sourcePath);
      return;
    }
    if (last) {
      merge(existing, value as Mapping, pathTo(i), sourcePath, ctx);
      return;
    }
    mapping = existing;
  }
}

function merge(target: Mapping, source: Mapping, at: Segment[], sourcePath: PathLink, ctx: Context): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = Object.hasOwn(target, key) ? target[key] : undefined;
    if (existing === undefined) setKey(target, key, value);
    else if (isMapping(existing) && isMapping(value)) merge(existing, value, [...at, key], sourcePath, ctx);
    else conflict(ctx, [...at, key], sourcePath);
  }
}

/** Column offset of a block scalar's content: the indentation of its first non-blank line. */
export function blockIndent(text: string, headerLine: number): number {
  const lines = text.split(/\r?\n/);
  for (let i = headerLine; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() !== "") return line.length - line.trimStart().length;
  }
  return 0;
}

/** Parses `a.b[0].c` (or `a.b.0.c`) into segments; numeric segments stay strings for `lookup`. */
export function parsePath(path: string): string[] {
  const out: string[] = [];
  for (const match of path.matchAll(/\[(\d+)\]|[^.[\]]+/g)) out.push(match[1] ?? match[0]);
  return out;
}

/** The node at `segments` (mapping keys; list indices as digits), with its typed path; undefined if absent. */
export function lookup(
  values: Value,
  segments: readonly string[],
): { node: Value; path: Segment[] } | undefined {
  let node: Value = values;
  const path: Segment[] = [];
  for (const segment of segments) {
    if (Array.isArray(node)) {
      if (!/^\d+$/.test(segment)) return undefined;
      const index = Number(segment);
      if (index >= node.length) return undefined;
      node = node[index] as Value;
      path.push(index);
    } else if (isMapping(node) && Object.hasOwn(node, segment)) {
      node = node[segment] as Value;
      path.push(segment);
    } else {
      return undefined;
    }
  }
  return { node, path };
}

/**
 * The mapping a string value holds when it is YAML text of several lines (`cluster.config: |`), normalised
 * like pack values; undefined for any other string (one line, not YAML, not a mapping).
 */
export function yamlTextMapping(text: string): Mapping | undefined {
  if (!text.includes("\n")) return undefined;
  let parsed: unknown;
  try {
    parsed = parseYamlFile(text, "").value;
  } catch (error) {
    if (error instanceof InputError) return undefined;
    throw error;
  }
  if (!isMapping(parsed)) return undefined;
  const diagnostics: Diagnostic[] = [];
  const { values } = normaliseValues({
    file: "",
    base: [],
    value: parsed,
    locate: () => undefined,
    diagnostics,
  });
  return diagnostics.length === 0 ? values : undefined;
}
