import { streamHistory } from "../history/load.js";
import { type HistoryStore, Rewind } from "../history/store.js";
import { formatDuration } from "../shared/duration.js";
import { plural } from "../shared/plural.js";
import { TIMED_STEPS, type TimedStep } from "../shared/timing-distribution.js";
import type { NodeAction } from "../shared/types.js";
import {
  type Attempts,
  DEFAULT_MAX_SPELL_MS,
  DEFAULT_NOT_READY_DELAY_MS,
  Extractor,
  type Note,
  type Observation,
  type ObservationSink,
  type SiteActual,
} from "./extract.js";
import { DurationSample, type FitResult, fitSample, MIN_SAMPLES, type Proportion, wilson } from "./fit.js";
import { type Inventory, loadInventory, loadRollouts, type Rollout } from "./rollouts.js";

/**
 * `edgesim calibrate`: history files and a rollouts file in, one fit per step (and behavior), per
 * hardware class (an inventory label's value) where the class has enough samples, else the pooled fit.
 */
export interface CalibrateOptions {
  rollouts: string;
  inventory?: string;
  classLabel?: string;
  siteLabel?: string;
  notReadyDelayMs?: number;
  /** Only intervals that began before this instant (ms) are fitted (the back-test's training set). */
  untilMs?: number;
}

export interface StepFit {
  step: TimedStep;
  behavior: NodeAction;
  fit: FitResult;
}

export interface ClassFit {
  label: string;
  value: string;
  sites: number;
  /** `class` when fitted from the class's own samples; `pooled` when it had too few and uses the pool. */
  source: "class" | "pooled";
  /** The class's own samples per step (what decided `source`). */
  own: { step: TimedStep; n: number }[];
  steps: StepFit[];
}

export interface Calibration {
  files: string[];
  rolloutsFile: string;
  rollouts: Rollout[];
  /** The pooled fit per step: over all behaviors (a step takes as long whatever the update). */
  steps: StepFit[];
  failure: { behavior: NodeAction; rate: Proportion }[];
  classes: ClassFit[];
  notes: Note[];
  skipped: [string, number][];
  /** Step intervals found, and of them those fitted (that began before `untilMs`). */
  intervals: number;
  fittedIntervals: number;
  /** The most failed attempts of one node in one rollout, among those fitted. */
  maxFailures: number;
  /** Each site's whole rollout as seen (when asked for: the back-test). */
  actuals: SiteActual[];
}

export function calibrate(files: readonly string[], options: CalibrateOptions): Calibration {
  const inventory: Inventory | undefined = options.inventory ? loadInventory(options.inventory) : undefined;
  const rollouts = loadRollouts(options.rollouts, inventory);
  return calibrateHistory(files, rollouts, inventory, options, false);
}

/** One step's intervals as counts, and the behavior of its earliest interval. */
interface StepSample {
  behavior: NodeAction;
  atMs: number;
  sample: DurationSample;
}

/**
 * The fit's side of the extraction: each interval is counted into its step's sample (pooled, and its
 * site's class) as it is found, and each attempt into its behavior's tally; nothing else is kept.
 */
class Fold implements ObservationSink {
  readonly steps = new Map<TimedStep, StepSample>();
  readonly classes = new Map<string, Map<TimedStep, StepSample>>();
  readonly tally = new Map<NodeAction, { attempts: number; failures: number }>();
  intervals = 0;
  fitted = 0;
  maxFailures = 0;

  constructor(
    private readonly untilMs: number,
    private readonly classOf: Map<string, string> | undefined,
  ) {}

  observation(o: Observation): void {
    this.intervals++;
    if (o.atMs >= this.untilMs) return;
    this.fitted++;
    add(this.steps, o);
    const value = this.classOf?.get(o.site);
    if (value === undefined) return;
    let steps = this.classes.get(value);
    if (!steps) {
      steps = new Map();
      this.classes.set(value, steps);
    }
    add(steps, o);
  }

  attempts(a: Attempts): void {
    if (a.atMs >= this.untilMs) return;
    const t = this.tally.get(a.behavior) ?? { attempts: 0, failures: 0 };
    t.attempts += a.attempts;
    t.failures += a.failures;
    this.tally.set(a.behavior, t);
    if (a.failures > this.maxFailures) this.maxFailures = a.failures;
  }
}

