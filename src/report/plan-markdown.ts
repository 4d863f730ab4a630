import type { Plan, PlannedChange } from "../rules/types.js";
import { formatClock, formatDuration } from "../shared/duration.js";
import type { Behavior } from "../shared/types.js";
import type { RolloutEstimate } from "../sim/estimate.js";
import {
  behaviorSentence,
  changedValueTexts,
  noChangesSentence,
  nodeOrder,
  servicesPhrase,
  shortValue,
} from "./plan-text.js";

export interface PlanMarkdownOptions {
  controlPlanes?: number;
  workers?: number;
  estimate?: RolloutEstimate;
}

/** A marker in front of the behavior, so the outcome reads at a glance in a pull-request comment. */
export const BEHAVIOR_MARK: Record<Behavior, string> = {
  repave: "🔴",
  reboot: "🟠",
  "service-restart": "🟡",
  "config-reload": "🔵",
  "no-op": "⚪",
};

/** Values in the table are cut to this many characters (the full values are in `--json`). */
const VALUE_WIDTH = 60;

/**
 * Text for a table cell or a line, as literal as markdown allows: characters with a meaning in inline
 * markdown or HTML are escaped (`@` too, so no one is mentioned), `|` so that it does not end the cell, a
 * character that would start a block at the beginning, and a line break becomes `<br>` (a raw newline
 * would end the row).
 */
