import { existsSync } from "node:fs";
import { InputError } from "../shared/diagnostics.js";
import { formatDuration, parseDuration } from "../shared/duration.js";
import {
  checkExpectations,
  type ExpectationCheck,
  type ExpectationOutcome,
  type ExpectationResult,
} from "../shared/expectations.js";
import { readTextFile, writeOutput } from "../shared/files.js";
import { plural } from "../shared/plural.js";
import { peakUnavailable, walkAvailability } from "../sim/availability.js";
import {
  type NodeAction,
  type RefusedUpdate,
  type SimulationResult,
  type TimelineEntry,
  unfiredFaults,
} from "../sim/types.js";
import type { ExpectationKey, ScenarioExpect } from "./schema.js";
import { unifiedDiff } from "./text-diff.js";

export type { RefusedUpdate };

/** What a check sees: the simulation's result (timeline including refusals) and the run's context. */
export interface ExpectationContext {
  result: SimulationResult;
  refused: readonly RefusedUpdate[];
  /** Kubernetes down windows [from, to) in virtual ms from the scenario's events (to = Infinity if never up). */
  kubernetesDown: readonly { from: number; to: number }[];
  /** The golden text of this run (timeline and summary) — only the `timeline` check calls it. */
  goldenText: () => string;
  /** Resolved path of `expect.timeline`. */
  timelineFile?: string;
  /** Rewrite golden files instead of comparing them. */
  update?: boolean;
}

export type { ExpectationOutcome, ExpectationResult };

/** A scenario's expectation: the one contract (`shared/expectations.ts`), its id a key of `expect:`. */
export interface Expectation<K extends ExpectationKey>
  extends ExpectationCheck<NonNullable<ScenarioExpect[K]>, ExpectationContext> {
  id: K;
}

/**
 * Whether a run passes: every expectation holds; a run with no expectations passes only when its
 * rollout converged and no update was refused (nothing checked, so nothing may have gone wrong).
 */
export function runPassed(
  expectations: readonly ExpectationOutcome[],
  run: { result: string; refused?: readonly unknown[] },
): boolean {
  if (expectations.length > 0) return expectations.every((e) => e.passed);
  return run.result === "converged" && (run.refused?.length ?? 0) === 0;
}

type Registry = { [K in ExpectationKey]: Expectation<K> };

const outcome = (passed: boolean, message: string): ExpectationOutcome => ({ passed, message });

/** Nodes in the order they begin their first action. */
export function actionOrder(timeline: readonly TimelineEntry[]): string[] {
  const seen: string[] = [];
  for (const entry of timeline) {
    if (entry.event === "action-started" && entry.node && !seen.includes(entry.node)) {
      seen.push(entry.node);
    }
  }
  return seen;
}

export { peakUnavailable };

/**
 * Entries that disrupt a node inside a Kubernetes-down window: one that takes it out of Ready (see
 * `leavesReady`), or the start of an action (a cordoned node must wait for Kubernetes before it).
 */
export function disruptionsWhileDown(
  timeline: readonly TimelineEntry[],
  windows: readonly { from: number; to: number }[],
): TimelineEntry[] {
  const bad: TimelineEntry[] = [];
  walkAvailability(timeline, ({ entry, begins }) => {
    if (
      (begins || entry.event === "action-started") &&
      windows.some((w) => entry.t >= w.from && entry.t < w.to)
    )
      bad.push(entry);
  });
  return bad;
}

function describeEntry(entry: TimelineEntry): string {
  const action = "action" in entry ? ` ${entry.action}` : "";
  return `${entry.node ?? "cluster"} ${entry.event}${action} at ${formatDuration(entry.t)}`;
}

