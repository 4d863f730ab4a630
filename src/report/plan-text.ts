import type { Value } from "../profile/types.js";
import type { Plan, PlannedChange } from "../rules/types.js";
import { formatClock, formatDuration } from "../shared/duration.js";
import {
  assertNever,
  BEHAVIORS,
  type Behavior,
  CORE_LAYERS,
  type DeliveryMode,
  type LayerName,
} from "../shared/types.js";
import type { RolloutEstimate } from "../sim/estimate.js";
import { clusterNodes } from "../sim/types.js";
import { colours } from "./colour.js";

export interface PlanTextOptions {
  controlPlanes?: number;
  workers?: number;
  /** ANSI colour (`colours` of report/colour.ts); the CLI decides it (terminal, NO_COLOR, --no-color…). */
  color?: boolean;
  /** The simulated rollout of this plan on that cluster, shown as an estimate. */
  estimate?: RolloutEstimate;
}

const SYMBOL: Record<Behavior, string> = {
  repave: "-/+",
  reboot: "~",
  "service-restart": "*",
  "config-reload": ".",
  "no-op": "=",
};

/** What the whole cluster goes through, in words. */
/**
 * What a plan with no classified change says, in text and Markdown alike. An unsupported change is a
 * change: "No changes." beside it would contradict it, so the sentence points at the unsupported list.
 */
export function noChangesSentence(plan: Plan, where: "above" | "below"): string {
  if (plan.unsupported.length === 0) return "No changes.";
  const which = plan.unsupported.length === 1 ? "change" : "changes";
  return `No other changes: only the unsupported ${which} ${where}.`;
}

export function behaviorSentence(plan: Plan): string {
  const behavior = plan.behavior;
  switch (behavior) {
    case "repave":
      return "Every node will be repaved, control planes first";
    case "reboot":
      return "Every node will be rebooted, control planes first";
    case "service-restart":
      return `Services (${plan.services.join(", ")}) will restart on every node, control planes first`;
    case "config-reload":
      return "Configuration will be reloaded on every node, control planes first; nothing restarts";
    case "no-op":
      return "Nothing to do: Palette acknowledges the update and touches no node";
    default:
      return assertNever(behavior);
  }
}

/** A delivery mode in words. */
export function deliveryPhrase(mode: DeliveryMode): string {
  switch (mode) {
    case "appliance":
      return "appliance (Kubernetes in the provider image)";
    case "sysext":
      return "sysext (Kubernetes and the agent as systemd extensions)";
    case "agent":
      return "agent (agent mode: Palette's agent on an OS it does not manage)";
    default:
      return assertNever(mode);
  }
}

/** Node names in the order Palette touches them: control planes first, then workers. */
/**
 * The plan's restarted services, in words. A repave or reboot restarts everything with the node, so the
 * services that a change would restart on its own are named as included in it, not as a separate step.
 */
export function servicesPhrase(plan: Plan, code: (service: string) => string = (s) => s): string {
  if (plan.services.length === 0) return "none";
  const names = plan.services.map(code).join(", ");
  if (plan.behavior === "repave" || plan.behavior === "reboot")
    return `none on their own (${names} restart with the ${plan.behavior})`;
  return names;
}

export function nodeOrder(controlPlanes: number, workers: number): string[] {
  return clusterNodes({ controlPlanes, workers }).map((node) => node.name);
}

/** A Terraform-plan-like report for people. */
export function formatPlanText(plan: Plan, options: PlanTextOptions = {}): string {
  const controlPlanes = options.controlPlanes ?? 3;
  const workers = options.workers ?? 2;
  const c = colours(options.color === true);
  const paint = c.behavior;
  const bold = c.bold;
  const lines: string[] = [];

  lines.push(`Plan: ${plan.from} → ${plan.to}`);
  lines.push(`Distribution: ${plan.distribution}`);
  // Appliance (a provider image) is what every plan meant before delivery modes; only the others are said.
  if (plan.mode !== undefined && plan.mode !== "appliance")
    lines.push(`Delivery: ${deliveryPhrase(plan.mode)}`);
  if (plan.unsupported.length > 0) {
    lines.push(
      `Behavior: ${bold(c.fail("UNSUPPORTED"))} — Palette does not support this update (see Unsupported below); the other changes alone: ${plan.behavior}`,
    );
  } else {
    lines.push(`Behavior: ${bold(paint(plan.behavior, plan.behavior))} — ${behaviorSentence(plan)}`);
  }
  lines.push(`Services restarted: ${servicesPhrase(plan)}`);
  lines.push("");

  if (plan.changes.length === 0) {
    lines.push(noChangesSentence(plan, "below"));
  } else {
    lines.push(`Changes (${plan.changes.length}): ${countByBehavior(plan.changes)}`);
    lines.push(`  ${legend(plan.changes)}`);
    for (const [layer, changes] of groupByLayer(plan.changes)) {
      lines.push(`  ${layer}:`);
      for (const change of changes) {
        const flag = change.unclassified ? "  [unclassified]" : "";
        const services = change.services?.length ? ` (restarts ${change.services.join(", ")})` : "";
        const path = change.innerPath !== undefined ? `${change.path} → ${change.innerPath}` : change.path;
        lines.push(
          `    ${paint(change.behavior, `${SYMBOL[change.behavior].padEnd(3)} ${change.behavior.padEnd(15)}`)} ${path}${flag}`,
        );
        lines.push(`        ${describeValues(change)}`);
        lines.push(`        rule ${change.rule}${services}: ${change.reason}`);
        if (change.assumption !== undefined) lines.push(`        assumption: ${change.assumption}`);
      }
    }
  }

  if (plan.unsupported.length > 0) {
    lines.push("");
    lines.push(`Unsupported (${plan.unsupported.length}):`);
    for (const item of plan.unsupported) {
      lines.push(c.fail(`  ✗ ${item.layer}: ${item.reason}`));
      lines.push(`        rule ${item.rule}`);
    }
  }

  if (plan.warnings.length > 0) {
    lines.push("");
    lines.push(`Warnings (${plan.warnings.length}):`);
    for (const warning of plan.warnings) lines.push(`  - ${warning}`);
  }

  lines.push("");
  if (plan.behavior === "no-op") {
    lines.push("Node order: no node is touched");
  } else {
    const cps = nodeOrder(controlPlanes, 0);
    const ws = nodeOrder(0, workers);
    // Long lists read better as a range: cp-1 … cp-5 is as clear as naming all five.
    const list = (names: string[]) =>
      names.length > 6 ? `${names[0]}, ${names[1]} … ${names[names.length - 1]}` : names.join(", ");
    const cpText = options.estimate?.twoNode
      ? `control planes first (${list(cps)}, two-node: in an order Palette picks at random)`
      : cps.length > 0
        ? `control planes first (${list(cps)})`
        : "no control planes";
    const wText = ws.length > 0 ? `, then workers (${list(ws)})` : "";
    lines.push(`Node order: ${cpText}${wText}`);
  }
  if (options.estimate && plan.behavior !== "no-op" && plan.unsupported.length === 0) {
    lines.push(...estimateLines(options.estimate));
  }
  return `${lines.join("\n")}\n`;
}