function add(steps: Map<TimedStep, StepSample>, o: Observation): void {
  let s = steps.get(o.step);
  if (!s) {
    s = { behavior: o.behavior, atMs: o.atMs, sample: new DurationSample() };
    steps.set(o.step, s);
  } else if (o.atMs < s.atMs || (o.atMs === s.atMs && o.behavior < s.behavior)) {
    s.behavior = o.behavior;
    s.atMs = o.atMs;
  }
  s.sample.add(o.loMs, o.hiMs, o.triangular);
}

/**
 * Reads the history and fits it: the reader hands each node's finished stretches to the extraction,
 * which counts every interval into the fit as it is found, so memory holds the nodes' open spells and
 * the counts, not the history. If a file goes back before what was already handed over, the history is
 * read again in one piece (the same result, more memory).
 */
export function calibrateHistory(
  files: readonly string[],
  rollouts: Rollout[],
  inventory: Inventory | undefined,
  options: CalibrateOptions,
  actuals: boolean,
): Calibration {
  const until = options.untilMs ?? Number.POSITIVE_INFINITY;
  let classOf: Map<string, string> | undefined;
  const { classLabel } = options;
  if (inventory && classLabel) {
    classOf = new Map<string, string>();
    for (const site of inventory.sites.values()) {
      const value = site.labels[classLabel];
      if (value !== undefined) classOf.set(site.name, value);
    }
  }
  const read = (handOver: boolean) => {
    const fold = new Fold(until, classOf);
    let store: HistoryStore | undefined;
    const extractor = new Extractor(
      rollouts,
      {
        notReadyDelayMs: options.notReadyDelayMs ?? DEFAULT_NOT_READY_DELAY_MS,
        maxSpellMs: DEFAULT_MAX_SPELL_MS,
        actuals,
      },
      fold,
      (id) => store?.describe(id) ?? "",
    );
    store = streamHistory(
      files,
      options.siteLabel ? { siteLabel: options.siteLabel } : {},
      {
        begin: (s) => {
          store = s;
          extractor.intervalsFor(s.given.map((g) => g.site));
        },
        node: (n) => extractor.node(n),
        site: (site, beforeMs) => extractor.site(site, beforeMs),
      },
      handOver,
    );
    store.finish((n) => extractor.node(n));
    store.given.forEach((g, i) => {
      extractor.given(g, i);
    });
    return { fold, store, ...extractor.finish() };
  };
  let result: ReturnType<typeof read>;
  try {
    result = read(true);
  } catch (error) {
    if (!(error instanceof Rewind)) throw error;
    result = read(false);
  }
  const { fold, store, notes } = result;
  const steps = fitSteps(fold.steps);
  const failure = [...fold.tally.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([behavior, t]) => ({ behavior, rate: wilson(t.failures, t.attempts) }));
  const classes: ClassFit[] = [];
  if (classOf && classLabel) {
    const values = [...new Set(classOf.values())].sort();
    for (const value of values) {
      const fitted = fitSteps(fold.classes.get(value) ?? new Map());
      const enough = fitted.length > 0 && fitted.every((s) => !("tooFew" in s.fit));
      classes.push({
        label: classLabel,
        value,
        sites: [...classOf.values()].filter((v) => v === value).length,
        source: enough ? "class" : "pooled",
        own: fitted.map((f) => ({ step: f.step, n: f.fit.n })),
        steps: enough ? fitted : steps,
      });
    }
  }
  return {
    files: [...files],
    rolloutsFile: options.rollouts,
    rollouts,
    steps,
    failure,
    classes,
    notes,
    skipped: [...store.skipped.entries()],
    intervals: fold.intervals,
    fittedIntervals: fold.fitted,
    maxFailures: fold.maxFailures,
    actuals: result.actuals,
  };
}

function fitSteps(samples: Map<TimedStep, StepSample>): StepFit[] {
  return TIMED_STEPS.filter((s) => samples.has(s)).map((step) => {
    const g = samples.get(step) as StepSample;
    return { step, behavior: g.behavior, fit: fitSample(g.sample) };
  });
}

