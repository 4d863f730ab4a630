import { type Document, isNode, isScalar, LineCounter, parseDocument, visit } from "yaml";
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
}

/** Parses YAML text; a syntax error becomes an InputError at `file:line:col`. */
export function parseYamlFile(text: string, file: string): YamlFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new InputError(
      doc.errors.map((error) => {
        // linePos is only filled in with prettyErrors; the offset always is.
        const pos = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
        return {
          file,
          message: firstLine(error.message),
          ...(pos ? { line: pos.line, col: pos.col } : {}),
        };
      }),
    );
  }
  const aliasProblems = checkAliases(doc, file, lineCounter);
  if (aliasProblems.length > 0) throw new InputError(aliasProblems);
  const macroProblems = checkUnquotedMacros(doc, text, file, lineCounter);
  if (macroProblems.length > 0) throw new InputError(macroProblems);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    // The yaml library throws plain errors here (e.g. too many aliases: a "billion laughs" file).
    throw new InputError([{ file, line: 1, col: 1, message: firstLine((error as Error).message) }]);
  }
  return { file, doc, lineCounter, value };
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
 * Aliases the yaml library only notices when converting to JS, where they throw a bare ReferenceError
 * (an alias before or without its anchor) or build a circular object that every later walk would
 * recurse into forever (an alias inside the node it names).
 */
function checkAliases(doc: Document.Parsed, file: string, lineCounter: LineCounter): Diagnostic[] {
  const problems: Diagnostic[] = [];
  visit(doc, {
    Alias(_key, alias, path) {
      const target = alias.resolve(doc);
      let message: string | undefined;
      if (!target) message = `alias *${alias.source} has no anchor &${alias.source} before it`;
      else if (path.includes(target as never))
        message = `alias *${alias.source} is inside the node it names (&${alias.source}): a value cannot contain itself`;
      if (message) {
        const pos = alias.range ? lineCounter.linePos(alias.range[0]) : undefined;
        problems.push({ file, message, ...(pos ? { line: pos.line, col: pos.col } : { line: 1, col: 1 }) });
      }
    },
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
    const node = depth === 0 ? yaml.doc.contents : yaml.doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) {
      return yaml.lineCounter.linePos(node.range[0]);
    }
  }
  // An empty document (or one holding only comments) has no node: its problems are at its start.
  return { line: 1, col: 1 };
}

/** The source offset of a scalar at `path` (for locating problems inside YAML-in-a-string). */
export function scalarAt(
  yaml: YamlFile,
  path: YamlPath,
): { line: number; col: number; block: boolean } | undefined {
  const node = yaml.doc.getIn(path, true);
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
