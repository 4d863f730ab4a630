/**
 * The one expectation contract, for every kind that states expectations (scenarios, fleet files, fleet
 * plans, path files): a check has an `id` (its key under `expect:`) and checks the expected value
 * against what ran; its result (`name`, `passed`, `message`) is what text, JSON and JUnit print.
 */
export interface ExpectationOutcome {
  passed: boolean;
  message: string;
}

export interface ExpectationResult extends ExpectationOutcome {
  name: string;
}

export interface ExpectationCheck<Expected, Context> {
  id: string;
  check: (expected: Expected, context: Context) => ExpectationOutcome;
}

/** Every check whose id the `expect` mapping states, in the checks' order. */
export function checkExpectations<Context>(
  checks: readonly ExpectationCheck<never, Context>[],
  expect: object,
  context: Context,
): ExpectationResult[] {
  const stated = expect as Readonly<Record<string, unknown>>;
  const results: ExpectationResult[] = [];
  for (const { id, check } of checks) {
    const expected = stated[id];
    if (expected === undefined) continue;
    results.push({ name: id, ...check(expected as never, context) });
  }
  return results;
}
