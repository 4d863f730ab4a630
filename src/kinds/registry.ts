import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { InputError, isInputError } from "../shared/diagnostics.js";
import { readTextFile } from "../shared/files.js";
import { parseYamlFile, type YamlFile } from "../shared/yaml.js";

/**
 * The kinds of file edgesim reads, in one registry: how each is told apart (the top-level keys of the
 * parsed document, or a line at its start when it does not parse), what it is called in messages and
 * which command takes it. Every command that reads a file asks here; a file of another kind gets one
 * sentence (`refuseWrongKind`), never the schema errors of the kind the command expected.
 * How a kind is loaded and run lives in `kinds/run.ts` (loaded only when something runs).
 */
export type Kind =
  | "fleet-part"
  | "fleet"
  | "fleet-plan"
  | "path"
  | "scenario"
  | "profile"
  | "timings"
  | "rollouts"
  | "versions";

export interface KindDef {
  /** What the file is, with the keys that tell it: "a scenario (cluster, profile, events)". */
  what: string;
  /** The command to use instead, said to whoever gave it to another command. */
  instead: string;
  /** Whether a parsed document is of this kind (asked in registry order: the first that says yes wins). */
  detect: (value: Record<string, unknown>) => boolean;
  /**
   * A line that tells the kind of a file that does not parse (or cannot be read as text), so a broken
   * file is still reported for what it is. None for a profile: its keys are too common to tell by a line.
   */
  sniff?: RegExp;
}

