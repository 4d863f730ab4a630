import fc from "fast-check";
import {
  isMap,
  isNode,
  isPair,
  isSeq,
  type Node,
  Pair,
  parseDocument,
  Scalar,
  type YAMLMap,
  type YAMLSeq,
} from "yaml";
import { type Diagnostic, InputError } from "../../src/shared/diagnostics.js";

/**
 * Mutations of YAML text for the robustness properties. Each one is a plain record drawn by fast-check and
 * applied deterministically, so a failing case shrinks to a short list of readable edits. Structural edits
 * go through the `yaml` Document (so they hit real keys and values); text edits break the syntax itself.
 */
export type Mutation =
  | { kind: "delete"; at: number }
  | { kind: "replace"; at: number; value: unknown }
  | { kind: "addKey"; at: number; key: string; value: unknown }
  | { kind: "duplicateKey"; at: number }
  | { kind: "alias"; at: number; to: number }
  | { kind: "mergeKey"; at: number; to: number }
  | { kind: "insertText"; at: number; text: string }
  | { kind: "tab"; at: number }
  | { kind: "truncate"; at: number };

/** YAML text that is not valid YAML, or that is valid but hostile (tabs, anchors, aliases, merge keys). */
export const HOSTILE_TEXTS = [
  "a: [b\n  c: }",
  "a: b: c",
  "- a\nb: c",
  "a:\n\tb: 1",
  "\t- x",
  "a: &x 1\nb: *x",
  "a: *missing",
  "a: &x [*x]",
  "a: &x { b: *x }",
  "base: &b { x: 1 }\nc:\n  <<: *b\n  y: 2",
  "<<: { a: 1 }",
  "a: 1\na: 2",
  "__proto__: { polluted: true }",
  "constructor: { prototype: { polluted: true } }",
  "a.b: 1\na: { b: 2 }",
  "a.b: 1\na: 3",
  "{{ .spectro.pack.edge-k3s.cluster.config }}: 1",
  "%YAML 1.1\n---\na: 1",
  "--- a\n--- b",
  "? [a, b]\n: c",
  "!!binary aGVsbG8=",
  "a: !!timestamp 2001-12-14",
  "a: !custom x",
  "'unterminated",
  "",
  "~",
  "[1, 2, 3]",
];

/** Strings Palette macros could hold: pack paths that exist, that do not, cycles' raw material, junk. */
export const MACRO_TEXTS = [
  "{{ .spectro.pack.x.y }}",
  "{{ .spectro.pack.edge-k3s.cluster.config }}",
  "{{ .spectro.pack.edge-native-byoi.options.system.uri }}",
  "{{ .spectro.pack.edge-native-byoi.options }}",
  "{{ .spectro.pack.edge-k3s }}",
  "{{ .spectro.pack..a }}",
  "{{ .spectro.pack.edge-native-byoi.pack.content.images[0].image }}",
  "{{ .spectro.pack.edge-native-byoi.pack.content.images[99].image }}",
  "{{ .spectro.system.kubernetes.version }}",
  "{{ .spectro.var.site }}",
  "{{ .spectro.var.nope }}",
  "{{ .spectro.var. }}",
  "{{ .spectro.system.cluster.name }}",
  "{{ trunc 4 .MachineID }}",
  "{{ }}",
  "{{",
  "}}",
  "{{ .spectro.pack.x.y }}{{ .spectro.pack.x.y }}",
];

/** Values of every YAML type, to put where another type is expected. */
export const valueArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.constantFrom(
    1e308,
    -1e308,
    2 ** 53 + 1,
    1e21,
    Number.MAX_SAFE_INTEGER,
    -0,
    0.5,
    -1,
    Number.POSITIVE_INFINITY,
    Number.NaN,
  ),
  fc.string({ maxLength: 12 }),
  fc.constantFrom(...MACRO_TEXTS),
  fc.constantFrom(...HOSTILE_TEXTS),
  fc.constantFrom("9".repeat(400), `${"9".repeat(30)}d`, "1e400", "-5m", "1h30m", "0", "x".repeat(2000)),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 6 }), fc.constant(null)), { maxLength: 4 }),
  fc.dictionary(fc.constantFrom("a", "b.c", "pack", "values", "__proto__", ""), fc.integer(), {
    maxKeys: 3,
  }),
);

const keyArb = fc.oneof(
  fc.constantFrom(
    "__proto__",
    "constructor",
    "prototype",
    "toString",
    "hasOwnProperty",
    "unknownKey",
    "packs",
    "layer",
    "a.b.c",
    "",
    "<<",
    "{{ .spectro.pack.x.y }}",
  ),
  fc.string({ minLength: 1, maxLength: 8 }),
);

