import { formatDuration as formatMs } from "../shared/duration.js";
import {
  checkExpectations,
  type ExpectationCheck,
  type ExpectationOutcome,
  type ExpectationResult,
  nestedResults,
} from "../shared/expectations.js";
import { plural } from "../shared/plural.js";
import { businessHoursFigure } from "./business-hours.js";
import type { LoadedFleetPlan } from "./load.js";
import type { FleetPlanRun, StrategyRun } from "./result.js";
import type { PlanExpect } from "./schema.js";
import { roundedHours, stateText } from "./template-output.js";
import { parseInstant, utcTime } from "./windows.js";

/**
 * A fleet plan's expectations on the one contract (`shared/expectations.ts`): the checks of a strategy
 * (its first trial and its risk; for a cluster template, its timeline), asked of the plan's first
 * strategy and of each one `strategies: {NAME: {…}}` names (`NAME.result`), then `slower`, which
 * compares two strategies. Text, JSON and JUnit print the results alike.
 */

/** What a strategy's checks see: the plan and the strategy's run. */
interface StrategyContext {
  plan: LoadedFleetPlan;
  strategy: StrategyRun;
}

type StrategyCheck<K extends keyof PlanExpect> = ExpectationCheck<
  NonNullable<PlanExpect[K]>,
  StrategyContext
>;
type PlanCheck<Expected> = ExpectationCheck<Expected, FleetPlanRun>;

/** Fleet durations to the second: milliseconds are noise over days. */
const formatDuration = (ms: number) => formatMs(Math.round(ms / 1000) * 1000);
const pct = (p: number) => `${Math.round(p * 1000) / 10}%`;
const gbps = (bps: number) => `${Math.round(bps / 1e7) / 100} Gbps`;

const result: StrategyCheck<"result"> = {
  id: "result",
  check: (expected, { strategy }) => {
    const got = strategy.first.result;
    return {
      passed: got === expected,
      message: got === expected ? `result is ${expected}` : `expected ${expected}, got ${got}`,
    };
  },
};

const haltedWave: StrategyCheck<"haltedWave"> = {
  id: "haltedWave",
  check: (expected, { strategy }) => {
    const got = strategy.first.schedule.halted?.wave ?? null;
    return {
      passed: got === expected,
      message:
        got === expected
          ? `halted wave is ${got ?? "none"}`
          : `expected ${expected ?? "no halt"}, got ${got ?? "no halt"}`,
    };
  },
};

const deadlineMet: StrategyCheck<"deadlineMet"> = {
  id: "deadlineMet",
  check: (expected, { strategy }) => {
    const p = strategy.risk.deadlineMetProbability;
    return {
      passed: p !== undefined && p >= expected.probability,
      message:
        p === undefined
          ? "the strategy has no deadline"
          : `deadline met in ${pct(p)} of ${plural(strategy.trials.length, "trial")} (want ≥ ${pct(expected.probability)})`,
    };
  },
};

const maxConcurrent: StrategyCheck<"maxConcurrent"> = {
  id: "maxConcurrent",
  check: (expected, { strategy }) => {
    const got = strategy.first.schedule.maxConcurrent;
    return { passed: got <= expected, message: `at most ${plural(got, "site")} at once (limit ${expected})` };
  },
};

const peakRegistryGbps: StrategyCheck<"peakRegistryGbps"> = {
  id: "peakRegistryGbps",
  check: (expected, { strategy }) => {
    const bps = strategy.first.schedule.peakRegistryBps;
    const got = bps / 1e9;
    return {
      passed:
        (expected.min === undefined || got >= expected.min) &&
        (expected.max === undefined || got <= expected.max),
      message: `peak registry throughput ${gbps(bps)} (want ${expected.min ?? 0}..${expected.max ?? "∞"})`,
    };
  },
};

const unschedulable: StrategyCheck<"unschedulable"> = {
  id: "unschedulable",
  check: (expected, { strategy }) => {
    const got = strategy.first.schedule.placements.filter((p) => p.state === "unschedulable").length;
    return {
      passed: got === expected,
      message: `${plural(got, "site")} ${got === 1 ? "fits" : "fit"} no window (want ${expected})`,
    };
  },
};

/** A cluster template's check: with another strategy, it fails saying so (once per value asked). */
const ofTemplate =
  <Expected>(
    check: (
      expected: Expected,
      sched: NonNullable<StrategyRun["first"]["template"]>["schedule"],
      context: StrategyContext,
    ) => ExpectationOutcome,
  ) =>
  (expected: Expected, context: StrategyContext): ExpectationOutcome => {
    const sched = context.strategy.first.template?.schedule;
    return sched
      ? check(expected, sched, context)
      : { passed: false, message: `strategy ${context.strategy.strategy.name} is not a template` };
  };

/** One value or a list of them: one outcome each. */
const each =
  <T>(check: (expected: T, context: StrategyContext) => ExpectationOutcome) =>
  (expected: T | readonly T[], context: StrategyContext): ExpectationOutcome[] =>
    (Array.isArray(expected) ? (expected as readonly T[]) : [expected as T]).map((one) =>
      check(one, context),
    );

type Each<K extends keyof PlanExpect> =
  NonNullable<PlanExpect[K]> extends infer T ? (T extends readonly (infer U)[] ? U : T) : never;

