import { type Document, isNode, isScalar, LineCounter, parseDocument } from "yaml";
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
  return { file, doc, lineCounter, value: doc.toJS({ maxAliasCount: 1000 }) };
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
  return undefined;
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
