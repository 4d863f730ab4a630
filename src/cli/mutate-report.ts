import type { Colours } from "../report/colour.js";
import { PLAIN } from "../report/colour.js";
import type { JUnitCase } from "../report/junit.js";
import type { Mutant } from "../suite/mutants.js";
import { isEquivalent, type MutationReport, percent } from "../suite/mutate.js";

/** `--mutate list`: every mutant's id, group and description, one a line. */
export function formatMutantList(mutants: readonly Mutant[]): string {
  const width = Math.max(...mutants.map((m) => m.id.length));
  return `${mutants.map((m) => `${m.id.padEnd(width)}  ${m.group.padEnd(10)}  ${m.description}`).join("\n")}\n`;
}

/**
 * The report: one line per mutant (killed, and by which file; or survived), the survivors again with
 * the file that came closest and what scenario would kill them (an equivalent one: why none can), then
 * the score per group and overall.
 */
export function formatMutationText(
  report: MutationReport,
  files: number,
  options: { colours?: Colours; quiet?: boolean } = {},
): string {
  const paint = options.colours ?? PLAIN;
  const lines: string[] = [];
  for (const r of report.results) {
    if (r.killed) {
      if (!options.quiet) lines.push(`${paint.pass("killed")}   ${r.mutant.id} (by ${r.killedBy?.name})`);
    } else lines.push(paint.fail(`survived ${r.mutant.id}`));
  }
  const survivors = report.results.filter((r) => !r.killed);
  if (survivors.length > 0) {
    lines.push("", "Survivors:");
    for (const r of survivors) {
      lines.push(`  ${r.mutant.id}: ${r.mutant.description}`);
      if (isEquivalent(r)) {
        lines.push(`    equivalent: ${r.mutant.equivalent}`);
        continue;
      }
      lines.push(
        r.closest
          ? `    closest: ${r.closest.name} (${r.closest.file}): ${r.closest.change}`
          : `    closest: none (${noneReason(r.reached)})`,
      );
      lines.push(`    to kill it: ${r.mutant.suggestion}`);
    }
  }
  lines.push("", `Mutation score over ${files} file${files === 1 ? "" : "s"}:`);
  const width = Math.max(...report.groups.map((g) => g.group.length));
  const score = (name: string, killed: number, total: number, equivalent: number) =>
    `  ${name.padEnd(width)}  ${killed}/${total - equivalent} killed (${percent(killed, total - equivalent)}%)${
      equivalent > 0 ? `, ${equivalent} equivalent left out` : ""
    }`;
  for (const g of report.groups) lines.push(score(g.group, g.killed, g.total, g.equivalent));
  lines.push(score("total", report.killed, report.total, report.equivalent));
  return `${lines.join("\n")}\n`;
}

function noneReason(reached: number): string {
  if (reached === 0) return "no file reaches its decision points";
  return `${reached} file${reached === 1 ? " reaches" : "s reach"} it and run${reached === 1 ? "s" : ""} the same`;
}

export function formatMutationJson(report: MutationReport, files: number, minScore?: number): string {
  return `${JSON.stringify(
    {
      files,
      score: report.score,
      killed: report.killed,
      total: report.total,
      equivalent: report.equivalent,
      ...(minScore !== undefined ? { minScore, passed: report.score >= minScore } : {}),
      groups: report.groups,
      mutants: report.results.map((r) => ({
        id: r.mutant.id,
        group: r.mutant.group,
        description: r.mutant.description,
        killed: r.killed,
        ...(r.killedBy ? { killedBy: r.killedBy } : {}),
        reached: r.reached,
        ...(isEquivalent(r)
          ? { equivalent: r.mutant.equivalent }
          : !r.killed
            ? { closest: r.closest ?? null, suggestion: r.mutant.suggestion }
            : {}),
      })),
    },
    null,
    2,
  )}\n`;
}

/**
 * One JUnit case per mutant; a survivor is a failure only when a minimum score is set, and an equivalent
 * one never (no suite can kill it).
 */
export function mutationJUnitCases(report: MutationReport, minScore: number | undefined): JUnitCase[] {
  return report.results.map((r) => ({
    name: r.mutant.id,
    file: `mutants.${r.mutant.group}`,
    passed: r.killed || isEquivalent(r) || minScore === undefined,
    seconds: r.seconds,
    ...(r.killed || isEquivalent(r)
      ? {}
      : {
          message: `survived: ${r.mutant.description}`,
          detail: [
            r.closest
              ? `closest: ${r.closest.name} (${r.closest.file}): ${r.closest.change}`
              : "closest: none",
            `to kill it: ${r.mutant.suggestion}`,
          ].join("\n"),
        }),
  }));
}
