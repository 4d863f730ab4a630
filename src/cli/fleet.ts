import type { Command } from "commander";
import { defaultThreads } from "../shared/threads.js";
import type { FleetCommandOptions } from "./fleet-options.js";
import { boundedInt, EXIT_CODES, fleetOptions } from "./fleet-options.js";
import type { Register } from "./options.js";

export * from "./fleet-options.js";

export const registerFleet: Register = (program, io, setExit) => {
  const fleet = fleetOptions(
    program
      .command("fleet")
      .description(
        "Plan a fleet rollout: waves, maintenance windows, image downloads and risk over many sites",
      )
      .argument(
        "[file]",
        "Fleet plan (YAML with inventory: and strategy:) or fleet file (fleet: and clusters:)",
      ),
  )
    .option(
      "--threads <n>",
      `Worker threads simulating sites (default: the available cores, ${defaultThreads()} here, from 16,384 site simulations; 1 = in this process; at most 1024, and never more than the cores)`,
      boundedInt(1024),
    )
    .option(
      "--shard <i/n>",
      "Run only shard I of N (0-based; I from JOB_COMPLETION_INDEX when set) and write its part to --out",
    )
    .option(
      "--shard-by <trials|sites>",
      "With --shard: share out the trials (the default when there are at least N trials; the merge only combines) or the sites (the merge runs the schedules, and may re-plan the waves)",
    )
    .option(
      "--out <dir>",
      "With --shard: the folder the part is written to, as part-I-of-N.part (created if missing; an existing part is never replaced)",
    )
    .addHelpText(
      "after",
      `${EXIT_CODES}\nShards: \`edgesim fleet FILE --shard I/N --out DIR\` on N machines, then\n\`edgesim fleet merge FILE DIR\` prints what one process would have printed.\n`,
    )
    .action(async (file: string | undefined, options: FleetCommandOptions) => {
      // What the command runs is loaded here, not with its options: `fleet --help` needs none of it.
      const { fleetCommand } = await import("./fleet-action.js");
      await fleetCommand(io, setExit, file, options);
    });

  fleetOptions(
    fleet
      .command("merge")
      .description("Merge the parts written by `fleet --shard` and print what one process would have printed")
      .argument(
        "<inputs...>",
        "The fleet file (as given to the shards; none for a --clusters what-if), then part files or folders of them",
      ),
  )
    .addHelpText("after", EXIT_CODES)
    .action(async (inputs: string[], _options: FleetCommandOptions, command: Command) => {
      const { fleetMergeCommand } = await import("./fleet-action.js");
      // `fleet` knows the same options; whichever command commander gave one to, it counts.
      await fleetMergeCommand(io, setExit, inputs, command.optsWithGlobals() as FleetCommandOptions);
    });
};