export function markdownText(text: string): string {
  return text
    .replace(/[\\`*_[\]~|@]/g, (c) => `\\${c}`)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/^([#+=-])/, "\\$1")
    .replace(/^(\d+)([.)])/, "$1\\$2")
    .replace(/\r\n|\r|\n/g, "<br>");
}

/**
 * A code span for a table cell. Inside a code span nothing is interpreted, so the fence is one backtick
 * longer than the longest run of backticks in the text; `|` is still escaped (GitHub splits table cells
 * before it reads code spans) and line breaks show as `⏎` (a code span cannot hold `<br>`).
 */
export function markdownCode(text: string): string {
  const oneLine = text.replace(/\r\n|\r|\n/g, "⏎").replace(/\|/g, "\\|");
  const longestRun = Math.max(0, ...(oneLine.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longestRun + 1);
  // A space on each side keeps a leading or trailing backtick from joining the fence; markdown strips it.
  const pad = /^[` ]|[` ]$/.test(oneLine) ? " " : "";
  return `${fence}${pad}${oneLine}${pad}${fence}`;
}

function row(cells: string[]): string {
  return `| ${cells.join(" | ")} |`;
}

function oldToNew(change: PlannedChange): string {
  if (change.from === undefined && change.to !== undefined)
    return `*added* ${markdownCode(shortValue(change.to, VALUE_WIDTH, 0, change.toText))}`;
  if (change.to === undefined && change.from !== undefined)
    return `*removed* ${markdownCode(shortValue(change.from, VALUE_WIDTH, 0, change.fromText))}`;
  const [from, to] = changedValueTexts(change, VALUE_WIDTH);
  return `${markdownCode(from)} → ${markdownCode(to)}`;
}

/**
 * The plan as GitHub-flavoured markdown, ready to post as a pull-request comment: the overall behavior
 * as the heading, one table row per changed path, refusals, warnings, the node order and the estimate.
 */
export function formatPlanMarkdown(plan: Plan, options: PlanMarkdownOptions = {}): string {
  const controlPlanes = options.controlPlanes ?? 3;
  const workers = options.workers ?? 2;
  const refused = plan.unsupported.length > 0;
  const title = `${markdownText(plan.from)} → ${markdownText(plan.to)}`;
  const lines: string[] = [];

  if (refused) {
    lines.push(`### ⛔ edgesim plan: UNSUPPORTED — ${title}`);
    lines.push("");
    lines.push(
      `**UNSUPPORTED**: Palette does not support this update (see below). The other changes alone: **${plan.behavior}**.`,
    );
  } else {
    lines.push(`### ${BEHAVIOR_MARK[plan.behavior]} edgesim plan: ${plan.behavior} — ${title}`);
    lines.push("");
    lines.push(`**${plan.behavior}**: ${markdownText(behaviorSentence(plan))}.`);
  }
  lines.push("");
  lines.push(
    `Distribution: ${markdownCode(plan.distribution)}${plan.mode !== undefined && plan.mode !== "appliance" ? ` · Delivery: ${markdownCode(plan.mode)}` : ""} · Services restarted: ${servicesPhrase(plan, markdownCode)}`,
  );

  if (refused) {
    lines.push("");
    lines.push(`#### Unsupported (${plan.unsupported.length})`);
    lines.push("");
    lines.push(row(["Layer", "Rule", "Reason"]));
    lines.push(row(["---", "---", "---"]));
    for (const item of plan.unsupported) {
      lines.push(row([markdownText(item.layer), markdownCode(item.rule), markdownText(item.reason)]));
    }
  }

  lines.push("");
  if (plan.changes.length === 0) {
    lines.push(noChangesSentence(plan, "above"));
  } else {
    lines.push(`#### Changes (${plan.changes.length})`);
    lines.push("");
    lines.push(row(["Layer", "Path", "Old → new", "Behavior", "Rule", "Reason"]));
    lines.push(row(["---", "---", "---", "---", "---", "---"]));
    for (const change of plan.changes) {
      const path = change.innerPath !== undefined ? `${change.path} → ${change.innerPath}` : change.path;
      const behavior = `${BEHAVIOR_MARK[change.behavior]} ${change.behavior}${change.unclassified ? " (unclassified)" : ""}`;
      const services = change.services?.length ? `; restarts ${change.services.join(", ")}` : "";
      const assumption = change.assumption !== undefined ? `; assumption: ${change.assumption}` : "";
      lines.push(
        row([
          markdownText(change.layer),
          markdownCode(path),
          oldToNew(change),
          behavior,
          markdownCode(change.rule),
          markdownText(`${change.reason}${services}${assumption}`),
        ]),
      );
    }
  }

  if (plan.warnings.length > 0) {
    lines.push("");
    lines.push(`#### Warnings (${plan.warnings.length})`);
    lines.push("");
    for (const warning of plan.warnings) lines.push(`- ${markdownText(warning)}`);
  }

  lines.push("");
  if (plan.behavior === "no-op" || refused) {
    lines.push(
      refused ? "**Node order:** none, the update is refused" : "**Node order:** no node is touched",
    );
  } else {
    const cps = nodeOrder(controlPlanes, 0);
    const ws = nodeOrder(0, workers);
    const parts = [
      ...(cps.length > 0 ? [`control planes first (${cps.join(", ")})`] : []),
      ...(ws.length > 0 ? [`${cps.length > 0 ? "then " : ""}workers (${ws.join(", ")})`] : []),
    ];
    lines.push(`**Node order:** ${parts.join(", ")}`);
  }
  const estimate = options.estimate;
  if (estimate && plan.behavior !== "no-op" && !refused) {
    const atOnce =
      estimate.maxUnavailable === 1 ? "one worker at a time" : `${estimate.maxUnavailable} workers at a time`;
    lines.push("");
    lines.push(
      `**Estimated rollout:** ${formatDuration(estimate.durationMs)} (default timings, no faults; ${atOnce})`,
    );
    lines.push("");
    lines.push("<details><summary>Per node</summary>");
    lines.push("");
    lines.push(row(["Node", "Action", "Starts", "Ready"]));
    lines.push(row(["---", "---", "---", "---"]));
    for (const node of estimate.nodes) {
      lines.push(
        row([
          markdownText(node.node),
          markdownText(node.action),
          formatClock(node.startMs),
          formatClock(node.readyMs),
        ]),
      );
    }
    lines.push("");
    lines.push("</details>");
  }
  return `${lines.join("\n")}\n`;
}
