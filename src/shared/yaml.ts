import {
  type Alias,
  type Document,
  isAlias,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type ScalarTag,
  visit,
  type YAMLMap,
} from "yaml";
import type { z } from "zod";
import { type Diagnostic, InputError } from "./diagnostics.js";

export type YamlPath = readonly (string | number)[];

/** A parsed YAML file that can still say where each value stands. */
export interface YamlFile {
  file: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** The document as plain JS. */
  value: unknown;
  /** The text it was parsed from: scalars are shown as written (`0644`, `1.10`). */
  text: string;
}

/**
 * A value built in code (a what-if), as a parsed file the loaders take: its JSON text, which is YAML,
 * so a loader's diagnostics still have a place in it.
 */
export function yamlFileOf(value: unknown, file: string): YamlFile {
  return parseYamlFile(`${JSON.stringify(value, null, 2)}\n`, file);
}

/** Limits checked before work grows with them (documented in the README). */
export const YAML_LIMITS = {
  /** Flow (`[`, `{`) nesting; block nesting is bounded by the file size. */
  maxDepth: 256,
  /** Nodes of a document: mappings, sequences and scalars. */
  maxNodes: 5_000_000,
  /** Aliases expanded when the document is turned into values (a "billion laughs" file). */
  maxAliasCount: 1000,
} as const;

/**
 * Parses YAML text as Palette (Go's YAML) reads it: `<<` merge keys are merged; a duplicate key, an
 * unknown tag (`!!js/function`) or a second document is refused. A syntax error becomes an InputError
 * at `file:line:col`.
 */
export function parseYamlFile(text: string, file: string): YamlFile {
  const lineCounter = new LineCounter();
  const tooDeep = flowDepthProblem(text, file);
  if (tooDeep) throw new InputError([tooDeep]);
  let doc: Document.Parsed;
  try {
    // Duplicate keys are checked below in one pass: the library's own check compares every key with
    // every earlier key of its mapping (quadratic in the size of a mapping).
    doc = parseDocument(text, {
      lineCounter,
      prettyErrors: false,
      uniqueKeys: false,
      merge: true,
      customTags: (tags) => [GO_OCTAL, ...tags],
      // Problems are collected, never printed: warnings are read below ("silent" would drop errors too).
      logLevel: "error",
    });
  } catch (error) {
    throw new InputError([{ file, line: 1, col: 1, message: overflowMessage(error) }]);
  }
  if (doc.errors.length > 0) {
    throw new InputError(
      doc.errors.map((error) => {
        // linePos is only filled in with prettyErrors; the offset always is.
        const pos = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
        return {
          file,
          message: syntaxMessage(error.code, firstLine(error.message)),
          ...(pos ? { line: pos.line, col: pos.col } : {}),
        };
      }),
    );
  }
  const tagProblems = doc.warnings
    .filter((warning) => warning.code === "TAG_RESOLVE_FAILED")
    .map((warning) => {
      const pos = lineCounter.linePos(warning.pos[0]);
      const tag = text.slice(warning.pos[0], warning.pos[1]).trim() || "(unnamed)";
      return {
        file,
        ...pos,
        message: `unknown YAML tag ${tag}: Palette reads plain YAML values; remove the tag or quote the value`,
      };
    });
  if (tagProblems.length > 0) throw new InputError(tagProblems);
  const macroProblems = checkUnquotedMacros(doc, text, file, lineCounter);
  if (macroProblems.length > 0) throw new InputError(macroProblems);
  const structure = checkStructure(doc, file, lineCounter);
  if (structure.length > 0) throw new InputError(structure);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: YAML_LIMITS.maxAliasCount });
  } catch (error) {
    // The yaml library throws plain errors here (e.g. too many aliases: a "billion laughs" file).
    throw new InputError([{ file, line: 1, col: 1, message: overflowMessage(error) }]);
  }
  return { file, doc, lineCounter, value, text };
}

/**
 * `0644` as Go's YAML (gopkg.in/yaml.v3, what Palette reads values with) reads it: an octal int (420),
 * as YAML 1.1 had it; the YAML 1.2 core schema would read it as the decimal 644. `0o644` is octal in
 * both. Only plain scalars resolve through it: `"0644"` stays a string.
 */
const GO_OCTAL: ScalarTag = {
  tag: "tag:yaml.org,2002:int",
  default: true,
  format: "OCT",
  test: /^[-+]?0[0-7]+$/,
  resolve: (source: string) => {
    const negative = source.startsWith("-");
    const digits = source.replace(/^[-+]?0/, "");
    const value = Number.parseInt(digits, 8);
    return negative ? -value : value;
  },
};

/** A scalar as it is written in the file (`0644`, `1.10`, `"quoted"`, `~`); undefined for anything else. */
export function writtenAt(yaml: YamlFile, path: YamlPath): string | undefined {
  const node = path.length === 0 ? yaml.doc.contents : nodeAt(yaml.doc, path);
  if (!isScalar(node) || !node.range) return undefined;
  const written = yaml.text.slice(node.range[0], node.range[1]);
  return written.includes("\n") ? undefined : written;
}

