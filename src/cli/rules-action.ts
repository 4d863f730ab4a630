import { formatRules } from "../report/rules-text.js";
import { rulesFor } from "../rules/table.js";
import { outputColours } from "./colour.js";
import type { Io } from "./io.js";
import type { RulesCommandOptions } from "./rules-options.js";

/** What `edgesim rules` does, loaded only when it runs (`rules --help` needs none of it). */
export function rulesCommand(io: Io, setExit: (code: number) => void, options: RulesCommandOptions): void {
  const rules = rulesFor(options.distribution, options.rke2Quirk, options.mode);
  io.stdout(
    options.json ? `${JSON.stringify(rules, null, 2)}\n` : formatRules(rules, outputColours(io, options)),
  );
  setExit(0);
}
