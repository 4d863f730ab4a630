import { readdirSync, statSync } from "node:fs";
import { basename, extname, join } from "node:path";
import { looksLikeFleetPlan } from "../fleet/load.js";
import type { FleetRun } from "../scenario/fleet.js";
import { looksLikeFleet, runFleet } from "../scenario/fleet.js";
import { looksLikeScenario } from "../scenario/load.js";
import { runScenario, type ScenarioRun } from "../scenario/run.js";
import { formatDiagnostic, formatDiagnostics, InputError, isInputError } from "../shared/diagnostics.js";
import { type ReferenceRoot, readTextFile } from "../shared/files.js";
import { parseYamlFile, type YamlFile } from "../shared/yaml.js";
import { type FleetPlanCaseRun, runFleetPlanCase } from "./fleet-plan-case.js";

/** Folders that hold what scenarios refer to, never scenarios themselves. */
const SKIPPED_FOLDERS = new Set(["profiles", "golden", "node_modules"]);

/**
 * Every scenario file under `dir`, sorted by path. A scenario is a `.yaml`/`.yml` file outside
 * `profiles/`, `golden/`, `node_modules/` and dot-folders whose top level is a mapping with `fleet`,
 * `cluster` or `events`; when the YAML does not parse, a line starting with one of those keys
 * decides, so a broken scenario is still found (and reported as failed) rather than skipped.
 */
export function discoverScenarios(dir: string): string[] {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    throw new InputError([{ file: dir, message: "folder not found" }]);
  }
  if (!isDirectory) throw new InputError([{ file: dir, message: "is a file, not a folder of scenarios" }]);
  const found: string[] = [];
  const walk = (folder: string) => {
    const entries = readdirSync(folder, { withFileTypes: true }).sort((a, b) => compare(a.name, b.name));
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith(".") && !SKIPPED_FOLDERS.has(entry.name)) walk(path);
      } else if (/\.ya?ml$/.test(entry.name)) {
        // A FIFO, device or socket named like a scenario is reported (it cannot be read), never waited on.
        const special = !entry.isFile() && !entry.isSymbolicLink();
        if (special || isScenarioFile(path)) found.push(path);
      }
    }
  };
  walk(dir);
  return found.sort(compare);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function isScenarioFile(path: string): boolean {
  return fileKind(path) !== undefined;
}

/**
 * A scenario (`cluster` or `events` at the top), a fleet (`fleet` at the top), or neither. When the
 * YAML does not parse, a line starting with one of those keys decides, so broken files still count.
 */
export function fileKind(path: string): FileKind | undefined {
  return classifyFile(path).kind;
}

export type FileKind = "scenario" | "fleet" | "fleet-plan";

/** The kind of a parsed file: a fleet (`fleet`), a fleet plan (`inventory`), a scenario, or none. */
export function kindOfValue(value: unknown): FileKind | undefined {
  if (looksLikeFleet(value)) return "fleet";
  if (looksLikeFleetPlan(value)) return "fleet-plan";
  return looksLikeScenario(value) ? "scenario" : undefined;
}

/**
 * The file's kind and, when it parsed, the parsed file itself, so that the loader that runs it does
 * not read and parse it again (`loadScenario`, `loadFleet`, `loadFleetPlan` take it).
 */
export function classifyFile(path: string): { kind: FileKind | undefined; yaml?: YamlFile } {
  let text: string;
  try {
    text = readTextFile(path);
  } catch {
    return { kind: undefined };
  }
  const yaml = parsed(text, path);
  if (yaml !== undefined) return { kind: kindOfValue(yaml.value), yaml };
  if (/^fleet\s*:/m.test(text)) return { kind: "fleet" };
  if (/^inventory\s*:/m.test(text)) return { kind: "fleet-plan" };
  return { kind: /^(cluster|events)\s*:/m.test(text) ? "scenario" : undefined };
}