/** `2 repave, 9 reboot, 1 no-op`: most disruptive first. */
function countByBehavior(changes: readonly PlannedChange[]): string {
  return BEHAVIORS.flatMap((behavior) => {
    const n = changes.filter((c) => c.behavior === behavior).length;
    return n > 0 ? [`${n} ${behavior}`] : [];
  }).join(", ");
}

/** The markers, said once: every behavior, so a reader of any plan learns them all. */
function legend(_changes: readonly PlannedChange[]): string {
  return `markers: ${BEHAVIORS.map((behavior) => `${SYMBOL[behavior]} ${behavior}`).join(", ")}; + added, - removed, a → b changed`;
}

function groupByLayer(changes: PlannedChange[]): [LayerName, PlannedChange[]][] {
  const groups = new Map<LayerName, PlannedChange[]>();
  for (const change of changes) {
    const group = groups.get(change.layer) ?? [];
    group.push(change);
    groups.set(change.layer, group);
  }
  const rank = (layer: LayerName) => {
    const index = (CORE_LAYERS as readonly string[]).indexOf(layer);
    return index === -1 ? CORE_LAYERS.length : index;
  };
  // Stable sort keeps add-ons in the order they appear.
  return [...groups.entries()].sort(([a], [b]) => rank(a) - rank(b));
}

function describeValues(change: PlannedChange): string {
  if (change.from === undefined && change.to !== undefined)
    return `+ ${shortValue(change.to, VALUE_WIDTH, 0, change.toText)}`;
  if (change.to === undefined && change.from !== undefined)
    return `- ${shortValue(change.from, VALUE_WIDTH, 0, change.fromText)}`;
  const [from, to] = changedValueTexts(change);
  return `${from} → ${to}`;
}

/**
 * A changed value's old and new text (JSON, one line each, at most `width` characters). Long values that
 * share a beginning (image uris, scripts) would be cut before the part that differs, so both skip it.
 */
export function changedValueTexts(change: PlannedChange, width = VALUE_WIDTH): [string, string] {
  const from = change.fromText ?? JSON.stringify(change.from) ?? "";
  const to = change.toText ?? JSON.stringify(change.to) ?? "";
  let common = 0;
  while (common < from.length && from[common] === to[common]) common++;
  const skip = common > 20 && Math.max(from.length, to.length) > width ? common - 12 : 0;
  return [
    shortValue(change.from, width, skip, change.fromText),
    shortValue(change.to, width, skip, change.toText),
  ];
}

const VALUE_WIDTH = 50;

/** One line, at most `max` characters (JSON text): long scripts and mappings are cut. */
export function shortValue(value: Value | undefined, max = VALUE_WIDTH, skip = 0, written?: string): string {
  if (value === undefined) return "(absent)";
  let text = written ?? JSON.stringify(value);
  if (skip > 0) text = `…${text.slice(skip)}`;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The estimate: total time, then when each node is out of service (at most a few lines for big clusters). */
function estimateLines(estimate: RolloutEstimate): string[] {
  const workersAtOnce =
    estimate.maxUnavailable === 1 ? "one worker at a time" : `${estimate.maxUnavailable} workers at a time`;
  const lines = [
    `Estimated rollout: ${formatDuration(estimate.durationMs)} (default timings, no faults; ${workersAtOnce})`,
  ];
  if (estimate.twoNode) {
    const { leader, first, writeOutageMs } = estimate.twoNode;
    lines.push(
      `  two-node: liveness probes paused until both control planes are upgraded; Palette picks the first at random (here ${first}); leader ${leader} keeps its role`,
      `  writes unavailable ${formatDuration(writeOutageMs)} while the leader ${leader} is down (reads served)`,
    );
  }
  const shown =
    estimate.nodes.length > 12
      ? [...estimate.nodes.slice(0, 6), undefined, ...estimate.nodes.slice(-3)]
      : estimate.nodes;
  for (const node of shown) {
    if (node === undefined) {
      lines.push(`  … ${estimate.nodes.length - 9} more nodes`);
      continue;
    }
    lines.push(
      `  ${node.node.padEnd(10)} ${node.action.padEnd(16)} ${formatClock(node.startMs)} → ${formatClock(node.readyMs)}`,
    );
  }
  return lines;
}
