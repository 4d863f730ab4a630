/**
 * A generated fleet's size: `inventory.generate.clusters`, and the what-if's `--clusters` (whose option
 * leaf writes the same number out, so that `fleet --help` loads no module of the fleet). A million sites run in one process within about 2 GB:
 * trials are streamed and only the first trial's per-site results are kept.
 */
export const MAX_GENERATED_SITES = 1_000_000;
