import { Option } from "commander";
import { RULES, type Rule } from "../rules/table.js";
import { DISTRIBUTIONS, type Distribution } from "../shared/types.js";
import type { Register } from "./main.js";

/** The rules that apply to a distribution, with or without the RKE2 known issue. */
export function rulesFor(distribution: Distribution | undefined, rke2Quirk: boolean): Rule[] {
  return (RULES as readonly Rule[]).filter(
    (rule) =>
      (distribution === undefined || rule.distributions.includes(distribution)) &&
      (rule.quirk === undefined || rke2Quirk),
  );
}

/** One line per rule: id, layer(s), path, behavior (+ services), then why and where it comes from. */
export function formatRules(rules: readonly Rule[]): string {
  const idWidth = Math.max(...rules.map((rule) => rule.id.length));
  const pathWidth = Math.max(...rules.map((rule) => rule.path.length));
  const layerWidth = Math.max(...rules.map((rule) => rule.layers.join(",").length));
  const lines = rules.map((rule) => {
    const behavior = rule.services ? `${rule.behavior} (${rule.services.join(", ")})` : rule.behavior;
    const flags = [rule.covered ? "" : "edgesim's choice", rule.quirk ? "RKE2 known issue" : ""].filter(
      Boolean,
    );
    return [
      `${rule.id.padEnd(idWidth)}  ${rule.layers.join(",").padEnd(layerWidth)}  ${rule.path.padEnd(pathWidth)}  ${behavior}`,
      `${" ".repeat(idWidth + 2)}${rule.reason}${flags.length > 0 ? ` [${flags.join("; ")}]` : ""}`,
      `${" ".repeat(idWidth + 2)}${rule.reference}`,
      ...(rule.assumption !== undefined ? [`${" ".repeat(idWidth + 2)}assumes: ${rule.assumption}`] : []),
    ].join("\n");
  });
  return `${lines.join("\n")}\n\n${rules.length} rules; a path no rule covers is planned as reboot (unclassified).\nStages: each X.before and X.after stage (boot.after, initramfs.before…) follows the rule of stage X.\n`;
}

export const registerRules: Register = (program, io, setExit) => {
  program
    .command("rules")
    .description("List the upgrade-behavior rules the planner applies, with their ids and sources")
    .addOption(
      new Option("--distribution <distribution>", "Only the rules for this distribution").choices(
        DISTRIBUTIONS,
      ),
    )
    .option("--no-rke2-quirk", "Leave out the RKE2 known issue")
    .option("--json", "Print the rules as one JSON array")
    .addHelpText("after", "\nExit codes: 0 the rules were listed, 1 bad option.\n")
    .action((options: { distribution?: Distribution; rke2Quirk: boolean; json?: boolean }) => {
      const rules = rulesFor(options.distribution, options.rke2Quirk);
      io.stdout(options.json ? `${JSON.stringify(rules, null, 2)}\n` : formatRules(rules));
      setExit(0);
    });
};