const seconds = (ms: number) => formatDuration(Math.round(ms / 1000) * 1000);
const percent = (p: number) => `${(p * 100).toFixed(p < 0.01 && p > 0 ? 2 : 1)}%`;

/** A `timings:` mapping (the scenario and fleet-plan format), as YAML lines at `indent`. */
function timingLines(steps: readonly StepFit[], indent: string): string[] {
  const lines: string[] = [];
  for (const { step, fit } of steps) {
    if ("tooFew" in fit) {
      lines.push(`${indent}# ${step}: ${plural(fit.n, "sample")}, fewer than ${MIN_SAMPLES}: not fitted`);
      continue;
    }
    if (fit.kind === "lognormal")
      lines.push(
        `${indent}${step}: { lognormal: { median: ${seconds(fit.medianMs)}, p90: ${seconds(fit.p90Ms)} } }  # n=${fit.n}, KS ${fit.ksDistance.toFixed(3)} ≤ ${fit.ksCritical.toFixed(3)}`,
      );
    else {
      const points = (fit.quantiles ?? []).map(([p, ms]) => `p${Math.round(p * 100)}: ${seconds(ms)}`);
      lines.push(
        `${indent}${step}: { quantiles: { ${points.join(", ")} } }  # n=${fit.n}, log-normal rejected: KS ${fit.ksDistance.toFixed(3)} > ${fit.ksCritical.toFixed(3)}`,
      );
    }
  }
  return lines;
}

const ACTION_STEPS: readonly TimedStep[] = ["repave", "reboot", "serviceRestart", "configReload"];

/**
 * The steps no signal separates, set to 0 so a simulation does not count them twice: the cordon is inside
 * the drain (cordon → NotReady), the rejoin inside the action (NotReady → Ready).
 */
function foldedLines(steps: readonly StepFit[]): string[] {
  const fitted = (step: TimedStep) => steps.some((s) => s.step === step && !("tooFew" in s.fit));
  const lines: string[] = [];
  if (fitted("drain") && !steps.some((s) => s.step === "cordon"))
    lines.push("  cordon: 0s  # inside drain: cordon → NotReady is one interval");
  const action = ACTION_STEPS.find(fitted);
  if (action)
    lines.push(`  rejoin: 0s  # inside ${action}: NotReady → Ready holds the action and the rejoin`);
  return lines;
}

/** The timings file: `timings:` (pooled), `classes:` (per label value), `failureRate:` (per behavior). */
export function calibrationYaml(c: Calibration): string {
  const lines = [
    "# Fitted by edgesim calibrate from the fleet's own history.",
    `# History: ${plural(c.files.length, "file")}; rollouts: ${c.rolloutsFile}`,
    "timings:",
    ...timingLines(c.steps, "  "),
    ...foldedLines(c.steps),
  ];
  if (c.classes.length > 0) {
    lines.push("classes:");
    for (const k of c.classes) {
      lines.push(`  - select: { labels: { ${k.label}: ${JSON.stringify(k.value)} } }`);
      lines.push(
        `    # ${plural(k.sites, "site")}; ${k.source === "class" ? "fitted from this class's own samples" : `too few samples (fewer than ${MIN_SAMPLES} for some step): the pooled fit`}`,
      );
      lines.push("    timings:");
      lines.push(...timingLines(k.steps, "      "));
    }
  }
  if (c.failure.length > 0) {
    lines.push("failureRate:");
    for (const f of c.failure)
      lines.push(
        `  ${f.behavior}: ${round(f.rate.p)}  # ${f.rate.failures}/${f.rate.attempts} attempts; 95% interval ${round(f.rate.low)}–${round(f.rate.high)}`,
      );
  }
  return `${lines.join("\n")}\n`;
}

const round = (x: number) => Number(x.toFixed(5));

