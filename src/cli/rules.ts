import { Option } from "commander";
import { REFERENCE_PAGE } from "../rules/reference.js";
import { DELIVERY_MODES, DISTRIBUTIONS } from "../shared/types.js";
import { addColourOptions } from "./colour-options.js";
import { EXIT, EXIT_HELP, exitCodeHelp } from "./io.js";
import type { Register } from "./options.js";

import type { RulesCommandOptions } from "./rules-options.js";

export * from "./rules-options.js";

export const registerRules: Register = (program, io, setExit) => {
  addColourOptions(program.command("rules"))
    .description("List the upgrade-behavior rules the planner applies, with their ids and sources")
    .addOption(
      new Option("--distribution <distribution>", "Only the rules for this distribution").choices(
        DISTRIBUTIONS,
      ),
    )
    .addOption(
      new Option(
        "--mode <mode>",
        "Only the rules for this delivery mode: appliance, sysext (systemd extensions) or agent",
      ).choices(DELIVERY_MODES),
    )
    .option("--no-rke2-quirk", "Leave out the RKE2 known issue")
    .option("--json", "Print the rules as one JSON array")
    .addHelpText(
      "after",
      `\nThe rules come from Palette's documentation, mainly the page Edge Cluster Upgrade Behavior:\n  ${REFERENCE_PAGE}\n${exitCodeHelp([EXIT_HELP.ok("the rules were listed"), { code: EXIT.inputError, meaning: "bad option" }])}`,
    )
    .action(async (options: RulesCommandOptions) => {
      // What the command runs is loaded here, not with its options: `rules --help` needs none of it.
      const { rulesCommand } = await import("./rules-action.js");
      rulesCommand(io, setExit, options);
    });
};
