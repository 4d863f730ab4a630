/**
 * A generated fleet's size: `inventory.generate.clusters` and the what-if's `--clusters` (a leaf of its
 * own, so that `fleet --help` loads no schema). A million sites run in one process within about 2 GB:
 * trials are streamed and only the first trial's per-site results are kept.
 */
export const MAX_GENERATED_SITES = 1_000_000;