/** One scenario's outcome in a suite: a run, or the input error that kept it from running. */
export interface SuiteCase {
  name: string;
  file: string;
  passed: boolean;
  /** First failed expectation or the input error, one line. */
  reason?: string;
  /** The file did not load: bad input, not a failed expectation. */
  broken?: boolean;
  /** It ran past the per-file time limit and was stopped (broken too). */
  timedOut?: boolean;
  /** Every failed expectation (or every diagnostic), for JUnit. */
  detail?: string;
  run?: ScenarioRun | FleetRun | FleetPlanCaseRun;
  /** Wall-clock seconds it took. */
  seconds: number;
}

export interface SuiteOptions {
  filter?: string;
  update?: boolean;
  /** The folder references may not leave: the suite's own folder unless told otherwise. */
  root?: ReferenceRoot;
}

/** Runs one scenario file; bad input becomes that scenario's failure instead of stopping the suite. */
export function runSuiteCase(file: string, options: SuiteOptions = {}, yaml?: YamlFile): SuiteCase {
  const started = performance.now();
  try {
    const root = options.root ?? false;
    return caseOf(
      file,
      runScenario(file, { root, ...(options.update ? { update: true } : {}), ...(yaml ? { yaml } : {}) }),
      started,
    );
  } catch (error) {
    return brokenCase(file, error, started);
  }
}

/** Runs a scenario or fleet file; bad input becomes that file's failure instead of stopping the suite. */
export async function runSuiteFile(file: string, options: SuiteOptions = {}): Promise<SuiteCase> {
  const { kind, yaml } = classifyFile(file);
  if (kind === "fleet-plan") {
    const started = performance.now();
    try {
      return caseOf(file, runFleetPlanCase(file, yaml), started);
    } catch (error) {
      return brokenCase(file, error, started);
    }
  }
  if (kind !== "fleet") return runSuiteCase(file, options, yaml);
  const started = performance.now();
  try {
    return caseOf(
      file,
      await runFleet(file, { root: options.root ?? false, ...(yaml ? { yaml } : {}) }),
      started,
    );
  } catch (error) {
    return brokenCase(file, error, started);
  }
}

function caseOf(file: string, run: ScenarioRun | FleetRun | FleetPlanCaseRun, started: number): SuiteCase {
  const failed = run.expectations.filter((e) => !e.passed);
  const first = failed[0];
  return {
    name: run.name,
    file,
    passed: run.passed,
    ...(first ? { reason: `${first.name}: ${firstLine(first.message)}` } : {}),
    ...(failed.length > 0 ? { detail: failed.map((e) => `${e.name}: ${e.message}`).join("\n") } : {}),
    run,
    seconds: (performance.now() - started) / 1000,
  };
}

/** A file that did not load: its first problem is the reason; anything but bad input is a bug and rethrown. */
function brokenCase(file: string, error: unknown, started: number): SuiteCase {
  if (!isInputError(error)) throw error;
  const lines = formatDiagnostics(error.diagnostics);
  const others = new Set(error.diagnostics.map(formatDiagnostic)).size - 1;
  return {
    name: nameOf(file),
    file,
    passed: false,
    broken: true,
    reason: `${lines[0] ?? "bad input"}${others > 0 ? ` (and ${others} more error${others === 1 ? "" : "s"})` : ""}`,
    detail: lines.join("\n"),
    seconds: (performance.now() - started) / 1000,
  };
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? text;
}

/**
 * The scenario's name without running it (for --filter and for files that do not load): its
 * `name:` if the YAML says, else the file name.
 */
export function nameOf(file: string): string {
  try {
    const value = parsedValue(readTextFile(file), file) as { name?: unknown } | undefined;
    const name = value !== null && typeof value === "object" ? value.name : undefined;
    if (typeof name === "string" && name !== "") return name;
  } catch {
    // An unreadable file is reported when it runs.
  }
  return basename(file, extname(file));
}

/**
 * The file's value read by the same strict, bounded parser as the loaders (an alias bomb or a broken
 * alias is that file's problem, reported when it runs); undefined when it does not parse.
 */
function parsedValue(text: string, file: string): unknown {
  return parsed(text, file)?.value;
}

function parsed(text: string, file: string): YamlFile | undefined {
  try {
    return parseYamlFile(text, file);
  } catch (error) {
    if (isInputError(error)) return undefined;
    throw error;
  }
}
