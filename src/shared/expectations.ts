/**
 * The one expectation contract, for every kind that states expectations (scenarios, fleet files, fleet
 * plans, path files): a check has an `id` (its key under `expect:`) and checks the expected value
 * against what ran; its result (`name`, `passed`, `message`) is what text, JSON and JUnit print.
 *
 * A check usually returns one outcome, named by its id. It may return a list instead: one outcome per
 * value of a list it was given (each named by the id too), or results already named (checks nested
 * under the id, such as a fleet plan's `strategies: {NAME: {…}}`, whose results read `NAME.result`);
 * an empty list states nothing it could check.
 */
export interface ExpectationOutcome {
  passed: boolean;
  message: string;
}

export interface ExpectationResult extends ExpectationOutcome {
  name: string;
}

export type CheckOutcome = ExpectationOutcome | readonly (ExpectationOutcome | ExpectationResult)[];

export interface ExpectationCheck<Expected, Context> {
  id: string;
  check: (expected: Expected, context: Context) => CheckOutcome;
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
    const outcome = check(expected as never, context);
    for (const one of isList(outcome) ? outcome : [outcome])
      results.push("name" in one ? one : { name: id, ...one });
  }
  return results;
}

function isList(outcome: CheckOutcome): outcome is readonly (ExpectationOutcome | ExpectationResult)[] {
  return Array.isArray(outcome);
}

/** The results of checks nested under a name (`NAME.result`): each result's name prefixed, its place kept. */
export function nestedResults(name: string, results: readonly ExpectationResult[]): ExpectationResult[] {
  return results.map((r) => ({ ...r, name: `${name}.${r.name}` }));
}
