import { spawn } from "node:child_process";

/**
 * How an edgesim process starts, decided from its arguments before the CLI is loaded (V8's flags are
 * fixed once the process runs).
 *
 * A shard given no `--threads` runs on one core: its trials or sites in this process, no worker threads
 * (N shards are N processes already). V8 would still mark and scavenge its heap and optimize its code on
 * helper threads, which shortens the wall time on a machine with idle cores for about 15 % more CPU in
 * all (measured: 100,000 sites × 3 trials, 2.6 s of CPU with the helpers, 2.2 s without, 12 % longer in
 * wall on 2 cores). Shards are there to spread CPU over machines, often pods of one core where the helpers
 * would only take turns with the main thread, so such a shard is started again with V8's
 * `--single-threaded`: about 0.3 s of CPU saved per shard after the cost of a second Node start.
 * `--threads N` (1 included) keeps the helpers.
 */
export const SINGLE_CORE_FLAG = "--single-threaded";

/** Whether `edgesim ARGV` is a shard to run on one core in a process started with {@link SINGLE_CORE_FLAG}. */
export function singleCoreShard(argv: readonly string[], execArgv: readonly string[]): boolean {
  if (argv[0] !== "fleet" || argv[1] === "merge" || execArgv.includes(SINGLE_CORE_FLAG)) return false;
  let shard = false;
  for (const arg of argv) {
    if (arg === "--") break;
    if (arg === "--threads" || arg.startsWith("--threads=") || arg === "--help" || arg === "-h") return false;
    if (arg === "--shard" || arg.startsWith("--shard=")) shard = true;
  }
  return shard;
}

const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * Runs `edgesim ARGV` in a child process started with {@link SINGLE_CORE_FLAG} when
 * {@link singleCoreShard} says so: its standard streams are this process's, the signals this process is
 * sent are passed on, and what the child ends with is returned (its exit code, or the signal that ended
 * it, which the caller raises again). Undefined: run here (not a shard, or the child could not start).
 */
export function relaunch(
  argv: readonly string[],
  script: string,
): Promise<{ code: number } | { signal: NodeJS.Signals } | undefined> {
  if (!singleCoreShard(argv, process.execArgv)) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, SINGLE_CORE_FLAG, script, ...argv], {
      stdio: "inherit",
    });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    const stopForwarding = () => {
      for (const signal of FORWARDED) process.off(signal, forward);
    };
    for (const signal of FORWARDED) process.on(signal, forward);
    child.once("error", () => {
      stopForwarding();
      resolve(undefined);
    });
    child.once("exit", (code, signal) => {
      stopForwarding();
      resolve(signal ? { signal } : { code: code ?? 1 });
    });
  });
}
