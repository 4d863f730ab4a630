/*
 * Upper bounds, so that a typo (an extra digit, `1e9`) is an input error rather than a run that allocates
 * a billion nodes or retries until the clock's runaway guard trips. They sit far above real clusters:
 * the bench simulates 4,000 nodes in about half a second.
 */
export const MAX_CONTROL_PLANES = 100;
export const MAX_WORKERS = 10_000;
export const MAX_RETRIES = 100;
export const MAX_FAIL_TIMES = 1_000;

/** How long one file of `edgesim test` may run before it is stopped (`--timeout`, EDGESIM_TEST_TIMEOUT). */
export const DEFAULT_FILE_TIMEOUT_SECONDS = 60;
export const MAX_FILE_TIMEOUT_SECONDS = 86_400;
export const FILE_TIMEOUT_ENV = "EDGESIM_TEST_TIMEOUT";
export const FILE_TIMEOUT_RANGE = `a number of seconds above 0, at most ${MAX_FILE_TIMEOUT_SECONDS}`;

/** Seconds from `--timeout` or the environment variable: a number above 0, at most a day; else undefined. */
export function parseFileTimeout(raw: string): number | undefined {
  const seconds = /^\s*\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : Number.NaN;
  return seconds > 0 && seconds <= MAX_FILE_TIMEOUT_SECONDS ? seconds : undefined;
}
