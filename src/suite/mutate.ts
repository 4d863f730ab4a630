import type { ExpectationResult } from "../scenario/expectations.js";
import { MUTANT_GROUPS, type Mutant, type MutantGroup } from "./mutants.js";
import type { SuiteCase, SuiteOptions, SuiteOutcome } from "./suite.js";

/** Runs one file of the suite (a `SuiteRunner`'s `run`): each mutant gets its own. */
export interface FileRunner {
  run(file: string, options: SuiteOptions): Promise<SuiteOutcome>;
  close(): Promise<void>;
}

export interface MutationInput {
  /** The files of the suite that passed as is, with their cases: only these can kill a mutant. */
  baseline: readonly SuiteCase[];
  mutants: readonly Mutant[];
  options: SuiteOptions;
  /** How many mutants run at once, each with a runner of its own (a thread). */
  threads: number;
  runner: () => FileRunner;
}

/** The file that ran differently under a survivor without failing: what came closest to killing it. */
export interface Closest {
  name: string;
  file: string;
  /** What changed in its run, one line. */
  change: string;
}

export interface MutantResult {
  mutant: Mutant;
  killed: boolean;
  /** The first file that failed under the mutant (it passed as is). */
  killedBy?: { name: string; file: string; reason: string };
  /** For a survivor: the file whose run changed most under it, if any did. */
  closest?: Closest;
  /** How many files reach its decision points (and so were run under it). */
  reached: number;
  seconds: number;
}

export interface GroupScore {
  group: MutantGroup;
  killed: number;
  total: number;
  /** Survivors no run can tell from the model (`Mutant.equivalent`): left out of the score. */
  equivalent: number;
}

export interface MutationReport {
  results: MutantResult[];
  groups: GroupScore[];
  killed: number;
  total: number;
  /** Equivalent survivors, left out of the score. */
  equivalent: number;
  /** killed / (total − equivalent) as a percentage (100 with nothing to kill). */
  score: number;
}

/**
 * Runs every mutant against the files that passed as is, `threads` mutants at once: a mutant is killed
 * as soon as one of those files fails under it (the rest are not run), and survives when all pass. For
 * a survivor, the file whose run differed most from its run as is (a result, a behavior, an expectation's
 * message) is the one that came closest.
 */
export async function runMutants(input: MutationInput): Promise<MutationReport> {
  const queue = [...input.mutants];
  // The quickest files first: a mutant is killed by the first file that fails.
  const baseline = [...input.baseline].sort((a, b) => a.seconds - b.seconds);
  const results = new Map<Mutant, MutantResult>();
  const lane = async () => {
    const runner = input.runner();
    try {
      for (let mutant = queue.shift(); mutant !== undefined; mutant = queue.shift()) {
        results.set(mutant, await runMutant(runner, mutant, { ...input, baseline }));
      }
    } finally {
      await runner.close();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(input.threads, queue.length)) }, lane));
  return scoreOf(input.mutants.map((m) => results.get(m) as MutantResult));
}

async function runMutant(runner: FileRunner, mutant: Mutant, input: MutationInput): Promise<MutantResult> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  let closest: (Closest & { distance: number }) | undefined;
  let reached = 0;
  for (const base of input.baseline) {
    // A file that reached none of the mutant's decision points runs as it did (traced in the baseline).
    if (base.points !== undefined && !mutant.points.some((p) => base.points?.includes(p))) continue;
    reached++;
    const outcome = await runner.run(base.file, { ...input.options, variation: mutant.variation });
    if (!("case" in outcome)) continue;
    const mutated = outcome.case;
    if (!mutated.passed) {
      return {
        mutant,
        killed: true,
        killedBy: { name: mutated.name, file: mutated.file, reason: mutated.reason ?? "failed" },
        reached,
        seconds: seconds(),
      };
    }
    const difference = runDifference(base, mutated);
    // The files run quickest first, which varies from run to run: ties go to the first file by name.
    if (
      difference &&
      (!closest ||
        difference.distance > closest.distance ||
        (difference.distance === closest.distance && mutated.file < closest.file))
    )
      closest = { name: mutated.name, file: mutated.file, ...difference };
  }
  return {
    mutant,
    killed: false,
    ...(closest ? { closest: { name: closest.name, file: closest.file, change: closest.change } } : {}),
    reached,
    seconds: seconds(),
  };
}

/** How a passing file's run under a mutant differs from its run as is: undefined when it does not. */
export function runDifference(
  base: SuiteCase,
  mutated: SuiteCase,
): { distance: number; change: string } | undefined {
  const a = base.run;
  const b = mutated.run;
  if (!a || !b || JSON.stringify(a) === JSON.stringify(b)) return undefined;
  const changes: string[] = [];
  if (a.result !== b.result) changes.push(`result ${a.result} → ${b.result}`);
  if (a.behavior !== b.behavior) changes.push(`behavior ${a.behavior} → ${b.behavior}`);
  const messages = (run: { expectations: ExpectationResult[] }) =>
    new Map(run.expectations.map((e) => [e.name, e.message]));
  const before = messages(a);
  const changed = [...messages(b)].filter(([name, message]) => before.get(name) !== message);
  for (const [name, message] of changed) changes.push(`${name}: ${firstLine(message)}`);
  return {
    distance: changes.length * 2 + 1,
    change:
      changes.length > 0
        ? `its run changed (${changes.slice(0, 2).join("; ")}) but every expectation held`
        : "its run changed, but nothing it expects",
  };
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? text;
}

/** True for a survivor that no run can tell from the model: it is not the suite's to kill. */
export function isEquivalent(result: MutantResult): boolean {
  return !result.killed && result.mutant.equivalent !== undefined;
}

/**
 * The score per group (groups with no mutant left out) and overall: killed over the mutants a suite
 * could kill, equivalent survivors left out.
 */
export function scoreOf(results: MutantResult[]): MutationReport {
  const groups = MUTANT_GROUPS.map((group) => {
    const of = results.filter((r) => r.mutant.group === group);
    return {
      group,
      killed: of.filter((r) => r.killed).length,
      total: of.length,
      equivalent: of.filter(isEquivalent).length,
    };
  }).filter((g) => g.total > 0);
  const killed = results.filter((r) => r.killed).length;
  const equivalent = results.filter(isEquivalent).length;
  return {
    results,
    groups,
    killed,
    total: results.length,
    equivalent,
    score: percent(killed, results.length - equivalent),
  };
}

export function percent(killed: number, total: number): number {
  return total === 0 ? 100 : Math.floor((killed / total) * 1000) / 10;
}
