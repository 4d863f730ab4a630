import { isAbsolute, resolve } from "node:path";
import type { LoadOptions, Profile } from "../profile/index.js";
import { planJson } from "../report/plan-json.js";
import { formatPlanMarkdown } from "../report/plan-markdown.js";
import { formatPlanText } from "../report/plan-text.js";
import { type Diagnostic, InputError, isInputError } from "../shared/diagnostics.js";
import { readStandardInput, readTextFile, STDIN_ARGUMENT, STDIN_NAME } from "../shared/files.js";
import { atLeast, type Behavior, DISTRIBUTIONS } from "../shared/types.js";
import type { Plan } from "../sim/estimate.js";
import { DEFAULT_TWO_NODE_LEADER, TWO_NODE_CONTROL_PLANES } from "../sim/estimate.js";
import { useColour } from "./colour.js";
import { EXIT, type Io } from "./io.js";
import { parseVariables } from "./options.js";
import { EXIT_FAIL_ON, type PlanCommandOptions, type PlanFormat } from "./plan-options.js";

/** What `edgesim plan FROM TO` does, loaded only when it runs (`plan --help` needs none of it). */
export async function planCommand(
  io: Io,
  setExit: (code: number) => void,
  fromFile: string,
  toFile: string,
  options: PlanCommandOptions,
): Promise<void> {
  const loadOptions: LoadOptions = { variables: parseVariables(options.var) };
  if (options.distribution) loadOptions.distribution = options.distribution;
  if (options.pack !== undefined && options.layer === undefined) {
    throw new InputError([{ file: "--pack", message: "only goes with --layer" }]);
  }
  if (options.layer !== undefined && options.distribution === undefined) {
    throw new InputError([
      {
        file: "--layer",
        message: `a values file does not say its distribution: add --distribution ${DISTRIBUTIONS.join("|")}`,
      },
    ]);
  }
  if (options.json && options.format !== undefined && options.format !== "json") {
    throw new InputError([{ file: "--json", message: `conflicts with --format ${options.format}` }]);
  }
  if (options.twoNode && options.controlPlanesGiven && options.controlPlanes !== TWO_NODE_CONTROL_PLANES) {
    throw new InputError([
      {
        file: "--control-planes",
        message: `a two-node cluster (--two-node) has exactly ${TWO_NODE_CONTROL_PLANES} control planes (Two-Node Architecture § Limitations), not ${options.controlPlanes}`,
      },
    ]);
  }
  const controlPlanes = options.twoNode ? TWO_NODE_CONTROL_PLANES : options.controlPlanes;
  const format: PlanFormat = options.json ? "json" : (options.format ?? "text");
  const [{ parseLayerValues, parseProfile, unusedVariableWarnings }, { planWithEstimate }, kinds] =
    await Promise.all([
      import("../profile/index.js"),
      import("../sim/estimate.js"),
      import("../kinds/registry.js"),
    ]);
  const layer = options.layer;
  const distribution = options.distribution;
  const load =
    layer !== undefined && distribution !== undefined
      ? (text: string, path: string) =>
          parseLayerValues(text, path, layer, {
            ...loadOptions,
            distribution,
            ...(options.pack !== undefined ? { pack: options.pack } : {}),
          })
      : (text: string, path: string) => parseProfile(text, path, loadOptions);
  // A pack's values file (--layer) has keys of its own (`cluster:` in a kubernetes pack): never told as a kind.
  const [from, to] = loadBoth(io, [fromFile, toFile], load, layer === undefined ? kinds : undefined);
  const { plan, estimate } = planWithEstimate(from, to, {
    rke2Quirk: options.rke2Quirk,
    ...(options.mode !== undefined ? { mode: options.mode } : {}),
    cluster: {
      controlPlanes,
      workers: options.workers,
      maxUnavailable: options.maxUnavailable,
      ...(options.twoNode ? { twoNode: { leader: DEFAULT_TWO_NODE_LEADER } } : {}),
    },
    warnings: unusedVariableWarnings(loadOptions.variables ?? {}, [from, to]),
  });
  if (format === "json") {
    io.stdout(`${JSON.stringify({ ...planJson(plan), ...(estimate ? { estimate } : {}) }, null, 2)}\n`);
  } else if (format === "markdown") {
    io.stdout(
      formatPlanMarkdown(plan, {
        controlPlanes,
        workers: options.workers,
        ...(estimate ? { estimate } : {}),
      }),
    );
  } else {
    io.stdout(
      formatPlanText(plan, {
        controlPlanes,
        workers: options.workers,
        color: useColour(io, options),
        ...(estimate ? { estimate } : {}),
      }),
    );
  }
  const code = exitCodeFor(plan, options.failOn);
  if (code === EXIT_FAIL_ON && options.failOn) io.stderr(failOnMessage(plan, options.failOn));
  setExit(code);
}

/** Which changes reached the `--fail-on` threshold, for stderr before exit 3. */
export function failOnMessage(plan: Plan, failOn: Behavior): string {
  const reached = plan.changes.filter((c) => atLeast(c.behavior, failOn));
  const lines = reached.map((c) => `  ${c.layer} ${c.path}: ${c.behavior} (${c.rule})\n`);
  return `--fail-on ${failOn} reached: the plan is ${plan.behavior}\n${lines.join("")}`;
}

export function exitCodeFor(plan: Plan, failOn?: Behavior): number {
  if (plan.unsupported.length > 0) return EXIT.unsupported;
  if (failOn && atLeast(plan.behavior, failOn)) return EXIT_FAIL_ON;
  return EXIT.ok;
}

/** Loads both profiles, reporting the problems of both files together. */
function loadBoth(
  io: Io,
  files: [string, string],
  load: (text: string, path: string) => Profile,
  kinds: typeof import("../kinds/registry.js") | undefined,
): [Profile, Profile] {
  if (files[0] === STDIN_ARGUMENT && files[1] === STDIN_ARGUMENT) {
    throw new InputError([
      { file: STDIN_NAME, message: "FROM and TO cannot both be - (standard input holds one profile)" },
    ]);
  }
  const problems: Diagnostic[] = [];
  const profiles = files.map((file) => {
    // Messages name the file as the user wrote it; only a different working directory needs resolving.
    const stdin = file === STDIN_ARGUMENT;
    const path = stdin
      ? STDIN_NAME
      : isAbsolute(file) || io.cwd === process.cwd()
        ? file
        : resolve(io.cwd, file);
    let text: string | undefined;
    try {
      text = stdin ? readStandardInput() : readTextFile(path);
      return load(text, path);
    } catch (error) {
      if (!isInputError(error)) throw error;
      // A scenario or fleet file given by mistake gets one sentence, not the profile schema's errors.
      // A file that is not text (a shard's part) is known by its first bytes.
      const kind =
        text !== undefined
          ? kinds?.classifyText(text, path).kind
          : stdin
            ? undefined
            : kinds?.classifyFile(path).kind;
      if (kinds && kind !== undefined && kind !== "profile") {
        problems.push({
          file: path,
          message: kinds.wrongKindMessage(kind, "plan", kinds.describeInput(kinds.COMMAND_INPUTS.plan)),
        });
      } else problems.push(...error.diagnostics);
      return undefined;
    }
  });
  const [from, to] = profiles;
  if (problems.length > 0 || !from || !to) throw new InputError(problems);
  return [from, to];
}