/** Characters that matter to YAML's syntax, plus a few that matter to nothing but strings. */
const textArb = fc.oneof(
  fc.string({
    unit: fc.constantFrom(..."{}[]:,&*!|>'\"#%@`\t\n\r -?.<0a\u0000\u00e9\ufeff".split("")),
    minLength: 1,
    maxLength: 6,
  }),
  fc.constantFrom("\n  - ", ": ", "\n\t", " &a ", " *a ", " !!str ", "\n---\n", "\n...\n", "<<: *a", "{{"),
);

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), value: valueArb }),
  fc.record({ kind: fc.constant("addKey" as const), at: fc.nat(), key: keyArb, value: valueArb }),
  fc.record({ kind: fc.constant("duplicateKey" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("alias" as const), at: fc.nat(), to: fc.nat() }),
  fc.record({ kind: fc.constant("mergeKey" as const), at: fc.nat(), to: fc.nat() }),
  fc.record({ kind: fc.constant("insertText" as const), at: fc.nat(), text: textArb }),
  fc.record({ kind: fc.constant("tab" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

export const mutationsArb = fc.array(mutationArb, { minLength: 1, maxLength: 3 });

/** Every key/value pair and list item of the document, parents before children. */
interface Slot {
  parent: YAMLMap | YAMLSeq;
  index: number;
  node: unknown;
}

function slotsOf(root: unknown): Slot[] {
  const out: Slot[] = [];
  const walk = (node: unknown, depth: number) => {
    if (depth > 40) return;
    if (isMap(node)) {
      node.items.forEach((pair, index) => {
        out.push({ parent: node, index, node: pair.value });
        walk(pair.value, depth + 1);
      });
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        out.push({ parent: node, index, node: item });
        walk(item, depth + 1);
      });
    }
  };
  walk(root, 0);
  return out;
}

function mappingsOf(root: unknown): YAMLMap[] {
  const maps: YAMLMap[] = [];
  if (isMap(root)) maps.push(root);
  for (const slot of slotsOf(root)) if (isMap(slot.node)) maps.push(slot.node);
  return maps;
}

function setSlot(slot: Slot, value: unknown): void {
  if (isMap(slot.parent)) {
    const pair = slot.parent.items[slot.index];
    if (isPair(pair)) pair.value = value;
  } else slot.parent.items[slot.index] = value;
}

function pick<T>(items: readonly T[], at: number): T | undefined {
  return items.length === 0 ? undefined : items[at % items.length];
}

/** Applies one edit; when the text is no longer YAML a structural edit leaves it unchanged. */
export function applyMutation(text: string, m: Mutation): string {
  switch (m.kind) {
    case "insertText": {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + m.text + text.slice(at);
    }
    case "truncate":
      return text.slice(0, m.at % (text.length + 1));
    case "tab": {
      const lines = text.split("\n");
      const i = m.at % lines.length;
      lines[i] = (lines[i] as string).replace(/^ +/, "\t");
      return lines.join("\n");
    }
    default:
      return structural(text, m);
  }
}

function structural(text: string, m: Exclude<Mutation, { kind: "insertText" | "truncate" | "tab" }>): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return text;
  const slots = slotsOf(doc.contents);
  switch (m.kind) {
    case "delete": {
      const slot = pick(slots, m.at);
      if (!slot) return text;
      slot.parent.items.splice(slot.index, 1);
      break;
    }
    case "replace": {
      const slot = pick(slots, m.at);
      if (!slot) return text;
      setSlot(slot, doc.createNode(m.value));
      break;
    }
    case "addKey": {
      const map = pick(mappingsOf(doc.contents), m.at);
      if (!map) return text;
      map.items.push(new Pair(new Scalar(m.key), doc.createNode(m.value)));
      break;
    }
    case "duplicateKey": {
      const map = pick(
        mappingsOf(doc.contents).filter((x) => x.items.length > 0),
        m.at,
      );
      const pair = map && pick(map.items, m.at);
      if (!map || !pair) return text;
      // Pushed past the Document API, which would refuse a duplicate key: the text must hold one.
      map.items.push(new Pair(pair.key, pair.value));
      break;
    }
    case "alias":
    case "mergeKey": {
      // An alias may point at an ancestor of itself (a recursive structure), which is the point.
      const target = pick(slots, m.to);
      const slot = pick(slots, m.at);
      if (!target || !slot || !isNode(target.node)) return text;
      const node = target.node as Node;
      node.anchor ??= `a${m.to % 97}`;
      const alias = doc.createAlias(node as Parameters<typeof doc.createAlias>[0], node.anchor);
      if (m.kind === "alias") setSlot(slot, alias);
      else {
        const map = pick(mappingsOf(doc.contents), m.at);
        if (!map) return text;
        map.items.unshift(new Pair(new Scalar("<<"), alias));
      }
      break;
    }
  }
  try {
    return doc.toString();
  } catch {
    // e.g. an alias printed before its anchor: the Document refuses to write it.
    return text;
  }
}

export function applyMutations(text: string, mutations: readonly Mutation[]): string {
  return mutations.reduce(applyMutation, text);
}

/**
 * Runs `fn`; an InputError is fine when every diagnostic names `file`, a place (line:col or a dotted path)
 * and a message without a stack trace. Any other exception fails the property with what it was.
 */
export function expectCleanError<T>(fn: () => T, file: string | ((f: string) => boolean)): T | undefined {
  try {
    return fn();
  } catch (error) {
    if (!(error instanceof InputError)) {
      const e = error as Error;
      throw new Error(`not an InputError: ${e?.name}: ${e?.message}\n${e?.stack ?? ""}`);
    }
    if (error.diagnostics.length === 0) throw new Error("an InputError without diagnostics");
    for (const d of error.diagnostics) assertDiagnostic(d, file);
    return undefined;
  }
}

export function assertDiagnostic(d: Diagnostic, file: string | ((f: string) => boolean)): void {
  const problem = (why: string) => new Error(`${why}: ${JSON.stringify(d)}`);
  const fileOk = typeof file === "string" ? d.file === file : file(d.file);
  if (!fileOk) throw problem(`diagnostic names another file than ${String(file)}`);
  const hasPosition =
    Number.isInteger(d.line) && Number.isInteger(d.col) && (d.line as number) >= 1 && (d.col as number) >= 1;
  const hasPath = typeof d.path === "string" && d.path.length > 0;
  if (!hasPosition && !hasPath) throw problem("diagnostic has neither line:col nor a dotted path");
  if (typeof d.message !== "string" || d.message.trim() === "") throw problem("empty message");
  if (/\n\s+at /.test(d.message)) throw problem("stack trace in message");
}
