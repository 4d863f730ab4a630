import { type Diagnostic, formatDiagnostic } from "../shared/diagnostics.js";
import type { LayerName } from "../shared/types.js";
import { dottedPath } from "../shared/yaml.js";
import type { Mapping, Profile, Value } from "./types.js";
import { isMapping, lookup, type PositionLookup, parsePath, type Segment, setKey } from "./values.js";

/** What a Palette macro refers to. `live`: a value only a running cluster has; kept as written. */
export type MacroRef =
  | { kind: "pack"; pack: string; path: string }
  | { kind: "kubernetes-version" }
  | { kind: "variable"; name: string }
  | { kind: "live"; text: string };

export interface MacroMatch {
  /** The macro as written, braces included. */
  text: string;
  index: number;
  /** The expression inside the braces, trimmed: `.spectro.pack.edge-k3s.cluster.config`. */
  expression: string;
}

// Go templates allow `{{-`/`-}}` to trim whitespace; Palette macros are Go templates, so accept them.
const MACRO = /\{\{-?\s*([^{}]*?)\s*-?\}\}/g;
const PACK = /^\.spectro\.pack\.([A-Za-z0-9_][A-Za-z0-9_.-]*)$/;
const VARIABLE = /^\.spectro\.var\.([A-Za-z0-9_-]+)$/;
const KUBERNETES_VERSION = ".spectro.system.kubernetes.version";

/** Every `{{ ... }}` in the text (Palette macros and any other template expression). */
export function findMacros(text: string): MacroMatch[] {
  const out: MacroMatch[] = [];
  // Most values hold no template at all; skip the regex for them.
  if (!text.includes("{{")) return out;
  for (const match of text.matchAll(MACRO)) {
    out.push({ text: match[0], index: match.index, expression: (match[1] ?? "").trim() });
  }
  return out;
}

/**
 * Splits `<pack>.<path>`. Pack names may hold dots in principle, so the longest known pack name wins;
 * without one, the pack name ends at the first dot.
 */
export function splitPackReference(
  rest: string,
  packNames: readonly string[] = [],
): { pack: string; path: string } {
  let best: string | undefined;
  for (const name of packNames) {
    if ((rest === name || rest.startsWith(`${name}.`)) && (best === undefined || name.length > best.length)) {
      best = name;
    }
  }
  if (best !== undefined) return { pack: best, path: rest.slice(best.length + 1) };
  const dot = rest.indexOf(".");
  return dot < 0 ? { pack: rest, path: "" } : { pack: rest.slice(0, dot), path: rest.slice(dot + 1) };
}

/** What one macro expression refers to; `undefined` for template expressions that are not Palette macros. */
export function classifyMacro(expression: string, packNames: readonly string[] = []): MacroRef | undefined {
  if (!expression.startsWith(".spectro.")) return undefined;
  if (expression === KUBERNETES_VERSION) return { kind: "kubernetes-version" };
  const pack = PACK.exec(expression);
  if (pack) return { kind: "pack", ...splitPackReference(pack[1] as string, packNames) };
  const variable = VARIABLE.exec(expression);
  if (variable) return { kind: "variable", name: variable[1] as string };
  return { kind: "live", text: `{{ ${expression} }}` };
}

function refKey(ref: MacroRef): string {
  switch (ref.kind) {
    case "pack":
      return `pack:${ref.pack}:${ref.path}`;
    case "kubernetes-version":
      return "kubernetes-version";
    case "variable":
      return `var:${ref.name}`;
    case "live":
      return `live:${ref.text}`;
  }
}

/** The Palette macros in a text, in order of first appearance, each once. */
export function macroReferences(text: string): MacroRef[] {
  const out: MacroRef[] = [];
  const seen = new Set<string>();
  for (const match of findMacros(text)) {
    const ref = classifyMacro(match.expression);
    if (!ref || seen.has(refKey(ref))) continue;
    seen.add(refKey(ref));
    out.push(ref);
  }
  return out;
}

function strings(value: Value, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const item of value) strings(item, out);
  else if (isMapping(value)) for (const key of Object.keys(value)) strings(value[key] as Value, out);
  return out;
}

/**
 * The macros that the raw value at `path` of `layer` uses, directly or through values that are themselves
 * macros (`uri: {{ .spectro.pack.os.a }}`, `a: {{ .spectro.pack.os.b }}` → both a and b). Pack references
 * name the pack as the profile has it; a path that does not resolve gives no references.
 */
