import type { z } from "zod";
import type { Diagnostic } from "../shared/diagnostics.js";
import { diagnosticAt, type YamlFile, type YamlPath } from "../shared/yaml.js";
import { EVENT_KINDS, EXPECTATION_KEYS } from "./schema.js";

type Issue = z.core.$ZodIssue;

/**
 * Turns zod issues into diagnostics that read well for a scenario author. Zod's own messages for a
 * union ("Invalid input") and for unknown keys (pointing at the parent mapping) say little, so:
 * an event that fails every branch is judged against the branch its kind key selects, and an
 * unknown key is reported at the key itself; a value that has the shape of one branch of another union
 * is judged against that branch.
 */
export function scenarioDiagnostics(
  yaml: YamlFile,
  issues: readonly Issue[],
  options: DiagnosticOptions = {},
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const context: Context = {
    eventKindsAt: options.eventKindsAt ?? scenarioEventKinds,
    expectationKeys: options.expectationKeys ?? EXPECTATION_KEYS,
  };
  for (const issue of issues) collect(yaml, issue, [], out, context);
  return out;
}

/** The kinds a list of events accepts, in the order of its union's branches, and how to say so. */
export interface EventKinds {
  keys: readonly string[];
  expected: string;
}

/** For files other than scenarios (fleets): where events stand and which expectations exist. */
export interface DiagnosticOptions {
  /** The event kinds accepted at `path`, or undefined when no event stands there. */
  eventKindsAt?: (path: YamlPath) => EventKinds | undefined;
  expectationKeys?: readonly string[];
}

type Context = Required<DiagnosticOptions>;

const SCENARIO_EVENT_KINDS: EventKinds = {
  keys: EVENT_KINDS.map((kind) => kind.key),
  expected:
    "an event has `at` and exactly one of `update: FILE`, `kubernetes: down|up`, `node: NAME` with `fail: ACTION`, `agent: restart`, `pool: NAME` with `skipWorkerUpdate: true|false`, `recover: NAME`",
};

function scenarioEventKinds(path: YamlPath): EventKinds | undefined {
  return path.length === 2 && path[0] === "events" && typeof path[1] === "number"
    ? SCENARIO_EVENT_KINDS
    : undefined;
}

function collect(yaml: YamlFile, issue: Issue, prefix: YamlPath, out: Diagnostic[], context: Context): void {
  const path: YamlPath = [
    ...prefix,
    ...issue.path.filter((p): p is string | number => typeof p !== "symbol"),
  ];
  switch (issue.code) {
    case "invalid_union": {
      const value = valueAt(yaml.value, path);
      const kinds = context.eventKindsAt(path);
      if (kinds && isRecord(value)) {
        collectEvent(yaml, issue, path, value, out, kinds, context);
        return;
      }
      // The one branch the value has the shape of (a fleet plan's `inventory: { sites: … }`, a
      // `twoNode: { leader: … }`) is what was meant: its own problems say what is wrong, at their place.
      const fitting = nonFinite(value) ? [] : issue.errors.filter((branch) => fits(yaml, path, branch));
      if (fitting.length === 1) {
        for (const inner of fitting[0] as Issue[]) collect(yaml, inner, path, out, context);
        return;
      }
      out.push(diagnosticAt(yaml, path, issue.message));
      return;
    }
    case "unrecognized_keys": {
      for (const key of issue.keys) {
        out.push(diagnosticAt(yaml, [...path, key], unknownKeyMessage(path, key, context)));
      }
      return;
    }
    default:
      out.push(diagnosticAt(yaml, path, issue.message));
  }
}

function collectEvent(
  yaml: YamlFile,
  issue: Extract<Issue, { code: "invalid_union" }>,
  path: YamlPath,
  value: Record<string, unknown>,
  out: Diagnostic[],
  accepted: EventKinds,
  context: Context,
): void {
  const kinds = accepted.keys.filter((key) => key in value);
  const expected = accepted.expected;
  if (kinds.length !== 1) {
    const what = kinds.length === 0 ? "no kind" : `several kinds (${kinds.join(", ")})`;
    out.push(diagnosticAt(yaml, path, `event has ${what}: ${expected}`));
    return;
  }
  const index = accepted.keys.indexOf(kinds[0] as string);
  const branch = issue.errors[index] ?? [];
  if (branch.length === 0) {
    out.push(diagnosticAt(yaml, path, expected));
    return;
  }
  for (const inner of branch) collect(yaml, inner, path, out, context);
}

/**
 * Whether a union's branch failed only inside a value of its own shape: not for the value's type or an
 * unknown key at the union's place, nor for a key it requires that is not there.
 */
function fits(yaml: YamlFile, path: YamlPath, branch: readonly Issue[]): boolean {
  if (branch.length === 0) return false;
  return branch.every((inner) => {
    if (inner.path.length === 0) return inner.code !== "invalid_type" && inner.code !== "unrecognized_keys";
    const missing =
      inner.code === "invalid_type" &&
      inner.path.length === 1 &&
      valueAt(yaml.value, [...path, inner.path[0] as string | number]) === undefined;
    return !missing;
  });
}

function unknownKeyMessage(path: YamlPath, key: string, context: Context): string {
  if (path.length === 1 && path[0] === "expect") {
    return `unknown expectation "${key}" (known: ${context.expectationKeys.join(", ")})`;
  }
  return `unknown key "${key}"`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function valueAt(root: unknown, path: YamlPath): unknown {
  let current = root;
  for (const part of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

/**
 * Messages that read after a dotted path (`events[0].kubernetes: must be one of down, up`), in
 * the style of the profile loader, instead of zod's generic ones.
 */
export const scenarioErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case "invalid_union": {
      // `.inf`/`.nan` fail every branch of a string-or-number union (a duration) before its own check.
      if (nonFinite(issue.input)) return `must be a finite number (got ${describe(issue.input)})`;
      // A value of a type no branch takes: the types it may be (`twoNode: "yes"`).
      const types = issue.errors.map((branch) => {
        const [only] = branch;
        return branch.length === 1 && only?.code === "invalid_type" && only.path.length === 0
          ? only.expected
          : undefined;
      });
      if (issue.input === undefined || types.length === 0 || types.some((t) => t === undefined))
        return undefined;
      const said = [...new Set(types as string[])].map(article);
      return `must be ${said.join(" or ")} (got ${describe(issue.input)})`;
    }
    case "invalid_type":
      if (issue.input === undefined) return "is required";
      if (nonFinite(issue.input)) return `must be a finite number (got ${describe(issue.input)})`;
      return `must be ${article(issue.expected)} (got ${describe(issue.input)})`;
    case "invalid_value":
      return `must be one of ${issue.values.map(String).join(", ")} (got ${describe(issue.input)})`;
    case "too_small":
      return issue.origin === "string" ? "must not be empty" : `must be at least ${String(issue.minimum)}`;
    case "too_big":
      return `must be at most ${String(issue.maximum)}`;
    default:
      return undefined;
  }
};

function article(expected: string): string {
  if (expected === "object") return "a mapping";
  if (expected === "array") return "a list";
  if (expected === "int") return "a whole number";
  if (expected === "null") return "null";
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function nonFinite(value: unknown): value is number {
  return typeof value === "number" && !Number.isFinite(value);
}

function describe(value: unknown): string {
  // YAML's own spellings: JSON would print NaN and Infinity as null.
  if (nonFinite(value)) return Number.isNaN(value) ? ".nan" : value > 0 ? ".inf" : "-.inf";
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "a mapping";
  return JSON.stringify(value);
}