export const EXPECTATIONS = {
  result: {
    id: "result",
    check: (expected, { result }) =>
      outcome(
        result.result === expected,
        result.result === expected
          ? `result is ${expected}`
          : `expected ${expected}, got ${result.result}${result.failure ? ` (${result.failure.node} ${result.failure.action}: ${result.failure.reason})` : ""}`,
      ),
  },
  behavior: {
    id: "behavior",
    check: (expected, { result }) =>
      outcome(
        result.behavior === expected,
        result.behavior === expected
          ? `behavior is ${expected}`
          : `expected ${expected}, got ${result.behavior}`,
      ),
  },
  order: {
    id: "order",
    check: (expected, { result }) => {
      const actual = actionOrder(result.timeline);
      const same = actual.length === expected.length && actual.every((node, i) => node === expected[i]);
      return outcome(
        same,
        same
          ? expected.length === 0
            ? "no node began an action"
            : `nodes began in order ${expected.join(", ")}`
          : `expected order [${expected.join(", ")}], got [${actual.join(", ")}]`,
      );
    },
  },
  finalProfile: {
    id: "finalProfile",
    check: (expected, { result }) =>
      outcome(
        result.finalProfile === expected,
        result.finalProfile === expected
          ? `cluster ends on ${expected}`
          : `expected the cluster to end on ${expected}, got ${result.finalProfile}`,
      ),
  },
  noDisruptionWhileKubernetesDown: {
    id: "noDisruptionWhileKubernetesDown",
    check: (expected, { result, kubernetesDown }) => {
      if (!expected) return outcome(true, "not checked (false)");
      const bad = disruptionsWhileDown(result.timeline, kubernetesDown);
      if (bad.length === 0) {
        return outcome(
          true,
          `no node disrupted in ${plural(kubernetesDown.length, "Kubernetes-down window")}`,
        );
      }
      return outcome(
        false,
        `disrupted while Kubernetes was down: ${bad.slice(0, 3).map(describeEntry).join("; ")}`,
      );
    },
  },
  maxUnavailable: {
    id: "maxUnavailable",
    check: (expected, { result }) => {
      const { peak, at, nodes } = peakUnavailable(result.timeline);
      return outcome(
        peak <= expected,
        peak <= expected
          ? `at most ${peak} ${peak === 1 ? "node" : "nodes"} unavailable at once (limit ${expected})`
          : `${peak} ${peak === 1 ? "node" : "nodes"} unavailable at once at ${formatDuration(at)} (${nodes.join(", ")}), limit ${expected}`,
      );
    },
  },
  actions: {
    id: "actions",
    check: (expected, { result }) => {
      const problems: string[] = [];
      for (const [node, counts] of Object.entries(expected)) {
        const report = result.nodes.find((n) => n.name === node);
        for (const [action, count] of Object.entries(counts ?? {})) {
          const actual = report?.actions[action as NodeAction] ?? 0;
          if (actual !== count) problems.push(`${node} ${action}: expected ${count}, got ${actual}`);
        }
      }
      return outcome(
        problems.length === 0,
        problems.length === 0 ? "action counts match" : problems.join("; "),
      );
    },
  },
  duration: {
    id: "duration",
    check: (expected, { result }) => {
      // Bounds were validated by the loader; an absent bound does not constrain.
      const min = expected.min === undefined ? undefined : parseDuration(expected.min);
      const max = expected.max === undefined ? undefined : parseDuration(expected.max);
      const actual = result.durationMs;
      const tooShort = min !== undefined && actual < min;
      const tooLong = max !== undefined && actual > max;
      const range = `${min === undefined ? "0s" : formatDuration(min)}..${max === undefined ? "∞" : formatDuration(max)}`;
      return outcome(
        !tooShort && !tooLong,
        `upgrade took ${formatDuration(actual)}${tooShort || tooLong ? ", outside" : ", within"} ${range}`,
      );
    },
  },
  writeOutage: {
    id: "writeOutage",
    check: (expected, { result }) => {
      if (result.writeOutageMs === undefined)
        return outcome(false, "not a two-node cluster (cluster.twoNode): writes never had a leader to lose");
      const min = expected.min === undefined ? undefined : parseDuration(expected.min);
      const max = expected.max === undefined ? undefined : parseDuration(expected.max);
      const actual = result.writeOutageMs;
      const outside = (min !== undefined && actual < min) || (max !== undefined && actual > max);
      const range = `${min === undefined ? "0s" : formatDuration(min)}..${max === undefined ? "∞" : formatDuration(max)}`;
      return outcome(
        !outside,
        `writes unavailable for ${formatDuration(actual)}${outside ? ", outside" : ", within"} ${range}`,
      );
    },
  },
  timeline: {
    id: "timeline",
    check: (expected, context) => checkGolden(expected, context),
  },
  failedNode: {
    id: "failedNode",
    check: (expected, { result }) => {
      const actual = result.failure?.node;
      return outcome(
        actual === expected,
        actual === expected
          ? `${expected} failed (${result.failure?.action}: ${result.failure?.reason})`
          : `expected ${expected} to fail, ${actual === undefined ? "no node failed" : `${actual} failed`}`,
      );
    },
  },
  nodes: {
    id: "nodes",
    check: (expected, { result }) => {
      const problems: string[] = [];
      const matched: string[] = [];
      for (const [node, end] of Object.entries(expected)) {
        const report = result.nodes.find((n) => n.name === node);
        if (!report) {
          problems.push(`${node}: no such node`);
          continue;
        }
        const fields = Object.entries(end).filter(([, value]) => value !== undefined);
        for (const [field, value] of fields) {
          const actual = report[field as keyof typeof end];
          if (actual !== value)
            problems.push(`${node} ${field}: expected ${value}, got ${actual ?? "(none)"}`);
        }
        matched.push(`${node} (${fields.map(([field]) => field).join(", ")})`);
      }
      return outcome(
        problems.length === 0,
        problems.length === 0 ? `nodes end as expected: ${matched.join("; ")}` : problems.join("; "),
      );
    },
  },
  unfiredFaults: {
    id: "unfiredFaults",
    check: (expected, { result }) => {
      const unfired = unfiredFaults(result);
      const listed = unfired
        .map((f) => `${f.node} fail ${f.fail} at ${formatDuration(f.at)} fired ${f.fired} of ${f.times}`)
        .join("; ");
      if (unfired.length === 0) return outcome(true, `every injected fault fired (${result.faults.length})`);
      return outcome(
        expected === "allowed",
        `${plural(unfired.length, "injected fault")} did not fire${expected === "allowed" ? " (allowed)" : ""}: ${listed}`,
      );
    },
  },
  unsupported: {
    id: "unsupported",
    check: (expected, { refused, result }) => {
      const reasons = [
        ...refused.map((r) => `${r.profile}: ${r.reason}`),
        ...result.timeline
          .filter((entry) => entry.event === "update-rejected")
          .map((entry) => `${entry.profile}: ${entry.reasons.join("; ")}`),
      ];
      const was = reasons.length > 0;
      const detail = reasons.join("; ");
      return outcome(
        was === expected,
        was
          ? `${expected ? "" : "unexpectedly "}refused as unsupported: ${detail}`
          : `${expected ? "expected an update to be refused, but " : ""}every update was supported`,
      );
    },
  },
} satisfies Registry;

