import { type RolloutRule, rolloutRuleSource, rolloutRuleUrl } from "../rules/rollout-rules.js";
import { REFERENCE_PAGE, type Rule } from "../rules/table.js";
import { DISTRIBUTIONS } from "../shared/types.js";
import { type Colours, PLAIN } from "./colour.js";

const HEADER = { id: "rule", layers: "layers", path: "path", behavior: "behavior (services)" } as const;

/**
 * A header row, then one block per rule: id, layer(s), path, behavior (+ services); then why; then the
 * section of Palette's documentation page it comes from, with its address.
 */
export function formatRules(
  rules: readonly Rule[],
  rolloutRules: readonly RolloutRule[],
  c: Colours = PLAIN,
): string {
  const idWidth = Math.max(HEADER.id.length, ...rules.map((rule) => rule.id.length));
  const pathWidth = Math.max(HEADER.path.length, ...rules.map((rule) => rule.path.length));
  const layerWidth = Math.max(HEADER.layers.length, ...rules.map((rule) => rule.layers.join(",").length));
  const row = (id: string, layers: string, path: string, behavior: string) =>
    `${id.padEnd(idWidth)}  ${layers.padEnd(layerWidth)}  ${path.padEnd(pathWidth)}  ${behavior}`;
  const indent = " ".repeat(idWidth + 2);
  const lines = rules.map((rule) => {
    const word =
      rule.behavior === "unsupported" ? c.fail(rule.behavior) : c.behavior(rule.behavior, rule.behavior);
    const behavior = rule.services ? `${word} (${rule.services.join(", ")})` : word;
    const flags = [
      rule.covered ? "" : "edgesim's choice",
      rule.quirk ? "RKE2 known issue" : "",
      rule.modes ? `delivery ${rule.modes.join(", ")} only` : "",
    ].filter(Boolean);
    return [
      row(rule.id, rule.layers.join(","), rule.path, behavior),
      `${indent}${rule.reason}${flags.length > 0 ? ` [${flags.join("; ")}]` : ""}`,
      `${indent}${rule.reference}: ${rule.url}`,
      ...(rule.assumption !== undefined ? [`${indent}assumes: ${rule.assumption}`] : []),
      ...Object.entries(rule.assumptionFor ?? {})
        .filter(([, text]) => text !== rule.assumption)
        .map(([distribution, text]) => `${indent}on ${distribution}, assumes: ${text}`),
    ].join("\n");
  });
  return `${[row(HEADER.id, HEADER.layers, HEADER.path, HEADER.behavior), ...lines].join("\n")}

${rules.length} rules from Palette's documentation, mainly Edge Cluster Upgrade Behavior (${REFERENCE_PAGE}); a path no rule covers is planned as reboot (unclassified).
Delivery modes: rules marked "delivery … only" apply to that mode (plan --mode, cluster.mode); with options.system.uri "NA" and no mode, a plan takes sysext, the more disruptive reading.
Stages: each X.before and X.after stage (boot.after, initramfs.before…) follows the rule of stage X.

${formatRolloutRules(rolloutRules)}`;
}

/** The rules of the rollout (drain, two-node, A/B fallback, one upgrade at a time), each with its page and section. */
function formatRolloutRules(rules: readonly RolloutRule[]): string {
  if (rules.length === 0) return "Rollout rules: none for this distribution and mode.\n";
  const width = Math.max(...rules.map((rule) => rule.id.length));
  const indent = " ".repeat(width + 2);
  const lines = rules.map((rule) =>
    [
      `${rule.id.padEnd(width)}  ${rule.statement}${rolloutFlags(rule)}`,
      `${indent}${rolloutRuleSource(rule)}: ${rolloutRuleUrl(rule)}`,
    ].join("\n"),
  );
  return `Rollout rules (how an update is applied, whatever it changes; played by the simulation):
${lines.join("\n")}
`;
}

/** Where a rollout rule is limited: `[K3s and Canonical, delivery appliance only]`; nothing for a rule of every cluster. */
function rolloutFlags(rule: RolloutRule): string {
  const flags = [
    rule.distributions.length < DISTRIBUTIONS.length ? `${rule.distributions.join(", ")} only` : "",
    rule.modes ? `delivery ${rule.modes.join(", ")} only` : "",
  ].filter(Boolean);
  return flags.length > 0 ? ` [${flags.join("; ")}]` : "";
}

/**
 * `edgesim rules --json`: one object, `changeRules` (the table's rows, each as `rulesFor` gives it) and
 * `rolloutRules` (how an update is applied), both filtered by `--distribution` and `--mode`. A rollout
 * rule has the change rules' citation fields (`reference`, `url`) and `distributions`, `modes` when limited.
 */
export function rulesJson(rules: readonly Rule[], rolloutRules: readonly RolloutRule[]): object {
  return {
    changeRules: rules,
    rolloutRules: rolloutRules.map((rule) => ({
      id: rule.id,
      statement: rule.statement,
      reference: rolloutRuleSource(rule),
      url: rolloutRuleUrl(rule),
      code: rule.code,
      distributions: rule.distributions,
      ...(rule.modes !== undefined ? { modes: rule.modes } : {}),
    })),
  };
}
