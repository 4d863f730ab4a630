import type { EvaluatedPath, EvaluatedStep, FleetPathCost } from "../path/evaluate.js";
import type { PathSearchResult } from "../path/search.js";
import type { Plan } from "../rules/types.js";
import { formatDuration } from "../shared/duration.js";
import { plural } from "../shared/plural.js";
import type { Behavior } from "../shared/types.js";
import { colours } from "./colour.js";
import { BEHAVIOR_MARK, markdownCode, markdownText } from "./plan-markdown.js";

export interface PathReportOptions {
  color?: boolean;
  /** Fleet costs of the paths shown, by rank (0 = recommended). */
  fleet?: readonly (FleetPathCost | undefined)[];
}

/** The changes that decided a step's behavior (the most disruptive ones), for "why". */
export function deciding(plan: Plan): Plan["changes"] {
  return plan.changes.filter((c) => c.behavior === plan.behavior);
}

function stepProfileName(result: PathSearchResult, step: EvaluatedStep): string {
  return result.revision(step.to).name;
}

function osLabel(result: PathSearchResult, os: number): string {
  if (result.osImages.length === 1) return "unchanged";
  return os === 0 ? "today's" : os === result.osImages.length - 1 ? "target's" : `listed image ${os}`;
}

/** "control-plane repave, workers repave, edge skipped" */
function groupsPhrase(step: EvaluatedStep): string {
  return step.groups
    .filter((g) => g.nodes > 0)
    .map((g) => `${g.group} ${g.action}`)
    .join(", ");
}

function stepTitle(result: PathSearchResult, step: EvaluatedStep): string {
  if (step.step.kind === "catch-up") {
    return `catch up pool ${step.step.pool}: turn "skip worker node update" off (repaves it to ${stepProfileName(result, step)})`;
  }
  return `publish ${stepProfileName(result, step)} (Kubernetes ${result.kubernetes[step.to.kubernetes]}, OS ${osLabel(result, step.to.os)}${result.other ? `, other changes ${step.to.other ? "in" : "not yet"}` : ""})`;
}

function whyLines(result: PathSearchResult, step: EvaluatedStep): string[] {
  if (step.step.kind === "catch-up") {
    return [
      'turning "skip worker node update" off repaves the pool to the control plane\'s Kubernetes version (node-pool.md, "Upgrade a Skipped Worker Pool")',
    ];
  }
  const plan = result.plan(step.from, step.to);
  if (plan.changes.length === 0) return ["nothing changes on the nodes"];
  return deciding(plan).map(
    (c) =>
      `${c.layer} ${c.path}: ${c.reason} [${c.rule}]${c.assumption ? ` (assumption: ${c.assumption})` : ""}`,
  );
}

function perNodeSummary(path: EvaluatedPath): string {
  return path.groups
    .filter((g) => g.nodes > 0)
    .map(
      (g) =>
        `${g.group}${g.policy ? ` (${g.policy})` : ""} ×${g.nodes}: ${plural(g.repaves, "repave")}, ${plural(g.reboots, "reboot")}, ${plural(g.restarts, "restart")}`,
    )
    .join("; ");
}

function hours(value: number): string {
  return value.toFixed(2);
}

/** The JSON of `edgesim path --json`: `paths[]` best first, each with `steps[]` (`behavior`, `profile`). */
export function pathJson(result: PathSearchResult, options: PathReportOptions = {}): object {
  return {
    from: result.from.name,
    target: result.target.name,
    distribution: result.from.distribution,
    mode: result.mode,
    minimise: result.minimise,
    format: result.format,
    cluster: result.cluster,
    kubernetes: result.kubernetes,
    osImages: result.osImages,
    otherChanges: result.other,
    constraints: result.constraints,
    considered: result.considered,
    ...(result.noPath ? { noPath: result.noPath } : {}),
    paths: result.paths.map((path, rank) => {
      const fleet = options.fleet?.[rank];
      return {
        rank: rank + 1,
        recommended: rank === 0,
        policies: path.shape.policies,
        steps: path.steps.map((step) => ({
          kind: step.step.kind,
          ...(step.step.kind === "catch-up" ? { pool: step.step.pool } : {}),
          profile: stepProfileName(result, step),
          kubernetes: result.kubernetes[step.to.kubernetes],
          osImage: result.osImages[step.to.os],
          behavior: step.behavior,
          groups: step.groups,
          why:
            step.step.kind === "catch-up"
              ? [{ rule: "skip-worker-skew", reason: whyLines(result, step)[0] }]
              : deciding(result.plan(step.from, step.to)).map((c) => ({
                  layer: c.layer,
                  path: c.path,
                  behavior: c.behavior,
                  rule: c.rule,
                  reason: c.reason,
                  ...(c.assumption ? { assumption: c.assumption } : {}),
                })),
          durationMs: step.durationMs,
          nodeHours: Number(step.nodeHours.toFixed(4)),
          ...(fleet?.steps[path.steps.indexOf(step)] ? { fleet: fleet.steps[path.steps.indexOf(step)] } : {}),
        })),
        repavesPerNode: path.repavesPerNode,
        rebootsPerNode: path.rebootsPerNode,
        restartsPerNode: path.restartsPerNode,
        totalRepaves: path.totalRepaves,
        totalReboots: path.totalReboots,
        nodeHours: Number(path.nodeHours.toFixed(4)),
        durationMs: path.durationMs,
        windows: path.windows,
        perGroup: path.groups,
        ...(fleet
          ? {
              fleet: {
                plan: fleet.plan,
                sites: fleet.sites,
                durationMs: fleet.durationMs,
                windows: fleet.windows,
              },
            }
          : {}),
      };
    }),
    warnings: result.warnings,
  };
}

