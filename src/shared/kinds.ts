import { isInputError } from "./diagnostics.js";
import { readTextFile } from "./files.js";
import { parseYamlFile } from "./yaml.js";

/** The kinds of YAML file edgesim reads, told apart by their top-level keys. */
export type DocumentKind = "profile" | "scenario" | "fleet" | "fleet-plan";

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * What a parsed document is, by the keys the loaders look for (in the order `edgesim test` tells
 * them apart: `fleet`, then `inventory`, then `cluster`/`events`); a profile has `layers`, or the
 * `packs`/`spec` of Palette's formats. Undefined when it is none of them.
 */
export function documentKind(value: unknown): DocumentKind | undefined {
  if (!isMapping(value)) return undefined;
  if ("fleet" in value) return "fleet";
  if ("inventory" in value) return "fleet-plan";
  if ("cluster" in value || "events" in value) return "scenario";
  if ("layers" in value || Array.isArray(value.packs) || isMapping(value.spec)) return "profile";
  return undefined;
}

/** The kind of a file that did not load as what a command takes; undefined when it cannot tell. */
export function documentKindOfFile(file: string): DocumentKind | undefined {
  try {
    return documentKindOfText(readTextFile(file), file);
  } catch (error) {
    if (isInputError(error)) return undefined;
    throw error;
  }
}

/** The same for text already read (standard input). */
export function documentKindOfText(text: string, file: string): DocumentKind | undefined {
  try {
    return documentKind(parseYamlFile(text, file).value);
  } catch (error) {
    if (isInputError(error)) return undefined;
    throw error;
  }
}

const KINDS: Record<DocumentKind, { what: string; instead: string }> = {
  profile: { what: "a profile (name, layers)", instead: "plan an update with `edgesim plan FROM TO`" },
  scenario: { what: "a scenario (cluster, profile, events)", instead: "replay it with `edgesim run FILE`" },
  fleet: { what: "a fleet file (fleet, update, clusters)", instead: "roll it with `edgesim run FILE`" },
  "fleet-plan": { what: "a fleet plan (inventory, strategy)", instead: "plan it with `edgesim fleet FILE`" },
};

/**
 * One sentence for a file of the wrong kind, instead of the schema errors of the kind expected:
 * "this is a profile (name, layers); `edgesim run` takes a scenario (…); plan an update with …".
 */
export function wrongKindMessage(kind: DocumentKind, command: string, takes: string): string {
  const { what, instead } = KINDS[kind];
  return `this is ${what}; \`edgesim ${command}\` takes ${takes}; ${instead}`;
}
