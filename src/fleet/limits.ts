/**
 * A generated fleet's size: `inventory.generate.clusters`, and the what-if's `--clusters` (whose option
 * leaf writes the same number out, so that `fleet --help` loads no module of the fleet). A million sites run
 * in one process within 2 GB (under 1 GiB measured, docs/benchmarks.md): trials are streamed, and the
 * first trial's per-site results are kept packed.
 */
export const MAX_GENERATED_SITES = 1_000_000;