export function transitiveReferences(profile: Profile, layer: LayerName, path: string): MacroRef[] {
  const packNames = profile.layers.map((l) => l.pack);
  const out: MacroRef[] = [];
  const seenRefs = new Set<string>();
  const visited = new Set<string>();
  const visit = (layerName: LayerName, segments: string[]) => {
    const key = `${layerName}\u0000${segments.join("\u0000")}`;
    if (visited.has(key)) return;
    visited.add(key);
    const target = profile.layers.find((l) => l.name === layerName);
    const found = target && lookup(target.rawValues, segments);
    if (!found) return;
    for (const text of strings(found.node)) {
      for (const match of findMacros(text)) {
        const ref = classifyMacro(match.expression, packNames);
        if (!ref) continue;
        if (!seenRefs.has(refKey(ref))) {
          seenRefs.add(refKey(ref));
          out.push(ref);
        }
        if (ref.kind === "pack") {
          const referenced = profile.layers.find((l) => l.pack === ref.pack);
          if (referenced) visit(referenced.name, parsePath(ref.path));
        }
      }
    }
  };
  visit(layer, parsePath(path));
  return out;
}

export interface RenderLayer {
  pack: string;
  rawValues: Mapping;
  /** Dotted source path of the layer's values, e.g. `layers.os.values`: names places in messages. */
  label: string;
  /** Source positions of the raw values' nodes, keyed by dotted path relative to the values. */
  positions?: PositionLookup;
}

export interface RenderInput {
  file: string;
  layers: readonly RenderLayer[];
  kubernetesVersion: string;
  variables: Readonly<Record<string, string>>;
}

export interface RenderOutput {
  /** Rendered values, one per input layer. */
  values: Mapping[];
  /** One per macro kept as written, naming where (formatted like diagnostics). */
  warnings: string[];
  diagnostics: Diagnostic[];
  /** Names of the variables some `{{ .spectro.var.NAME }}` in the values refers to, set or not. */
  variablesUsed: string[];
}

/**
 * A Palette macro kept as written, in one spelling (`{{ .spectro.x }}`), so that a mere change of spacing
 * is no change; other template expressions (Helm's, say) stay exactly as written.
 */
function keptText(match: MacroMatch): string {
  return classifyMacro(match.expression) ? `{{ ${match.expression} }}` : match.text;
}

/** A scalar holding no template expression. */
function isPlain(value: Value): boolean {
  return typeof value === "string" ? !value.includes("{{") : value === null || typeof value !== "object";
}