function overflowMessage(error: unknown): string {
  if (error instanceof RangeError) return "nested too deeply to read";
  const message = firstLine((error as Error).message);
  if (/excessive alias count/i.test(message))
    return `more than ${YAML_LIMITS.maxAliasCount} alias expansions (a YAML alias bomb?): edgesim refuses such files`;
  return message;
}

/** What a file of several YAML documents is told (loaders of pack values say it in their own terms). */
export const SEVERAL_DOCUMENTS =
  "holds several YAML documents (a line with --- separates them): edgesim reads one document per file; split it into files or remove the extra ---";

/** The diagnostic is about a file holding several documents. */
export function isSeveralDocuments(message: string): boolean {
  return message === SEVERAL_DOCUMENTS;
}

/** The yaml library's messages, in a user's terms where they speak to library programmers. */
function syntaxMessage(code: string, message: string): string {
  if (code === "MULTIPLE_DOCS" || /multiple documents/i.test(message)) return SEVERAL_DOCUMENTS;
  return message;
}

/**
 * Flow nesting deeper than the limit, found by one scan of the text before the parser recurses into it
 * (a megabyte of `[` overflows the stack after a minute of work). Quoted text and comments are skipped.
 */
function flowDepthProblem(text: string, file: string): Diagnostic | undefined {
  let depth = 0;
  let quote = "";
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      lineStart = i + 1;
      // A plain scalar cannot hold a quote that spans lines; flow collections can, so quotes go on.
      continue;
    }
    if (quote !== "") {
      if (quote === '"' && c === 92) i++;
      else if (text[i] === quote) quote = "";
      continue;
    }
    if (c === 34 || c === 39) {
      // A quote opens a string only where a value can begin (not inside a word: it's).
      const before = text[i - 1];
      if (before === undefined || /[\s[{,:]/.test(before)) quote = text[i] as string;
    } else if (c === 35 && (i === lineStart || /\s/.test(text[i - 1] as string))) {
      const end = text.indexOf("\n", i);
      if (end < 0) break;
      i = end - 1;
    } else if (c === 91 || c === 123) {
      if (++depth > YAML_LIMITS.maxDepth)
        return {
          file,
          line,
          col: i - lineStart + 1,
          message: `nested more than ${YAML_LIMITS.maxDepth} levels deep: edgesim refuses such files`,
        };
    } else if ((c === 93 || c === 125) && depth > 0) depth--;
  }
  return undefined;
}

/**
 * `key: {{ .spectro… }}` without quotes is valid YAML, but it is a mapping inside a mapping, not a
 * macro: Palette users quote these values. Said plainly here, instead of a silently wrong value (and
 * Node's warning about stringified keys).
 */
function checkUnquotedMacros(
  doc: Document.Parsed,
  text: string,
  file: string,
  lineCounter: LineCounter,
): Diagnostic[] {
  const problems: Diagnostic[] = [];
  visit(doc, {
    Map(_key, map) {
      if (!map.flow || !map.range || !text.startsWith("{{", map.range[0])) return undefined;
      const pos = lineCounter.linePos(map.range[0]);
      const end = text.indexOf("}}", map.range[0]);
      const macro = end > 0 ? text.slice(map.range[0], end + 2) : "{{ … }}";
      problems.push({
        file,
        ...pos,
        message: `unquoted macro ${macro} is read as a YAML mapping: put the whole value in quotes`,
      });
      return visit.SKIP;
    },
  });
  return problems;
}

/**
 * One walk over the document for what the yaml library leaves to the reader:
 * - a key set twice in one mapping (checked with a set per mapping: linear);
 * - a mapping key that is a mapping or sequence (Palette's keys are scalars);
 * - aliases it only notices when converting to JS, where they throw a bare ReferenceError (an alias
 *   before or without its anchor) or build a circular object that every later walk would recurse into
 *   forever (an alias inside the node it names);
 * - more nodes than the limit.
 */
function checkStructure(doc: Document.Parsed, file: string, lineCounter: LineCounter): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const at = (node: { range?: readonly number[] | null | undefined } | null | undefined) => {
    const offset = node?.range?.[0];
    return offset === undefined ? { line: 1, col: 1 } : lineCounter.linePos(offset);
  };
  let nodes = 0;
  const checks = {
    Map(map: YAMLMap) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = pair.key;
        if (isMap(key) || isSeq(key)) {
          problems.push({
            file,
            ...at(key as never),
            message: "a mapping key must be a plain value, not a mapping or a list",
          });
          continue;
        }
        // `<<` merge keys may repeat; their values are merged, not keys of their own.
        if (isScalar(key) && key.value === "<<" && key.source === "<<") continue;
        const name = isScalar(key) ? key.value : key;
        const id = typeof name === "object" && name !== null ? String(name) : name;
        if (seen.has(id)) {
          problems.push({
            file,
            ...at(key as never),
            message: `key ${JSON.stringify(String(id))} is set twice in this mapping: Palette would keep only one; remove the other`,
          });
        }
        seen.add(id);
      }
    },
    Alias(alias: Alias, path: readonly unknown[]) {
      const target = alias.resolve(doc);
      let message: string | undefined;
      if (!target) message = `alias *${alias.source} has no anchor &${alias.source} before it`;
      else if (path.includes(target as never))
        message = `alias *${alias.source} is inside the node it names (&${alias.source}): a value cannot contain itself`;
      if (message) problems.push({ file, message, ...at(alias) });
    },
  };
  visit(doc, (_key, node, path) => {
    if (isPair(node)) return undefined;
    if (++nodes > YAML_LIMITS.maxNodes) {
      problems.push({
        file,
        ...at(node as never),
        message: `more than ${YAML_LIMITS.maxNodes.toLocaleString("en-US")} values: edgesim refuses such files`,
      });
      return visit.BREAK;
    }
    if (isMap(node)) checks.Map(node);
    else if (isAlias(node)) checks.Alias(node, path);
    return undefined;
  });
  return problems;
}