function pad(cells: string[][]): string[] {
  const widths = cells[0]?.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length))) ?? [];
  return cells.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}

function shortPath(result: PathSearchResult, path: EvaluatedPath): string {
  return path.steps
    .map((s) =>
      s.step.kind === "catch-up"
        ? `catch-up ${s.step.pool}`
        : `${result.kubernetes[s.to.kubernetes]}${result.osImages.length > 1 && s.to.os > s.from.os ? "+os" : ""}${result.other && s.to.other && !s.from.other ? "+changes" : ""}`,
    )
    .join(" → ");
}

function policiesText(path: EvaluatedPath): string {
  const entries = Object.entries(path.shape.policies);
  return entries.length === 0 ? "" : entries.map(([pool, policy]) => `${pool}=${policy}`).join(",");
}

/** The text report: the recommended path step by step, then the alternatives as an aligned table. */
export function formatPathText(result: PathSearchResult, options: PathReportOptions = {}): string {
  const c = colours(options.color === true);
  const lines: string[] = [];
  const cluster = result.cluster;
  const shape = [
    `${plural(cluster.controlPlanes, "control plane")}`,
    ...(cluster.workers > 0 ? [`${plural(cluster.workers, "worker")}`] : []),
    ...cluster.pools.map((p) => `pool ${p.name} ×${p.workers}`),
  ].join(" + ");
  lines.push(`Path: ${result.from.name} → ${result.target.name}`);
  lines.push(`Cluster: ${result.from.distribution}, ${result.mode} mode, ${shape}`);
  lines.push(`Kubernetes: ${result.kubernetes.join(" → ")}`);
  if (result.osImages.length > 1) lines.push(`OS image: ${result.osImages.join(" → ")}`);
  if (result.other) lines.push("Other changes: the target's other changes go in one of the revisions");
  lines.push(`Minimising: ${result.minimise}; ${plural(result.considered, "path")} considered`);
  const best = result.paths[0];
  if (!best) {
    lines.push("");
    lines.push(`${c.bold(c.fail("No path"))}: ${result.noPath ?? "none found"}`);
    return `${lines.join("\n")}\n`;
  }
  const fleet = options.fleet?.[0];
  lines.push("");
  lines.push(
    `${c.bold("Recommended")}: ${plural(best.steps.length, "step")}; per node at most ${plural(best.repavesPerNode, "repave")}, ${plural(best.rebootsPerNode, "reboot")}, ${plural(best.restartsPerNode, "restart")}; ${plural(best.totalRepaves, "node repave")} in all; ${hours(best.nodeHours)} node-hours of disruption; ${formatDuration(best.durationMs)} of rollouts one after another`,
  );
  if (fleet) {
    lines.push(
      `  over ${fleet.plan} (${fleet.sites} ${fleet.sites === 1 ? "site" : "sites"}): ${formatDuration(fleet.durationMs)} from the first rollout to the last site done, ${plural(fleet.windows, "maintenance window")}`,
    );
  }
  lines.push(`  per node: ${perNodeSummary(best)}`);
  best.steps.forEach((step, i) => {
    lines.push(`  ${i + 1}. ${stepTitle(result, step)}`);
    lines.push(
      `     ${c.behavior(step.behavior, step.behavior)}: ${groupsPhrase(step)}; ${formatDuration(step.durationMs)}, ${hours(step.nodeHours)} node-hours${fleet?.steps[i] ? `; fleet: ${formatDuration(fleet.steps[i].endMs - fleet.steps[i].startMs)}, ${plural(fleet.steps[i].windows, "window")}` : ""}`,
    );
    for (const why of whyLines(result, step)) lines.push(`     why: ${why}`);
  });
  if (result.paths.length > 1) {
    lines.push("");
    lines.push(c.bold("Alternatives"));
    const rows = [
      [
        "#",
        "steps",
        "repaves/node",
        "node repaves",
        "reboots/node",
        "node-hours",
        "duration",
        "windows",
        "pools",
        "path",
      ],
    ];
    result.paths.forEach((path, rank) => {
      const f = options.fleet?.[rank];
      rows.push([
        String(rank + 1),
        String(path.steps.length),
        String(path.repavesPerNode),
        String(path.totalRepaves),
        String(path.rebootsPerNode),
        hours(path.nodeHours),
        formatDuration(f ? f.durationMs : path.durationMs),
        String(f ? f.windows : path.windows),
        policiesText(path) || "-",
        shortPath(result, path),
      ]);
    });
    for (const line of pad(rows)) lines.push(`  ${line}`);
  }
  lines.push("");
  lines.push(c.bold("Constraints applied"));
  for (const constraint of result.constraints) {
    lines.push(`  ${constraint.id}: ${constraint.rule}`);
    lines.push(`    source: ${constraint.source}`);
    if (constraint.assumption) lines.push(`    assumption: ${constraint.assumption}`);
  }
  if (result.warnings.length > 0) {
    lines.push("");
    lines.push(c.bold(`Warnings (${result.warnings.length})`));
    for (const w of result.warnings) lines.push(`  - ${w}`);
  }
  return `${lines.join("\n")}\n`;
}

