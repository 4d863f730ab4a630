import { Option } from "commander";
import { MAX_CONTROL_PLANES, MAX_WORKERS } from "../shared/limits.js";
import { DELIVERY_MODES } from "../shared/types.js";
import { addColourOptions } from "./colour-options.js";
import { EXIT, EXIT_HELP, exitCodeHelp } from "./io.js";
import type { Register } from "./options.js";

import { collect, count, PATH_FORMATS, PATH_MINIMISE, type PathCommandOptions } from "./path-options.js";

export * from "./path-options.js";

export const registerPath: Register = (program, io, setExit) => {
  addColourOptions(program.command("path"))
    .description(
      "Find the least disruptive way from profile FROM to a target across profile revisions, planning every step",
    )
    .argument("<from>", "Profile the cluster runs now (YAML: the edgesim format or a Palette export)")
    .option("--to <profile>", "Target profile (the same format as FROM)")
    .option("--kubernetes <version>", "Target Kubernetes version (instead of --to): FROM with this version")
    .option("--os-uri <uri>", "With --kubernetes: the target OS image (options.system.uri)")
    .option(
      "--versions <list|file>",
      "The Kubernetes versions that exist (1.31.4,1.32.2,...), or a YAML file { kubernetes: [...], osImages: [...] }",
    )
    .addOption(
      new Option("--minimise <what>", "What the recommended path minimises")
        .choices(PATH_MINIMISE)
        .default("repaves"),
    )
    .addOption(
      new Option(
        "--mode <mode>",
        'How the cluster gets Kubernetes: appliance (provider image), sysext (systemd extensions) or agent (agent mode) (default: appliance; sysext, with a warning, when the uri is "NA")',
      ).choices(DELIVERY_MODES),
    )
    .option(
      "--fleet <plan>",
      "A fleet plan: each step rolled over its sites after the previous one finished everywhere",
    )
    .option("--out <dir>", "Write each revision of the recommended path, ready to publish, into DIR")
    .option("--json", "Print one JSON object (the same as --format json)")
    .addOption(
      new Option(
        "--format <format>",
        "text (for people), json, or markdown (a pull-request comment)",
      ).choices(PATH_FORMATS),
    )
    .option("--control-planes <n>", "Control-plane nodes", count(1, MAX_CONTROL_PLANES), 1)
    .option(
      "--workers <n>",
      "Workers outside named pools (they follow every revision)",
      count(0, MAX_WORKERS),
      3,
    )
    .addOption(
      new Option(
        "--pool <name:workers[:skip|follow]>",
        'A worker pool (repeatable); skip = "skip worker node update" on, follow = off, neither = let the search choose',
      )
        .argParser(collect)
        .default([], "none"),
    )
    .option("--max-unavailable <n>", "Workers updated at once", count(1, MAX_WORKERS), 1)
    .option("--max-repaves-per-node <n>", "Leave out paths that repave a node more often", count(0, 1000))
    .option("--max-steps <n>", "Leave out paths with more rollouts", count(1, 1000))
    .option("--limit <n>", "Paths shown (the recommended one and alternatives)", count(1, 1000), 5)
    .option("--no-rke2-quirk", "Plan RKE2 stages.* changes as documented (reboot), not with the known issue")
    .addOption(
      new Option("--var <name=value>", "Set a profile variable {{ .spectro.var.NAME }} (repeatable)")
        .argParser(collect)
        .default([], "the profile's variables"),
    )
    .option(
      "--root <dir>",
      "With --fleet: the folder the plan's references must stay in (default: the current folder, or the plan's own when it is elsewhere)",
    )
    .option("--allow-outside", "With --fleet: follow the plan's references wherever they point")
    .addHelpText(
      "after",
      "\nEvery step is planned with the same planner as `edgesim plan`; the constraints applied are cited in the output.\n" +
        "  edgesim path today.yaml --kubernetes 1.34.1 --versions 1.32.5,1.33.2,1.34.1 --pool edge:4\n" +
        "  edgesim path today.yaml --to target.yaml --versions versions.yaml --fleet stores.yaml --out revisions/\n" +
        exitCodeHelp([
          EXIT_HELP.ok("paths were found (the first is the recommended one)"),
          {
            ...EXIT_HELP.inputError,
            meaning: `${EXIT_HELP.inputError.meaning}; or a documented constraint no path can meet (named, with the step)`,
          },
          EXIT_HELP.noPath,
        ]),
    )
    .action(async (fromFile: string, options: PathCommandOptions) => {
      const { pathCommand } = await import("./path-action.js");
      await pathCommand(io, setExit, fromFile, options);
    });
};

export const EXIT_NO_PATH = EXIT.noPath;
