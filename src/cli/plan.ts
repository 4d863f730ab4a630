import { type Command, Option } from "commander";
import { MAX_CONTROL_PLANES, MAX_WORKERS } from "../shared/limits.js";
import { BEHAVIORS, CORE_LAYERS, DELIVERY_MODES, DISTRIBUTIONS } from "../shared/types.js";
import { addColourOptions } from "./colour-options.js";
import { EXIT_HELP, exitCodeHelp } from "./io.js";
import type { Register } from "./options.js";

import { boundedCount, collect, PLAN_FORMATS, type PlanCommandOptions } from "./plan-options.js";

export * from "./plan-options.js";

export const registerPlan: Register = (program, io, setExit) => {
  addColourOptions(program.command("plan"))
    .description("Say what updating a cluster from profile FROM to profile TO will do, and why")
    .argument("<from>", "Profile the cluster runs now (YAML; - reads standard input)")
    .argument("<to>", "Profile to update to (YAML; - reads standard input)")
    .option("--json", "Print the plan as one JSON object (the same as --format json)")
    .addOption(
      new Option(
        "--format <format>",
        "Print the plan as text (for people), json, or markdown (a pull-request comment)",
      ).choices(PLAN_FORMATS),
    )
    .addOption(
      new Option(
        "--distribution <distribution>",
        "Override the distribution of both profiles (default: the profile's, or inferred from its kubernetes pack)",
      ).choices(DISTRIBUTIONS),
    )
    .addOption(
      new Option(
        "--mode <mode>",
        'How the cluster gets Kubernetes: appliance (provider image), sysext (systemd extensions) or agent (agent mode) (default: appliance; sysext, with a warning, when the uri is "NA")',
      ).choices(DELIVERY_MODES),
    )
    .addOption(
      new Option(
        "--fail-on <behavior>",
        "Exit 3 when the plan is at least this disruptive (a CI gate)",
      ).choices(BEHAVIORS),
    )
    .addOption(
      new Option(
        "--layer <layer>",
        "FROM and TO are one pack's values files (a pack's values.yaml), planned as this layer of an otherwise unchanged profile; needs --distribution",
      ).choices(CORE_LAYERS),
    )
    .option(
      "--pack <name>",
      "With --layer: the pack the values belong to (default: the usual pack of that layer)",
    )
    .option(
      "--no-rke2-quirk",
      "Plan RKE2 stages.* changes as documented (reboot), not with the known issue (repave)",
    )
    .addOption(
      new Option("--var <name=value>", "Set a profile variable {{ .spectro.var.NAME }} (repeatable)")
        .argParser(collect)
        .default([], "the profile's variables"),
    )
    .option(
      "--control-planes <n>",
      "Control-plane nodes, for the node order",
      boundedCount(MAX_CONTROL_PLANES),
      3,
    )
    .option(
      "--two-node",
      "A two-node HA cluster (2 control planes, leader cp-1; K3s and Canonical only): the estimate shows the write outage",
    )
    .option("--workers <n>", "Worker nodes, for the node order", boundedCount(MAX_WORKERS), 2)
    .option(
      "--max-unavailable <n>",
      "Workers updated at once, for the estimate",
      boundedCount(MAX_WORKERS, 1),
      1,
    )
    .addHelpText(
      "after",
      "\nBehaviors, most disruptive first: repave, reboot, service-restart, config-reload, no-op.\n" +
        "With --format markdown, the plan is a pull-request comment; with --fail-on, a CI gate:\n" +
        "  edgesim plan before.yaml after.yaml --format markdown --fail-on repave > plan.md\n" +
        "With --layer os|kubernetes|network|storage, FROM and TO are a pack's values files, e.g.\n" +
        "  edgesim plan --layer os --distribution k3s os-values-old.yaml os-values-new.yaml\n" +
        'With --json, a refused update (exit 2) has "behavior": "unsupported"; "changesBehavior" is what the other changes alone would do.\n' +
        exitCodeHelp([
          EXIT_HELP.ok("a plan was made (whatever its behavior)"),
          EXIT_HELP.inputError,
          EXIT_HELP.unsupported,
          EXIT_HELP.failOn,
        ]),
    )
    .action(async (fromFile: string, toFile: string, options: PlanCommandOptions, command: Command) => {
      // What the command runs is loaded here, not with its options: `plan --help` needs none of it.
      const { planCommand } = await import("./plan-action.js");
      const controlPlanesGiven = command.getOptionValueSource("controlPlanes") !== "default";
      await planCommand(io, setExit, fromFile, toFile, { ...options, controlPlanesGiven });
    });
};