export function calibrationJson(c: Calibration): unknown {
  const stepJson = (steps: readonly StepFit[]) =>
    Object.fromEntries(
      steps.map(({ step, behavior, fit }) => [
        step,
        "tooFew" in fit
          ? { n: fit.n, tooFew: true, behavior }
          : {
              n: fit.n,
              behavior,
              kind: fit.kind,
              medianMs: Math.round(fit.medianMs),
              p90Ms: Math.round(fit.p90Ms),
              ksDistance: round(fit.ksDistance),
              ksCritical: round(fit.ksCritical),
              ...(fit.quantiles ? { quantiles: fit.quantiles.map(([p, ms]) => [p, Math.round(ms)]) } : {}),
            },
      ]),
    );
  return {
    files: c.files,
    rollouts: c.rolloutsFile,
    steps: stepJson(c.steps),
    failureRate: Object.fromEntries(c.failure.map((f) => [f.behavior, round(f.rate.p)])),
    failureInterval: Object.fromEntries(
      c.failure.map((f) => [
        f.behavior,
        {
          failures: f.rate.failures,
          attempts: f.rate.attempts,
          low: round(f.rate.low),
          high: round(f.rate.high),
          level: 0.95,
        },
      ]),
    ),
    classes: c.classes.map((k) => ({
      label: k.label,
      value: k.value,
      sites: k.sites,
      source: k.source,
      ownSamples: Object.fromEntries(k.own.map((o) => [o.step, o.n])),
      steps: stepJson(k.steps),
    })),
    unmatched: c.notes.map((n) => ({ kind: n.kind, count: n.count, example: n.example })),
    skipped: Object.fromEntries(c.skipped),
  };
}

/** What the command prints for people. */
export function calibrationText(c: Calibration, written?: string): string {
  const out: string[] = [];
  const n = c.intervals;
  out.push(
    `Calibrated from ${plural(c.files.length, "history file")}, ${plural(c.rollouts.length, "rollout")}: ${plural(n, "step interval")}.`,
  );
  out.push("");
  out.push("Step            n      median     p90        fit");
  for (const { step, fit } of c.steps) {
    if ("tooFew" in fit) {
      out.push(
        `${step.padEnd(15)} ${String(fit.n).padEnd(6)} too few samples (fewer than ${MIN_SAMPLES}): not fitted`,
      );
      continue;
    }
    out.push(
      `${step.padEnd(15)} ${String(fit.n).padEnd(6)} ${seconds(fit.medianMs).padEnd(10)} ${seconds(fit.p90Ms).padEnd(10)} ${
        fit.kind === "lognormal"
          ? `log-normal (KS ${fit.ksDistance.toFixed(3)} ≤ ${fit.ksCritical.toFixed(3)})`
          : `empirical quantiles (log-normal rejected: KS ${fit.ksDistance.toFixed(3)} > ${fit.ksCritical.toFixed(3)})`
      }`,
    );
  }
  if (c.failure.length > 0) {
    out.push("");
    out.push("Failure probability per attempt (95% Wilson interval):");
    for (const f of c.failure)
      out.push(
        `  ${f.behavior.padEnd(15)} ${percent(f.rate.p)} (${f.rate.failures}/${f.rate.attempts}; ${percent(f.rate.low)}–${percent(f.rate.high)})`,
      );
  }
  if (c.classes.length > 0) {
    out.push("");
    out.push(`Hardware classes (label ${c.classes[0]?.label}):`);
    for (const k of c.classes) {
      const summary = k.steps
        .map((s) => ("tooFew" in s.fit ? `${s.step} n=${s.fit.n}` : `${s.step} ${seconds(s.fit.medianMs)}`))
        .join(", ");
      out.push(
        `  ${k.value.padEnd(15)} ${k.source === "class" ? "own fit   " : "pooled fit"} ${plural(k.sites, "site")}${k.source === "pooled" ? ` (own samples: ${k.own.map((o) => `${o.step} n=${o.n}`).join(", ") || "none"}, fewer than ${MIN_SAMPLES})` : ""}: ${summary}`,
      );
    }
  }
  if (c.notes.length > 0) {
    out.push("");
    out.push("Not used (matched no rollout, or the signals cannot time them):");
    for (const note of c.notes) out.push(`  ${note.count} × ${note.kind}; e.g. ${note.example}`);
  }
  if (written) {
    out.push("");
    out.push(`Timings written to ${written}`);
  }
  return `${out.join("\n")}\n`;
}