function firstLine(message: string): string {
  return message.split("\n")[0]?.trim() ?? message;
}

/**
 * 1-based line:col of the value at `path`, or of its nearest ancestor that exists. For a key whose
 * value is missing, that is the mapping holding it.
 */
export function positionOf(yaml: YamlFile, path: YamlPath): { line: number; col: number } | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? yaml.doc.contents : nodeAt(yaml.doc, path.slice(0, depth));
    if (isNode(node) && node.range) {
      return yaml.lineCounter.linePos(node.range[0]);
    }
  }
  // An empty document (or one holding only comments) has no node: its problems are at its start.
  return { line: 1, col: 1 };
}

/** Each mapping's pairs by key as plain JS has it, built once per mapping (lookups stay linear in all). */
const pairIndex = new WeakMap<YAMLMap, Map<string, unknown>>();

function pairsOf(map: YAMLMap): Map<string, unknown> {
  let index = pairIndex.get(map);
  if (!index) {
    index = new Map();
    for (const pair of map.items) {
      if (isScalar(pair.key) && typeof pair.key.value === "symbol") continue;
      // The later of two equal keys wins, as in the plain value.
      index.set(plainKey(pair.key), pair.value);
    }
    pairIndex.set(map, index);
  }
  return index;
}

/**
 * The node at `path`, matching keys as the plain value has them (a key written `1` or `true` is
 * found as "1" or "true"), through aliases and merge keys.
 */
function nodeAt(doc: Document.Parsed, path: YamlPath): unknown {
  let node: unknown = doc.contents;
  for (const part of path) {
    node = resolveAlias(doc, node);
    if (isMap(node)) {
      const found = findKey(doc, node, String(part), 0);
      if (found === undefined) return undefined;
      node = found;
    } else if (isSeq(node) && typeof part === "number") {
      node = node.items[part];
    } else {
      return undefined;
    }
    if (node === undefined) return undefined;
  }
  return node;
}

function findKey(doc: Document.Parsed, map: YAMLMap, key: string, hops: number): unknown {
  const own = pairsOf(map);
  if (own.has(key)) return own.get(key);
  if (hops > 10) return undefined;
  // Merged keys stand in the mapping an alias names.
  for (const pair of map.items) {
    if (!(isScalar(pair.key) && typeof pair.key.value === "symbol")) continue;
    const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
    for (const source of sources) {
      const target = resolveAlias(doc, source);
      if (isMap(target)) {
        const found = findKey(doc, target, key, hops + 1);
        if (found !== undefined) return found;
      }
    }
  }
  return undefined;
}

function resolveAlias(doc: Document.Parsed, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

/** A key as the plain JS object has it: the yaml library stringifies numbers, booleans and null. */
function plainKey(key: unknown): string {
  if (isScalar(key)) return key.value === null || key.value === undefined ? "" : String(key.value);
  return key === null || key === undefined ? "" : String(key);
}

/** The source offset of a scalar at `path` (for locating problems inside YAML-in-a-string). */
export function scalarAt(
  yaml: YamlFile,
  path: YamlPath,
): { line: number; col: number; block: boolean } | undefined {
  const node = nodeAt(yaml.doc, path);
  if (!isScalar(node) || !node.range) return undefined;
  const pos = yaml.lineCounter.linePos(node.range[0]);
  const block = node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED";
  return { ...pos, block };
}

export function dottedPath(path: YamlPath): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out;
}

/** A diagnostic for the value at `path`, with its line:col when the file has it. */
export function diagnosticAt(yaml: YamlFile, path: YamlPath, message: string): Diagnostic {
  const pos = positionOf(yaml, path);
  return { file: yaml.file, message, path: dottedPath(path) || undefined, ...(pos ?? {}) };
}

/** Validates the document with a zod schema; every issue becomes a diagnostic with path and line:col. */
export function validateYaml<S extends z.ZodType>(yaml: YamlFile, schema: S): z.output<S> {
  const parsed = schema.safeParse(yaml.value);
  if (parsed.success) return parsed.data;
  throw new InputError(
    parsed.error.issues.map((issue) =>
      diagnosticAt(
        yaml,
        issue.path.filter((p): p is string | number => typeof p !== "symbol"),
        issue.message,
      ),
    ),
  );
}
