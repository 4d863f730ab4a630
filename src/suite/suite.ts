import { lstatSync, readdirSync, statSync } from "node:fs";
import { basename, extname, join } from "node:path";
import { type ClassifiedFile, classifyFile } from "../kinds/registry.js";
import { isRunnable, type KindRun, type LoadContext, RUNNERS } from "../kinds/run.js";
import { formatDiagnostic, formatDiagnostics, InputError, isInputError } from "../shared/diagnostics.js";
import type { ReferenceRoot } from "../shared/files.js";
import { type ModelVariation, tracePoints, withVariation } from "../shared/variation.js";
import type { YamlFile } from "../shared/yaml.js";

/** Folders that hold what scenarios refer to, never scenarios themselves. */
const SKIPPED_FOLDERS = new Set(["profiles", "golden", "node_modules"]);

/**
 * Every scenario file under `dir`, sorted by path. A scenario is a `.yaml`/`.yml` file outside
 * `profiles/`, `golden/`, `node_modules/` and dot-folders whose top level is a mapping with `fleet`,
 * `cluster` or `events`; when the YAML does not parse, a line starting with one of those keys
 * decides, so a broken scenario is still found (and reported as failed) rather than skipped.
 */
export function discoverScenarios(dir: string): string[] {
  return candidateFiles(dir).filter((file) => suiteEntry(file, classifyFile(file)) !== undefined);
}

/**
 * Every `.yaml`/`.yml` file under `dir` outside `profiles/`, `golden/`, `node_modules/` and dot-folders,
 * sorted by path, without reading them: `edgesim test` reads and parses each once, in the thread that
 * runs it (see `runSuiteEntry`), and skips those that are not scenarios.
 */
export function candidateFiles(dir: string): string[] {
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
        found.push(path);
      }
    }
  };
  walk(dir);
  return found.sort(compare);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A file of the suite's folder as the suite takes it, or undefined when it is not a scenario (nor a
 * fleet, nor a fleet plan): skipped. A FIFO, device or socket named like a scenario is a scenario that
 * cannot be read (reported, never waited on), and its name is its file name.
 */
function suiteEntry(file: string, classified: ClassifiedFile): { name: string } | undefined {
  if (!isRunnable(classified.kind) && !isSpecialFile(file)) return undefined;
  return { name: nameOfParsed(file, classified.yaml) };
}

function isSpecialFile(file: string): boolean {
  try {
    const stat = lstatSync(file);
    return !stat.isFile() && !stat.isSymbolicLink();
  } catch {
    return false;
  }
}

/** What one file of the suite came to: run (a case), or skipped as not a scenario or by `--filter`. */
export type SuiteOutcome = { case: SuiteCase } | { skipped: "not-a-scenario" | "filtered" };

/**
 * One file found under the suite's folder (`candidateFiles`), read and parsed once: skipped when it is
 * not a scenario or its name does not match `options.filter`, else run from the parsed document.
 * `onNamed` hears the file's name before it runs (so that a file stopped at the time limit is named
 * without reading it again).
 */
export async function runSuiteEntry(
  file: string,
  options: SuiteOptions = {},
  onNamed?: (name: string) => void,
): Promise<SuiteOutcome> {
  const classified = classifyFile(file);
  const decided = decideEntry(file, classified, options);
  if ("skipped" in decided) return decided;
  onNamed?.(decided.name);
  const name = decided.name;
  const run = () => runClassified(file, options, classified, name);
  if (options.trace) {
    const { value, points } = await tracePoints(run);
    return { case: { ...value, points } };
  }
  if (options.variation === undefined) return { case: await run() };
  return { case: await withVariation(options.variation, run) };
}

/** Whether a classified file runs (and under which name), or why it is skipped. */
export function decideEntry(
  file: string,
  classified: ClassifiedFile,
  options: SuiteOptions,
): { name: string } | { skipped: "not-a-scenario" | "filtered" } {
  const entry = suiteEntry(file, classified);
  if (entry === undefined) return { skipped: "not-a-scenario" };
  if (options.filter !== undefined && !nameMatches(entry.name, options.filter))
    return { skipped: "filtered" };
  return entry;
}

/** `--filter TEXT`: the name contains TEXT, ignoring case. */
export function nameMatches(name: string, filter: string): boolean {
  return name.toLowerCase().includes(filter.toLowerCase());
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
  run?: KindRun;
  /** Wall-clock seconds it took. */
  seconds: number;
  /** With `trace`: the decision points it reached (see `tracePoints`). */
  points?: string[];
}

export interface SuiteOptions {
  /** Run only the files whose name contains this text, ignoring case (`--filter`). */
  filter?: string;
  update?: boolean;
  /** The folder references may not leave: the suite's own folder unless told otherwise. */
  root?: ReferenceRoot;
  /** A mutant of the model to run the file against (`--mutate`); absent, the model as documented. */
  variation?: ModelVariation;
  /** Note the decision points a mutant could change that the file reaches (`SuiteCase.points`). */
  trace?: boolean;
}

/** Runs one scenario file; bad input becomes that scenario's failure instead of stopping the suite. */
export async function runSuiteCase(
  file: string,
  options: SuiteOptions = {},
  yaml?: YamlFile,
): Promise<SuiteCase> {
  const started = performance.now();
  try {
    return caseOf(file, await RUNNERS.scenario.run(file, yaml, contextOf(options)), started);
  } catch (error) {
    return brokenCase(file, error, started);
  }
}

/** The load context every kind of the suite is run with. */
function contextOf(options: SuiteOptions): LoadContext {
  return { root: options.root ?? false, ...(options.update ? { update: true } : {}) };
}

/** Runs a scenario or fleet file; bad input becomes that file's failure instead of stopping the suite. */
export async function runSuiteFile(file: string, options: SuiteOptions = {}): Promise<SuiteCase> {
  const classified = classifyFile(file);
  return runClassified(file, options, classified, nameOfParsed(file, classified.yaml));
}

/** Runs a file already read and parsed (or that failed to be: that error is its failure, as its loader would throw it). */
async function runClassified(
  file: string,
  options: SuiteOptions,
  { kind, yaml, error }: ClassifiedFile,
  name: string,
): Promise<SuiteCase> {
  const started = performance.now();
  try {
    if (error) throw error;
    // A special file (FIFO, device) named like a scenario is run as one: its loader refuses it.
    const runnable = isRunnable(kind) ? kind : "scenario";
    return caseOf(file, await RUNNERS[runnable].run(file, yaml, contextOf(options)), started);
  } catch (caught) {
    return brokenCase(file, caught, started, name);
  }
}

function caseOf(file: string, run: KindRun, started: number): SuiteCase {
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
function brokenCase(file: string, error: unknown, started: number, name = nameOf(file)): SuiteCase {
  if (!isInputError(error)) throw error;
  const lines = formatDiagnostics(error.diagnostics);
  const others = new Set(error.diagnostics.map(formatDiagnostic)).size - 1;
  return {
    name,
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
  return nameOfParsed(file, classifyFile(file).yaml);
}

/** The name of a file already parsed (or not parseable: undefined): its `name:`, else the file name. */
function nameOfParsed(file: string, yaml: YamlFile | undefined): string {
  const value = yaml?.value as { name?: unknown } | undefined;
  const name = value !== null && typeof value === "object" ? value.name : undefined;
  if (typeof name === "string" && name !== "") return name;
  return basename(file, extname(file));
}