function row(cells: string[]): string {
  return `| ${cells.join(" | ")} |`;
}

/** The report as a pull-request comment, in the shape of `edgesim plan --format markdown`. */
export function formatPathMarkdown(result: PathSearchResult, options: PathReportOptions = {}): string {
  const lines: string[] = [];
  const title = `${markdownText(result.from.name)} → ${markdownText(result.target.name)}`;
  const best = result.paths[0];
  if (!best) {
    lines.push(`### ⛔ edgesim path: no path — ${title}`);
    lines.push("");
    lines.push(markdownText(result.noPath ?? "none found"));
    return `${lines.join("\n")}\n`;
  }
  const worst: Behavior =
    best.repavesPerNode > 0 ? "repave" : best.rebootsPerNode > 0 ? "reboot" : "service-restart";
  lines.push(
    `### ${BEHAVIOR_MARK[worst]} edgesim path: ${plural(best.steps.length, "step")}, ${plural(best.repavesPerNode, "repave")} per node — ${title}`,
  );
  lines.push("");
  const fleet = options.fleet?.[0];
  lines.push(
    `**Recommended** (minimising ${result.minimise}; ${plural(result.considered, "path")} considered): ${plural(best.totalRepaves, "node repave")} in all, ${hours(best.nodeHours)} node-hours of disruption, ${formatDuration(best.durationMs)} of rollouts${fleet ? `; over ${markdownText(fleet.plan)} (${fleet.sites} ${fleet.sites === 1 ? "site" : "sites"}): ${formatDuration(fleet.durationMs)}, ${plural(fleet.windows, "maintenance window")}` : ""}.`,
  );
  lines.push("");
  lines.push(
    `Distribution: ${markdownCode(result.from.distribution)} · Mode: ${markdownCode(result.mode)} · Kubernetes: ${result.kubernetes.map(markdownCode).join(" → ")}`,
  );
  lines.push("");
  lines.push(row(["Step", "Rollout", "Behavior", "Nodes", "Why"]));
  lines.push(row(["---", "---", "---", "---", "---"]));
  best.steps.forEach((step, i) => {
    lines.push(
      row([
        String(i + 1),
        markdownText(stepTitle(result, step)),
        `${BEHAVIOR_MARK[step.behavior]} ${step.behavior}`,
        markdownText(groupsPhrase(step)),
        markdownText(whyLines(result, step).join("; ")),
      ]),
    );
  });
  if (result.paths.length > 1) {
    lines.push("");
    lines.push(`#### Alternatives (${result.paths.length - 1})`);
    lines.push("");
    lines.push(row(["#", "Steps", "Repaves/node", "Node repaves", "Node-hours", "Windows", "Path"]));
    lines.push(row(["---", "---", "---", "---", "---", "---", "---"]));
    result.paths.forEach((path, rank) => {
      lines.push(
        row([
          String(rank + 1),
          String(path.steps.length),
          String(path.repavesPerNode),
          String(path.totalRepaves),
          hours(path.nodeHours),
          String(options.fleet?.[rank]?.windows ?? path.windows),
          markdownText(`${shortPath(result, path)}${policiesText(path) ? ` (${policiesText(path)})` : ""}`),
        ]),
      );
    });
  }
  lines.push("");
  lines.push("<details><summary>Constraints applied</summary>");
  lines.push("");
  for (const constraint of result.constraints) {
    lines.push(
      `- ${markdownCode(constraint.id)}: ${markdownText(constraint.rule)} — ${markdownText(constraint.source)}${constraint.assumption ? ` (assumption: ${markdownText(constraint.assumption)})` : ""}`,
    );
  }
  lines.push("");
  lines.push("</details>");
  if (result.warnings.length > 0) {
    lines.push("");
    lines.push(`#### Warnings (${result.warnings.length})`);
    lines.push("");
    for (const w of result.warnings) lines.push(`- ${markdownText(w)}`);
  }
  return `${lines.join("\n")}\n`;
}