const isMapping = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export const KINDS = {
  "fleet-part": {
    what: "a shard's part file (written by `edgesim fleet --shard`)",
    instead: "merge the parts with `edgesim fleet merge FILE PARTS...`",
    detect: (value) => "edgesimFleetPart" in value,
    sniff: /^\s*\{\s*"edgesimFleetPart"\s*:/,
  },
  fleet: {
    what: "a fleet file (fleet, update, clusters)",
    instead: "roll it with `edgesim run FILE`",
    detect: (value) => "fleet" in value,
    sniff: /^fleet\s*:/m,
  },
  "fleet-plan": {
    what: "a fleet plan (inventory, strategy)",
    instead: "plan it with `edgesim fleet FILE`",
    detect: (value) => "inventory" in value,
    sniff: /^inventory\s*:/m,
  },
  path: {
    what: "a path file (path, expect)",
    instead: "check it with `edgesim test FOLDER`, or ask `edgesim path FROM --to TARGET`",
    detect: (value) => isMapping(value.path),
    sniff: /^path\s*:/m,
  },
  scenario: {
    what: "a scenario (cluster, profile, events)",
    instead: "replay it with `edgesim run FILE`",
    detect: (value) => "cluster" in value || "events" in value,
    sniff: /^(cluster|events)\s*:/m,
  },
  profile: {
    what: "a profile (name, layers)",
    instead: "plan an update with `edgesim plan FROM TO`",
    detect: (value) => "layers" in value || Array.isArray(value.packs) || isMapping(value.spec),
  },
  timings: {
    what: "a timings file (timings, classes, failureRate)",
    instead: "give it to `edgesim run` or `edgesim fleet` as --timings FILE",
    detect: (value) =>
      isMapping(value.timings) || Array.isArray(value.classes) || isMapping(value.failureRate),
  },
  rollouts: {
    what: "a rollouts file (rollouts)",
    instead: "give it to `edgesim calibrate` or `edgesim backtest` as --rollouts FILE",
    detect: (value) => Array.isArray(value.rollouts),
  },
  versions: {
    what: "a versions file (kubernetes, osImages)",
    instead: "give it to `edgesim path` as --versions FILE",
    detect: (value) => Array.isArray(value.kubernetes) || Array.isArray(value.osImages),
  },
} as const satisfies Record<Kind, KindDef>;

/** The registry's order: the order kinds are asked in. */
const ORDER = Object.keys(KINDS) as Kind[];

/** The kind of a parsed document, or undefined when it is none of them. */
export function kindOf(value: unknown): Kind | undefined {
  if (!isMapping(value)) return undefined;
  return ORDER.find((kind) => (KINDS[kind] as KindDef).detect(value));
}

/** The kind of a text that does not parse, from its lines. */
export function kindOfText(text: string): Kind | undefined {
  return ORDER.find((kind) => (KINDS[kind] as KindDef).sniff?.test(text) === true);
}

/** A file read and parsed once: its kind, and the parsed document or the input error reading or parsing threw. */
export interface ClassifiedFile {
  kind: Kind | undefined;
  yaml?: YamlFile;
  /**
   * Why it could not be read or parsed: the error its loader would throw (the same reader and parser on
   * the same file), so it is reported as it is instead of reading and parsing the file again.
   */
  error?: InputError;
}

/** The file's kind and, when it parsed, the parsed file itself (the loaders take it: read once). */
export function classifyFile(path: string): ClassifiedFile {
  let text: string;
  try {
    text = readTextFile(path);
  } catch (error) {
    return { kind: sniffKind(path), ...(isInputError(error) ? { error } : {}) };
  }
  return classifyText(text, path);
}

/** The same for text already read (standard input). */
export function classifyText(text: string, file: string): ClassifiedFile {
  const part = KINDS["fleet-part"].sniff.test(text) ? "fleet-part" : undefined;
  let yaml: YamlFile;
  try {
    yaml = parseYamlFile(text, file);
  } catch (error) {
    if (!isInputError(error)) throw error;
    return { kind: kindOfText(text), error };
  }
  return { kind: part ?? kindOf(yaml.value), yaml };
}

/** How much of a file that cannot be read as text (too large, not UTF-8, a NUL byte) is looked at for its kind. */
const SNIFF_BYTES = 64 * 1024;

/**
 * The kind of a regular file that the reader refused, from the lines at its start (bytes read as
 * Latin-1), the way a file that does not parse is told: a scenario too large or with a bad byte is
 * still found, and reported with the reader's message, rather than skipped. Undefined for anything
 * else (a FIFO or device is never read here).
 */
function sniffKind(path: string): Kind | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const length = readSync(fd, buffer, 0, SNIFF_BYTES, 0);
    return kindOfText(buffer.subarray(0, length).toString("latin1"));
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** What a command reads from one of its arguments or options. */
export interface CommandInput {
  /** The kinds it takes; none for a folder, or for files no kind here describes (history in JSON or CSV). */
  kinds: readonly Kind[];
  /** What it takes, said in the sentence, when its kinds do not say it all. */
  takes?: string;
  /** It names a folder: a file there is refused (by its kind when it has one). */
  folder?: true;
  /**
   * Its files may be large and are seldom YAML (history, an inventory CSV): one whose name says YAML is
   * parsed for its kind, any other only looked at for a line that tells it (see `classifyInput`).
   */
  text?: true;
}

const RUNS = ["scenario", "fleet", "fleet-plan"] as const satisfies readonly Kind[];
const FLEETS = ["fleet-plan", "fleet"] as const satisfies readonly Kind[];
const HISTORY: CommandInput = {
  kinds: [],
  takes: "history files (Prometheus query_range JSON, Kubernetes events, intervals CSV or NDJSON)",
  text: true,
};
const INVENTORY: CommandInput = { kinds: [], takes: "an inventory CSV (name, timeZone, …)", text: true };

/**
 * Every file a command reads, by the command and the option that names it ("path --fleet"), and what it
 * takes: declared once here, asked by every command (`cli/argument.ts`), and tested for every pair of
 * an input and a kind it does not take (each gets one sentence).
 */
export const COMMAND_INPUTS = {
  run: { kinds: RUNS },
  "run --timings": { kinds: ["timings"] },
  report: { kinds: RUNS },
  fleet: { kinds: FLEETS },
  "fleet --timings": { kinds: ["timings"] },
  "fleet merge": { kinds: FLEETS },
  plan: { kinds: ["profile"], takes: "two profiles (FROM TO)" },
  path: { kinds: ["profile"] },
  "path --to": { kinds: ["profile"] },
  "path --fleet": { kinds: ["fleet-plan"] },
  "path --versions": { kinds: ["versions"], takes: "a list of versions (1.31.4,1.32.2) or a versions file" },
  calibrate: HISTORY,
  "calibrate --rollouts": { kinds: ["rollouts"] },
  "calibrate --inventory": INVENTORY,
  backtest: HISTORY,
  "backtest --rollouts": { kinds: ["rollouts"] },
  "backtest --inventory": INVENTORY,
  test: {
    kinds: [],
    takes: "a folder (of scenarios, fleet files, fleet plans and path files)",
    folder: true,
  },
  serve: { kinds: [], takes: "a folder (of the files to plan, replay and roll)", folder: true },
} as const satisfies Record<string, CommandInput>;

export type CommandInputName = keyof typeof COMMAND_INPUTS;

/** What an input takes, as its sentence says it. */
export function describeInput(input: CommandInput): string {
  return input.takes ?? describeKinds(input.kinds);
}

/**
 * A file given to `input`, classified as cheaply as the input allows: a `text` input's file is parsed
 * only when its name says YAML (history and inventories may be large), else only its first lines are
 * looked at. The parsed file comes back with it when it was parsed.
 */
export function classifyInput(path: string, input: CommandInput): ClassifiedFile {
  if (input.text && !/\.ya?ml$/i.test(path)) return { kind: sniffKind(path) };
  return classifyFile(path);
}

/** "a scenario (…) or a fleet file (…)": what a command takes, from the kinds it accepts. */
export function describeKinds(kinds: readonly Kind[]): string {
  const whats = kinds.map((kind) => KINDS[kind].what);
  return whats.length <= 1 ? (whats[0] ?? "") : `${whats.slice(0, -1).join(", ")} or ${whats.at(-1)}`;
}

/**
 * One sentence for a file of the wrong kind, instead of the schema errors of the kind expected:
 * "this is a profile (name, layers); `edgesim run` takes a scenario (…); plan an update with …".
 */
export function wrongKindMessage(kind: Kind, command: string, takes: string): string {
  return `this is ${KINDS[kind].what}; \`edgesim ${command}\` takes ${takes}; ${KINDS[kind].instead}`;
}

/** Throws the one sentence when the file's kind is known and is none of those `name` takes. */
export function refuseWrongKind(file: string, kind: Kind | undefined, name: CommandInputName): void {
  const input: CommandInput = COMMAND_INPUTS[name];
  if (kind === undefined || input.kinds.includes(kind)) return;
  throw new InputError([{ file, message: wrongKindMessage(kind, name, describeInput(input)) }]);
}