/** `label` is the path as the scenario wrote it: messages stay the same wherever the scenario lives. */
function checkGolden(label: string, context: ExpectationContext): ExpectationOutcome {
  const path = context.timelineFile;
  if (!path) return outcome(false, "no golden file path");
  const file = label;
  const actual = context.goldenText();
  // The path comes from the scenario: a folder or an unreadable file fails this check, not the run.
  const cannot = (what: string, error: unknown) =>
    outcome(false, `cannot ${what} golden timeline ${file}: ${fsReason(error)}`);
  if (context.update) {
    let before: string | undefined;
    try {
      before = existsSync(path) ? readTextFile(path) : undefined;
      if (before === actual) return outcome(true, `golden timeline ${file} unchanged`);
      writeOutput({ file: path, option: "--update" }, actual);
    } catch (error) {
      return cannot("write", error);
    }
    return outcome(true, `golden timeline ${file} ${before === undefined ? "written" : "updated"}`);
  }
  if (!existsSync(path)) {
    return outcome(false, `golden timeline ${file} does not exist (run with --update to write it)`);
  }
  let expected: string;
  try {
    expected = readTextFile(path);
  } catch (error) {
    return cannot("read", error);
  }
  if (expected === actual) return outcome(true, `timeline matches ${file}`);
  return outcome(
    false,
    `timeline differs from ${file} (run with --update to accept):\n${unifiedDiff(expected, actual)}`,
  );
}

function fsReason(error: unknown): string {
  if (error instanceof InputError) return error.diagnostics.map((d) => d.message).join("; ");
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EISDIR") return "it is a folder, not a file";
  if (code === "EACCES") return "permission denied";
  if (code === "ENOENT") return "its folder does not exist";
  return (error as Error).message;
}

/** Checks every expectation the scenario states, in the schema's order. */
export function evaluateExpectations(
  expect: ScenarioExpect,
  context: ExpectationContext,
): ExpectationResult[] {
  // A fault that never fires is checked even when the scenario does not mention it: it must say so.
  const unfired =
    expect.unfiredFaults === undefined && unfiredFaults(context.result).length > 0
      ? { unfiredFaults: "forbidden" as const }
      : {};
  // The registry is typed per key; the one contract takes its checks as a list.
  const checks = Object.values(EXPECTATIONS) as ExpectationCheck<never, ExpectationContext>[];
  return checkExpectations(checks, { ...expect, ...unfired }, context);
}
