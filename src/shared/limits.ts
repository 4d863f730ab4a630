/*
 * Upper bounds, so that a typo (an extra digit, `1e9`) is an input error rather than a run that allocates
 * a billion nodes or retries until the clock's runaway guard trips. They sit far above real clusters:
 * the bench simulates 4,000 nodes in about half a second.
 */
export const MAX_CONTROL_PLANES = 100;
export const MAX_WORKERS = 10_000;
export const MAX_RETRIES = 100;
export const MAX_FAIL_TIMES = 1_000;
