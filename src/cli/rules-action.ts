import { formatRules, rulesJson } from "../report/rules-text.js";
import { rolloutRulesFor, rulesFor } from "../rules/table.js";
import { outputColours } from "./colour.js";
import type { Io } from "./io.js";
import type { RulesCommandOptions } from "./rules-options.js";

/** What `edgesim rules` does, loaded only when it runs (`rules --help` needs none of it). */
export function rulesCommand(io: Io, setExit: (code: number) => void, options: RulesCommandOptions): void {
  const rules = rulesFor(options.distribution, options.rke2Quirk, options.mode);
  const rollout = rolloutRulesFor(options.distribution, options.mode);
  io.stdout(
    options.json
      ? `${JSON.stringify(rulesJson(rules, rollout), null, 2)}\n`
      : formatRules(rules, rollout, outputColours(io, options)),
  );
  setExit(0);
}