const versionEverywhereBy: StrategyCheck<"versionEverywhereBy"> = {
  id: "versionEverywhereBy",
  check: each(
    ofTemplate<Each<"versionEverywhereBy">>((want, sched) => {
      const { version: name, by } = want;
      const v = sched.versions.find((x) => x.name === name);
      const byMs = parseInstant(by) ?? Number.NEGATIVE_INFINITY;
      const notBeforeMs = want.notBefore !== undefined ? (parseInstant(want.notBefore) ?? 0) : undefined;
      const at = v?.everywhereAtMs;
      return {
        passed: at !== undefined && at <= byMs && (notBeforeMs === undefined || at >= notBeforeMs),
        message:
          v === undefined
            ? `no version ${name}`
            : at === undefined
              ? `${name} never reached every site (${stateText(v, sched)})`
              : `${name} on every site at ${utcTime(at)} (want ${notBeforeMs !== undefined ? `${utcTime(notBeforeMs)} to ` : "by "}${utcTime(byMs)})`,
      };
    }),
  ),
};

const windowsToApply: StrategyCheck<"windowsToApply"> = {
  id: "windowsToApply",
  check: each(
    ofTemplate<Each<"windowsToApply">>(({ version: name, max, min }, sched) => {
      const v = sched.versions.find((x) => x.name === name);
      const applied = v?.everywhereAtMs !== undefined;
      return {
        passed: v !== undefined && applied && v.windows <= max && (min === undefined || v.windows >= min),
        message:
          v === undefined
            ? `no version ${name}`
            : `${name} took ${plural(v.windows, "window")}${applied ? "" : " and did not reach every site"} (${min !== undefined ? `${min} to ${max}` : `at most ${max}`})`,
      };
    }),
  ),
};

const skippedVersions: StrategyCheck<"skippedVersions"> = {
  id: "skippedVersions",
  check: ofTemplate((expected, sched) => {
    const got = sched.versions.filter((v) => v.state === "skipped").map((v) => v.name);
    const want = [...expected];
    return {
      passed: got.length === want.length && got.every((g) => want.includes(g)),
      message: `skipped ${got.length > 0 ? got.join(", ") : "none"} (want ${want.length > 0 ? want.join(", ") : "none"})`,
    };
  }),
};

const blockedHours: StrategyCheck<"blockedHours"> = {
  id: "blockedHours",
  check: ofTemplate((expected, sched) => ({
    passed:
      sched.blockedMs / 3_600_000 <= expected.max &&
      (expected.min === undefined || sched.blockedMs / 3_600_000 >= expected.min),
    message: `partially applied for ${roundedHours(sched.blockedMs)} h (${expected.min !== undefined ? `${expected.min} to ${expected.max}` : `at most ${expected.max}`})`,
  })),
};

const businessHoursDisruption: StrategyCheck<"businessHoursDisruption"> = {
  id: "businessHoursDisruption",
  check: (expected, { plan, strategy }) => {
    const got = businessHoursFigure(plan, strategy.first).total.businessNodeHours;
    return {
      passed: got <= expected.max,
      message: `${Math.round(got * 10) / 10} node-hours disrupted in local business hours (at most ${expected.max})`,
    };
  },
};

/** A strategy's checks, in the order they are reported. */
export const STRATEGY_EXPECTATIONS = [
  result,
  haltedWave,
  deadlineMet,
  maxConcurrent,
  peakRegistryGbps,
  unschedulable,
  versionEverywhereBy,
  windowsToApply,
  skippedVersions,
  blockedHours,
  businessHoursDisruption,
] as const;

const strategyChecks = STRATEGY_EXPECTATIONS as readonly ExpectationCheck<never, StrategyContext>[];

/** `strategies: {NAME: {…}}`: each named strategy's checks, named `NAME.check`. */
const strategies: PlanCheck<Record<string, PlanExpect>> = {
  id: "strategies",
  check: (expected, run) =>
    Object.entries(expected).flatMap(([name, e]) => {
      const strategy = run.strategies.find((x) => x.strategy.name === name);
      return strategy
        ? nestedResults(name, checkExpectations(strategyChecks, e, { plan: run.plan, strategy }))
        : [];
    }),
};

/** A strategy's p50 duration, or why it has none (nothing rolled before the horizon). */
export function p50Text(s: StrategyRun): string {
  return s.trials.some((t) => t.rolled === 0)
    ? "rolled no site before the horizon"
    : `p50 ${formatDuration(s.risk.durationMs.p50)}`;
}

/** `slower: {strategy, than}`: the one strategy's p50 duration is longer than the other's. */
const slower: PlanCheck<{ strategy: string; than: string }> = {
  id: "slower",
  check: (expected, run) => {
    const a = run.strategies.find((x) => x.strategy.name === expected.strategy);
    const b = run.strategies.find((x) => x.strategy.name === expected.than);
    if (!a || !b) return [];
    return {
      passed: a.risk.durationMs.p50 > b.risk.durationMs.p50,
      message: `${a.strategy.name} ${p50Text(a)} vs ${b.strategy.name} ${p50Text(b)}`,
    };
  },
};

/** The checks that compare or name strategies, after the first strategy's own. */
export const PLAN_EXPECTATIONS = [strategies, slower] as const;

/** A fleet plan's expectations: the first strategy's checks, then each named strategy's, then `slower`. */
export function evaluatePlanExpectations(run: FleetPlanRun): ExpectationResult[] {
  const expect = run.plan.expect;
  const main = run.strategies[0];
  return [
    ...(main ? checkExpectations(strategyChecks, expect, { plan: run.plan, strategy: main }) : []),
    ...checkExpectations(PLAN_EXPECTATIONS as readonly ExpectationCheck<never, FleetPlanRun>[], expect, run),
  ];
}

/** A rolled fleet's expectations, and whether it passed: each holds, or (without any) every strategy converged. */
export function fleetVerdict(run: FleetPlanRun): { expectations: ExpectationResult[]; passed: boolean } {
  const expectations = evaluatePlanExpectations(run);
  const passed =
    expectations.length > 0
      ? expectations.every((e) => e.passed)
      : run.strategies.every((s) => s.first.result === "converged");
  return { expectations, passed };
}