/** Text of a value spliced into a larger string. */
function asText(value: Value): string {
  if (typeof value === "string") return value;
  if (value === null) return "";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

function cloneValue(value: Value): Value {
  return typeof value === "object" && value !== null ? structuredClone(value) : value;
}

/**
 * Renders every resolvable macro in every layer's values. A macro pointing at a value that holds macros
 * renders that value first; the stack of values being rendered catches cycles.
 */
export function renderLayers(input: RenderInput): RenderOutput {
  const packNames = input.layers.map((l) => l.pack);
  const memo = new Map<string, Value>();
  const stack: { key: string; layer: number; path: Segment[] }[] = [];
  const warnings: string[] = [];
  const warned = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  const reported = new Set<string>();
  const variablesUsed = new Set<string>();

  const label = (layer: number, path: Segment[]) => dottedPath([input.layers[layer]?.label ?? "", ...path]);
  const where = (layer: number, path: Segment[]): Diagnostic => ({
    file: input.file,
    message: "",
    path: label(layer, path),
    ...(input.layers[layer]?.positions?.get(dottedPath(path)) ?? {}),
  });
  const fail = (layer: number, path: Segment[], message: string) => {
    const d = { ...where(layer, path), message };
    const key = formatDiagnostic(d);
    if (reported.has(key)) return;
    reported.add(key);
    diagnostics.push(d);
  };
  const warn = (layer: number, path: Segment[], message: string) => {
    const text = formatDiagnostic({ ...where(layer, path), message });
    if (warned.has(text)) return;
    warned.add(text);
    warnings.push(text);
  };

  /** The rendered value of one macro, or `undefined` to keep it as written. */
  const resolve = (match: MacroMatch, layer: number, path: Segment[]): Value | undefined => {
    const ref = classifyMacro(match.expression, packNames);
    if (!ref) return undefined;
    switch (ref.kind) {
      case "kubernetes-version":
        return input.kubernetesVersion;
      case "variable": {
        variablesUsed.add(ref.name);
        const value = input.variables[ref.name];
        if (value === undefined) {
          warn(layer, path, `${match.text} is kept as written: variable ${ref.name} is not set`);
        }
        return value;
      }
      case "live":
        warn(layer, path, `${match.text} is kept as written: its value exists only on a live cluster`);
        return undefined;
      case "pack": {
        const target = input.layers.findIndex((l) => l.pack === ref.pack);
        if (target < 0) {
          fail(layer, path, `${match.text} names pack "${ref.pack}", which the profile does not have`);
          return undefined;
        }
        const targetLayer = input.layers[target] as RenderLayer;
        const found = ref.path === "" ? undefined : lookup(targetLayer.rawValues, parsePath(ref.path));
        if (!found) {
          fail(layer, path, `${match.text} names "${ref.path}", which pack "${ref.pack}" does not have`);
          return undefined;
        }
        return cloneValue(render(target, found.path, found.node));
      }
    }
  };

  const renderString = (text: string, layer: number, path: Segment[]): Value => {
    const matches = findMacros(text);
    if (matches.length === 0) return text;
    const resolved = matches.map((match) => resolve(match, layer, path));
    const only = resolved[0];
    if (matches.length === 1 && only !== undefined && text.trim() === matches[0]?.text) {
      // A value that is exactly one macro takes the referenced value's type (a number stays a number).
      return only;
    }
    let out = "";
    let from = 0;
    for (const [i, match] of matches.entries()) {
      const value = resolved[i];
      out += text.slice(from, match.index) + (value === undefined ? keptText(match) : asText(value));
      from = match.index + match.text.length;
    }
    return out + text.slice(from);
  };

  // The dotted path is carried down rather than rebuilt from `path` at every node.
  const render = (layer: number, path: Segment[], node: Value, dotted = dottedPath(path)): Value => {
    // A scalar without a template renders to itself and can take no part in a cycle: no memo, no stack.
    if (isPlain(node)) return node;
    const key = `${layer}\u0000${dotted}`;
    const cached = memo.get(key);
    if (cached !== undefined) return cached;
    const onStack = stack.findIndex((entry) => entry.key === key);
    if (onStack >= 0) {
      const cycle = [...stack.slice(onStack), { key, layer, path }].map((e) => label(e.layer, e.path));
      const first = stack[onStack] as { layer: number; path: Segment[] };
      fail(first.layer, first.path, `macros form a cycle: ${cycle.join(" -> ")}`);
      return node;
    }
    stack.push({ key, layer, path });
    let out: Value;
    if (typeof node === "string") out = renderString(node, layer, path);
    else if (Array.isArray(node))
      out = node.map((item, i) =>
        isPlain(item) ? item : render(layer, [...path, i], item, `${dotted}[${i}]`),
      );
    else if (isMapping(node)) {
      const mapping: Mapping = {};
      for (const k of Object.keys(node)) {
        const child = node[k] as Value;
        const rendered = isPlain(child)
          ? child
          : render(layer, [...path, k], child, dotted === "" ? k : `${dotted}.${k}`);
        setKey(mapping, k, rendered);
      }
      out = mapping;
    } else out = node;
    stack.pop();
    memo.set(key, out);
    return out;
  };

  const values = input.layers.map((l, i) => render(i, [], l.rawValues) as Mapping);
  return { values, warnings, diagnostics, variablesUsed: [...variablesUsed].sort() };
}

/** A `--var NAME` that neither profile refers to is most likely a typo: said, not refused. */
export function unusedVariableWarnings(
  variables: Readonly<Record<string, string>>,
  profiles: readonly Pick<Profile, "variablesUsed">[],
): string[] {
  const used = new Set(profiles.flatMap((profile) => profile.variablesUsed));
  const known = [...used].sort();
  return Object.keys(variables)
    .filter((name) => !used.has(name))
    .map(
      (name) =>
        `--var ${name}: no profile uses {{ .spectro.var.${name} }} (${known.length > 0 ? `the profiles use ${known.join(", ")}` : "the profiles use no variables"})`,
    );
}
