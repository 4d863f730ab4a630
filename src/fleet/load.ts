import { dirname, isAbsolute, join } from "node:path";
import type { Profile } from "../profile/types.js";
import { parseTimings, profileLoader } from "../scenario/load.js";
import { MAX_VIRTUAL_MS } from "../scenario/schema.js";
import { classOf, parseTimingClasses, type TimingClass } from "../scenario/timings-file.js";
import { scenarioDiagnostics, scenarioErrorMap } from "../scenario/validate.js";
import { type Diagnostic, DiagnosticBag, InputError } from "../shared/diagnostics.js";
import { parseDuration } from "../shared/duration.js";
import { outsideRoot, type ReferenceRoot, readTextFile } from "../shared/files.js";
import { plural } from "../shared/plural.js";
import type { DeliveryMode, Distribution, NodeAction } from "../shared/types.js";
import { diagnosticAt, parseYamlFile, type YamlFile, type YamlPath } from "../shared/yaml.js";
import type { SimCluster } from "../sim/input.js";
import {
  DEFAULT_TWO_NODE_LEADER,
  type SimInputEvent,
  type SimProfile,
  type Timings,
  type TwoNode,
  twoNodeProblems,
} from "../sim/types.js";
import {
  drawGenerated,
  type GeneratedLists,
  generatedLists,
  generatedSite,
  generateInventory,
  parseInventoryCsv,
  type RawSite,
} from "./inventory.js";
import {
  type FleetPlanFile,
  fleetPlanSchema,
  type GenerateSpec,
  type PlanExpect,
  SHAPE_PATTERN,
  type StrategySpec,
} from "./schema.js";
import { checkSiteVariables, resolveTemplate, type TemplateStrategy } from "./template-load.js";
import {
  canonicalZone,
  isTimeZone,
  type MaintenanceWindow,
  parseInstant,
  parseWindow,
  type WindowMode,
} from "./windows.js";

export interface Site {
  name: string;
  index: number;
  /** Profile names (ids in `profiles`). */
  profile: string;
  update: string;
  controlPlanes: number;
  workers: number;
  timeZone: string;
  window: MaintenanceWindow;
  labels: Record<string, string>;
  linkMbps: number;
  localRegistry: boolean;
  /** Profile variable values given to the site (a template version needs each one it uses Assigned). */
  variables?: Record<string, string>;
  /** The timings of the first timing class (`cluster.classes`, a timings file's `classes:`) the site matches. */
  classTimings?: Partial<Timings>;
  /**
   * What a fleet file (`fleet:` + `clusters:`) says of one cluster, over the plan's: its scripted events
   * (ms from its start in the wave), its own settings and timings. A plan's sites have only a delivery
   * `mode` and `twoNode` (the site's own, else the plan's `cluster.mode`, `cluster.twoNode`).
   */
  own?: SiteOwn;
}

/** A site's own simulation settings (a fleet file's cluster): each one overrides the plan's. */
export interface SiteOwn extends Omit<SimCluster, "controlPlanes" | "workers" | "workerPools"> {
  events?: SimInputEvent[];
  mode?: DeliveryMode;
}

export interface Wave {
  name: string;
  /** Site indices, in rollout order. */
  sites: number[];
  concurrency: number;
  /** Failed sites tolerated (a percentage resolved against the wave's size); absent: never halts. */
  failureBudget?: number;
  soakMs: number;
  resumeAtMs?: number;
}

export interface Strategy {
  name: string;
  waves: Wave[];
  deadlineMs?: number;
  pauses: { fromMs: number; untilMs: number; reason?: string }[];
  /** Sites no wave selects (not rolled). */
  unselected: number[];
  /** A Palette cluster template (`palette:`) instead of waves (then `waves` is empty). */
  template?: TemplateStrategy;
}

export interface Faults {
  nodeActionFailure: number;
  kubernetesOutage?: { probability: number; minMs: number; maxMs: number };
  agentRestart: number;
}

export interface LoadedFleetPlan {
  name: string;
  file: string;
  description?: string;
  seed: number;
  startMs: number;
  /** Where the start came from: `--start`, the file's `start:`, or the default (printed as such). */
  startFrom: "option" | "file" | "default";
  trials: number;
  sites: Site[];
  strategies: Strategy[];
  windowMode: WindowMode;
  horizonMs: number;
  imageGiB: number;
  registryGbps?: number;
  prefetch: boolean;
  faults: Faults;
  profiles: Map<string, SimProfile>;
  rke2Quirk: boolean;
  maxUnavailable?: number;
  retries?: number;
  timings: Partial<Timings>;
  /** Timings per inventory label value (`cluster.classes`, then a timings file's): the first that matches. */
  timingClasses?: TimingClass[];
  /** Which timings the forecast rests on, when a timings file was laid over the plan (else from the plan). */
  timingsUsed?: TimingsUsed;
  expect: PlanExpect & { strategies?: Record<string, PlanExpect> };
  /** The sites' business hours in local time, when the file gives them (the disruption figure). */
  businessHours?: MaintenanceWindow;
  /** Keep each site's whole simulation result in its outcome (a fleet file's per-cluster report). */
  keepResults?: boolean;
}

/**
 * Which timings a fleet's forecast rests on, said in its summary (text and JSON): the defaults (guesses),
 * the plan's own `cluster.timings`/`cluster.classes`, a fleet file's, or a timings file (`--timings`,
 * what `edgesim calibrate` writes). A forecast never hides that it rests on guesses.
 */
export interface TimingsUsed {
  source: "defaults" | "plan" | "file";
  /** The timings file, as given on the command line. */
  file?: string;
  /** The steps given as distributions (drawn), and those given as plain durations (jittered). */
  distributions: string[];
  /** Sites that take a class's timings, and the number of classes. */
  classes: number;
  classSites: number;
  /** A timings file's failure rate, applied as the plan's faults.nodeActionFailure (or why not). */
  failureRate?: { behavior: NodeAction; rate: number } | { notApplied: string };
  /**
   * The file's drain reaches past an update profile's drain timeout, at which the simulation cuts every
   * drain (Palette stops waiting for evictions there): the shortest such timeout and the file's largest
   * drain p90 (its own or a class's), said so that a fitted drain is not cut silently.
   */
  drainCapped?: { timeoutMs: number; p90Ms: number };
}

/** Each site's class timings: the first class (of `classes`) its labels match. */
export function assignClasses(sites: Site[], classes: readonly TimingClass[]): void {
  if (classes.length === 0) return;
  for (const site of sites) {
    const k = classOf(classes, site.labels);
    if (k) site.classTimings = k.timings;
    else delete site.classTimings;
  }
}

export const DEFAULT_START = "2026-12-07T00:00Z";
export const DEFAULT_LINK_MBPS = 100;
export const DEFAULT_HORIZON_MS = 60 * 86_400_000;

export interface LoadOptions {
  /** `--start`, overriding the file's. */
  start?: string;
  seed?: number;
  trials?: number;
  /**
   * The folder the plan's references (`from`, `update`, `inventory.csv`, a CSV `profile` cell) must stay
   * inside, or false to follow them anywhere (as for scenarios; the CLI passes `--root`, `--allow-outside`
   * or its default). A bundled base profile is read wherever the root is.
   */
  root?: ReferenceRoot;
  /**
   * Resolve each generated site on its own, as a written inventory's, not once per kind of site (the
   * loader's tests compare the two; the plan is the same).
   */
  siteBySite?: boolean;
  /** Profiles read already (a what-if's update, read to learn its distribution), by file. */
  profilesRead?: ReadonlyMap<string, Profile>;
}

/** Loads a fleet plan file; every problem (file:line:col, CSV: row and column) is thrown together. */
export function loadFleetPlan(file: string, options: LoadOptions = {}, parsed?: YamlFile): LoadedFleetPlan {
  const yaml = parsed ?? parseYamlFile(readTextFile(file), file);
  return loadFleetPlanYaml(yaml, options);
}

export function loadFleetPlanYaml(yaml: YamlFile, options: LoadOptions = {}): LoadedFleetPlan {
  const parsed = fleetPlanSchema.safeParse(yaml.value, { error: scenarioErrorMap });
  if (!parsed.success)
    throw new InputError(
      scenarioDiagnostics(yaml, parsed.error.issues, { eventKindsAt: () => undefined, expectationKeys: [] }),
    );
  return resolve(yaml, parsed.data, options);
}

function resolve(yaml: YamlFile, data: FleetPlanFile, options: LoadOptions): LoadedFleetPlan {
  const bag = new DiagnosticBag();
  const at = (path: YamlPath, message: string) => bag.add(diagnosticAt(yaml, path, message));
  const seed = options.seed ?? data.seed ?? 1;

  const startText = options.start ?? data.start ?? DEFAULT_START;
  const startMs = parseInstant(startText);
  if (startMs === undefined) {
    if (options.start !== undefined)
      bag.add({
        file: "--start",
        message: `"${options.start}" is not an ISO 8601 date-time (e.g. 2026-12-07T00:00Z)`,
      });
    else at(["start"], `"${startText}" is not an ISO 8601 date-time (e.g. 2026-12-07T00:00Z)`);
  }

  // Profiles: `from`/`update` as one file or one per distribution; each file loaded once.
  const root = options.root ?? false;
  const { load, profiles } = profileLoader(yaml, bag, data.variables, root, options.profilesRead);
  const refOf = (
    ref: FleetPlanFile["update"] | undefined,
    key: string,
    distribution: Distribution | undefined,
  ): { path: YamlPath; file: string } | undefined => {
    if (ref === undefined) return undefined;
    if (typeof ref === "string") return { path: [key], file: ref };
    if (distribution === undefined) return undefined;
    const file = ref[distribution];
    return file === undefined ? undefined : { path: [key, distribution], file };
  };
  const bundledBases = new Map<Distribution, string>();
  const bundledBase = (d: Distribution) => {
    let file = bundledBases.get(d);
    if (file === undefined) {
      file = join(bundledProfiles(), `${d}-base.yaml`);
      bundledBases.set(d, file);
    }
    return file;
  };

  // Sites.
  let raw: RawSite[] = [];
  /** The spec of a generated inventory, when it is drawn (nothing wrong with it). */
  let generate: GenerateSpec | undefined;
  const generatedAt = (field: string): Omit<Diagnostic, "message"> => {
    const d = diagnosticAt(yaml, ["inventory", "generate", field === "timeZone" ? "timeZones" : field], "");
    return {
      file: d.file,
      ...(d.line !== undefined ? { line: d.line, col: d.col } : {}),
      ...(d.path ? { path: d.path } : {}),
    };
  };
  const inventory = data.inventory;
  if ("csv" in inventory) {
    const csvFile = isAbsolute(inventory.csv) ? inventory.csv : join(dirname(yaml.file), inventory.csv);
    let text: string | undefined;
    const outside = outsideRoot(csvFile, root);
    // Nothing of a file outside the root is read, so nothing of it can be echoed.
    if (outside) at(["inventory", "csv"], `inventory ${JSON.stringify(inventory.csv)} ${outside}`);
    else
      try {
        text = readTextFile(csvFile);
      } catch (error) {
        const problem = (error as InputError).diagnostics?.[0];
        // A problem with a place in the CSV (an invalid byte) is reported there, not at the plan's line.
        if (problem?.line !== undefined) bag.add(problem);
        else at(["inventory", "csv"], `${csvFile}: ${problem?.message ?? "cannot read"}`);
      }
    if (text !== undefined) {
      const csv = parseInventoryCsv(text, csvFile);
      for (const p of csv.problems) bag.add(p);
      raw = csv.sites;
      if (csv.problems.length === 0 && raw.length === 0)
        bag.add({
          file: csvFile,
          line: 1,
          col: 1,
          message: "the inventory has no sites: a header and at least one row",
        });
    }
  } else if ("sites" in inventory) {
    raw = inventory.sites.map((s, i) => {
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(s.labels ?? {})) labels[k] = String(v);
      return {
        name: s.name,
        timeZone: s.timeZone,
        labels,
        ...(s.profile !== undefined ? { profile: s.profile } : {}),
        ...(s.shape !== undefined ? { shape: s.shape } : {}),
        ...(s.window !== undefined ? { window: s.window } : {}),
        ...(s.linkMbps !== undefined ? { linkMbps: s.linkMbps } : {}),
        ...(s.localRegistry !== undefined ? { localRegistry: s.localRegistry } : {}),
        ...(s.variables !== undefined
          ? { variables: Object.fromEntries(Object.entries(s.variables).map(([k, v]) => [k, String(v)])) }
          : {}),
        ...(s.mode !== undefined ? { mode: s.mode } : {}),
        ...(s.twoNode !== undefined ? { twoNode: s.twoNode } : {}),
        at: (field: string) => {
          const d = diagnosticAt(yaml, ["inventory", "sites", i, ...field.split(".")], "");
          return {
            file: d.file,
            ...(d.line !== undefined ? { line: d.line, col: d.col } : {}),
            ...(d.path ? { path: d.path } : {}),
          };
        },
      };
    });
  } else {
    const gen = inventory.generate;
    gen.timeZones?.forEach((zone, i) => {
      if (!isTimeZone(zone))
        at(
          ["inventory", "generate", "timeZones", i],
          `unknown time zone "${zone}" (an IANA name such as America/Chicago)`,
        );
    });
    if (gen.localRegistry !== undefined && !(gen.localRegistry >= 0 && gen.localRegistry <= 1))
      at(["inventory", "generate", "localRegistry"], `a share between 0 and 1, got ${gen.localRegistry}`);
    // Drawn where the sites are resolved (below), the sites of a kind resolved once.
    if (bag.size === 0) generate = gen;
  }

  const windowsSpec = data.windows ?? {};
  const parseWindowAt = (
    text: string,
    where: () => Omit<Diagnostic, "message">,
  ): MaintenanceWindow | undefined => {
    const w = parseWindow(text);
    if (w.ok) return w.value;
    bag.add({ ...where(), message: w.error });
    return undefined;
  };
  const place = (path: YamlPath) => () => {
    const d = diagnosticAt(yaml, path, "");
    const { message: _m, ...rest } = d;
    return rest;
  };
  const defaultWindow =
    windowsSpec.default !== undefined
      ? parseWindowAt(windowsSpec.default, place(["windows", "default"]))
      : parseWindow("always").ok
        ? { text: "always", rules: [] }
        : undefined;
  const overrides = (windowsSpec.overrides ?? []).map((o, i) => ({
    labels: Object.entries(o.labels).map(([k, v]) => [k, String(v)] as const),
    window: parseWindowAt(o.window, place(["windows", "overrides", i, "window"])),
  }));
  const horizonMs =
    windowsSpec.horizon !== undefined
      ? (parseDuration(windowsSpec.horizon) ?? DEFAULT_HORIZON_MS)
      : DEFAULT_HORIZON_MS;

  const defaultShape = data.cluster?.shape ?? "1+3";
  const allSpecs = [data.strategy, ...Object.values(data.strategies ?? {})].filter((x) => x !== undefined);
  const templatesOnly = allSpecs.length > 0 && allSpecs.every((x) => x.palette !== undefined);
  // One copy of the image over the slowest link must fit the year of virtual time a run may last.
  const maxDownloadBits = (MAX_VIRTUAL_MS / 1000) * 1e6;
  const imageTooLarge = new Set<number>();
  // Two-node problems, each said once at its place with the sites it applies to: a site's own field (one
  // site; every site of `inventory.generate` shares its fields), else a key of the plan's `cluster`.
  const twoNodeSaid = new Map<
    string,
    { place: Omit<Diagnostic, "message">; message: string; sites: string[] }
  >();
  const seen = new Map<string, number>();
  /** Each shape's nodes, read once (a fleet has a few shapes). */
  const shapeNodes = new Map<string, { controlPlanes: number; workers: number }>();
  const sites: Site[] = [];
  // Generated names are a prefix and distinct numbers: none used twice, and no map of them to make.
  const generated = "generate" in inventory;
  /** The current profile of the site pushSite made last. */
  let pushedCurrent: Profile | undefined;
  const lists = generate && generatedLists(generate);
  if (
    generate &&
    lists &&
    !options.siteBySite &&
    bag.size === 0 &&
    kindCount(lists, overrides.length) <= MAX_KINDS
  )
    resolveGenerated(generate, lists);
  else {
    if (generate) raw = generateInventory(generate, seed, generatedAt);
    raw.forEach(resolveSite);
  }
  /**
   * A generated inventory's sites come in few kinds: the same distribution, shape, zone, link and window
   * (the override its labels match). The first site of each kind is resolved as any site; when it is
   * made without a problem (and none was found before it), every later site of its kind would be made
   * the same way and without a problem: it is the first one's site with its own name, index, labels and
   * registry. Once anything is wrong, each site is resolved on its own, as in a written inventory.
   */
  function resolveGenerated(spec: GenerateSpec, lists: GeneratedLists): void {
    const hasShapes = spec.shapes !== undefined;
    const kinds = new Map<number, { first: Site; raw: RawSite; current: Profile } | null>();
    const shapes = lists.shapes.length;
    const zones = lists.zones.length;
    const links = (lists.links?.length ?? 0) + 1;
    const windows = overrides.length + 1;
    drawGenerated(spec, seed, lists, (draw, index) => {
      let w = 0;
      for (let o = 0; o < overrides.length; o++)
        if ((overrides[o] as (typeof overrides)[number]).labels.every(([k, v]) => draw.labels[k] === v))
          w = o + 1;
      const key =
        ((((draw.mixIndex + 1) * shapes + draw.shapeIndex) * zones + draw.zoneIndex) * links +
          draw.linkIndex +
          1) *
          windows +
        w;
      const clean = bag.size === 0 && twoNodeSaid.size === 0;
      const kind = clean ? kinds.get(key) : null;
      if (kind) {
        const { first } = kind;
        const made = siteRecord(first, draw.name, sites.length, draw.labels, draw.localRegistry);
        // The plan's mode and two-node HA (a generated site has none of its own), in an object of its own.
        if (first.own) {
          const own = siteOwn(kind.raw, first.controlPlanes, kind.current);
          if (own) made.own = own;
        }
        sites.push(made);
        return;
      }
      const site = generatedSite(draw, lists, hasShapes, generatedAt);
      const count = sites.length;
      resolveSite(site, index);
      if (kind === undefined) {
        const first = sites[count];
        const made = bag.size === 0 && twoNodeSaid.size === 0 && sites.length === count + 1;
        kinds.set(key, made && first && pushedCurrent ? { first, raw: site, current: pushedCurrent } : null);
      }
    });
  }
  function resolveSite(site: RawSite, index: number): void {
    if (!generated) {
      if (seen.has(site.name))
        bag.add({ ...site.at("name"), message: `site name "${site.name}" is used twice` });
      seen.set(site.name, index);
    }
    // A name is printed as is: control characters (terminal escapes, line breaks) could forge output lines.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the characters refused
    if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(site.name))
      bag.add({
        ...site.at("name"),
        message: `site name ${JSON.stringify(site.name)} has a control character (a line break, tab or terminal escape)`,
      });
    if (site.timeZone !== "" && !isTimeZone(site.timeZone))
      bag.add({
        ...site.at("timeZone"),
        message: `unknown time zone "${site.timeZone}" (an IANA name such as America/Chicago)`,
      });
    // The current profile: the site's own, else `from` (per distribution), else the bundled base.
    let current: Profile | undefined;
    if (site.profile !== undefined) {
      current = load(site.profile, pathOf(site.at("profile"), ["inventory"]));
    } else {
      const ref = refOf(data.from, "from", site.distribution);
      if (ref) current = load(ref.file, ref.path);
      else if (data.from === undefined && site.distribution !== undefined)
        current = load(bundledBase(site.distribution), ["inventory"], "bundled");
      else if (data.from === undefined)
        at(["inventory"], `site "${site.name}" names no profile and the file has no \`from:\``);
      else at(["from"], `\`from\` has no profile for ${site.distribution ?? "this site's distribution"}`);
    }
    if (!current) {
      // A single `update` file is still checked (refused outside the root, or its own problems).
      if (typeof data.update === "string") load(data.update, ["update"]);
      return;
    }
    const ref = refOf(data.update, "update", current.distribution);
    if (!ref && data.update === undefined && templatesOnly) {
      // Only templates roll this fleet: their versions are the updates.
      pushSite(site, current, current);
      return;
    }
    if (!ref) {
      at(["update"], `\`update\` has no profile for ${current.distribution} (site "${site.name}")`);
      return;
    }
    const update = load(ref.file, ref.path);
    if (!update) return;
    pushSite(site, current, update);
  }
  if (
    data.registry &&
    ((data.image?.sizeGiB ?? 0) * 8 * 1024 ** 3) / (data.registry.gbps * 1000) > maxDownloadBits
  )
    at(
      ["registry", "gbps"],
      `serving the ${data.image?.sizeGiB} GiB image at ${data.registry.gbps} Gbps takes more than a year`,
    );
  function pushSite(site: RawSite, current: Profile, update: Profile): void {
    pushedCurrent = current;
    const linkMbps = site.linkMbps ?? data.image?.linkMbps ?? DEFAULT_LINK_MBPS;
    const imageBits = (data.image?.sizeGiB ?? 0) * 8 * 1024 ** 3;
    const ownLink = site.linkMbps !== undefined;
    if (imageBits / linkMbps > maxDownloadBits && (ownLink || !imageTooLarge.has(linkMbps)))
      bag.add({
        ...(site.linkMbps !== undefined ? site.at("linkMbps") : diagnosticAt(yaml, ["image", "sizeGiB"], "")),
        message: `downloading the ${data.image?.sizeGiB} GiB image over ${linkMbps} Mbps takes more than a year (site "${site.name}")`,
      });
    // Said once at image.sizeGiB for every site on the file's link, not once per site.
    if (!ownLink) imageTooLarge.add(linkMbps);
    const shapeText = site.shape ?? defaultShape;
    let nodes = shapeNodes.get(shapeText);
    if (!nodes) {
      const shape = SHAPE_PATTERN.exec(shapeText);
      nodes = { controlPlanes: Number(shape?.[1] ?? 1), workers: Number(shape?.[2] ?? 3) };
      shapeNodes.set(shapeText, nodes);
    }
    const { controlPlanes, workers } = nodes;
    if (controlPlanes < 1 || controlPlanes > 100 || workers > 10_000)
      bag.add({ ...site.at("shape"), message: "a site has 1..100 control planes and at most 10000 workers" });
    let window = defaultWindow;
    for (const o of overrides) {
      if (o.labels.every(([k, v]) => site.labels[k] === v)) window = o.window;
    }
    if (site.window !== undefined) window = parseWindowAt(site.window, () => site.at("window"));
    const own = siteOwn(site, controlPlanes, current);
    const kind: SiteKind = {
      profile: current.name,
      update: update.name,
      controlPlanes,
      workers,
      timeZone: canonicalZone(site.timeZone),
      window: window ?? { text: "always", rules: [] },
      linkMbps,
    };
    const made = siteRecord(kind, site.name, sites.length, site.labels, site.localRegistry ?? false);
    if (site.variables !== undefined) made.variables = site.variables;
    if (own) made.own = own;
    sites.push(made);
  }
  /**
   * A site's delivery mode and two-node HA: its own (`mode`, `twoNode` in the inventory) over the plan's
   * `cluster.mode` and `cluster.twoNode`. A two-node site is checked as a scenario's cluster is
   * (`twoNodeProblems`), each problem at the place that says it: the site's own field (CSV row and column,
   * or `inventory.sites[i]`), else the plan's `cluster` key, said once for all the sites it applies to.
   */
  function siteOwn(site: RawSite, controlPlanes: number, current: Profile): SiteOwn | undefined {
    const mode = site.mode ?? data.cluster?.mode;
    const given = site.twoNode ?? data.cluster?.twoNode;
    const twoNode: TwoNode | undefined =
      given === undefined || given === false
        ? undefined
        : { leader: given === true ? DEFAULT_TWO_NODE_LEADER : given.leader };
    if (twoNode) {
      const placeOf = (
        key: "controlPlanes" | "mode" | "twoNode",
      ): Omit<Diagnostic, "message"> | undefined => {
        if (key === "controlPlanes" && site.shape !== undefined) return site.at("shape");
        // The plan's shape made two-node by the site's own `twoNode`: said at the site's field.
        if (key === "controlPlanes" && site.twoNode !== undefined) return site.at("twoNode");
        if (key === "mode" && site.mode !== undefined) return site.at("mode");
        if (key === "twoNode" && site.twoNode !== undefined) return site.at("twoNode");
        return undefined;
      };
      for (const problem of twoNodeProblems({ controlPlanes, mode, distribution: current })) {
        // The site's own field, else the plan's key: `cluster.shape` (or `cluster.twoNode` when the shape is
        // the default), `cluster.mode`, `cluster.twoNode`.
        const key =
          problem.key === "controlPlanes" && data.cluster?.shape === undefined ? "twoNode" : problem.key;
        const place: Omit<Diagnostic, "message"> =
          placeOf(problem.key) ??
          diagnosticAt(yaml, ["cluster", key === "controlPlanes" ? "shape" : key], "");
        const id = `${place.file}:${place.line}:${place.col}:${place.path}\u0000${problem.message}`;
        const said = twoNodeSaid.get(id);
        if (said) said.sites.push(site.name);
        else twoNodeSaid.set(id, { place, message: problem.message, sites: [site.name] });
      }
    }
    if (mode === undefined && twoNode === undefined) return undefined;
    return { ...(mode !== undefined ? { mode } : {}), ...(twoNode ? { twoNode } : {}) };
  }
  for (const { place, message, sites: names } of twoNodeSaid.values()) {
    const shown = names
      .slice(0, 3)
      .map((n) => JSON.stringify(n))
      .join(", ");
    const more = names.length > 3 ? ` and ${names.length - 3} more` : "";
    bag.add({ ...place, message: `${message} (${names.length === 1 ? "site" : "sites"} ${shown}${more})` });
  }

  // Fault rates.
  const rateAt = (value: number | undefined, path: YamlPath): number => {
    if (value === undefined) return 0;
    if (!(value >= 0 && value <= 1)) at(path, `a probability between 0 and 1, got ${value}`);
    return value;
  };
  const f = data.faults ?? {};
  const faults: Faults = {
    nodeActionFailure: rateAt(f.nodeActionFailure, ["faults", "nodeActionFailure"]),
    agentRestart: rateAt(f.agentRestart, ["faults", "agentRestart"]),
  };
  if (f.kubernetesOutage) {
    const probability = rateAt(f.kubernetesOutage.probability, ["faults", "kubernetesOutage", "probability"]);
    const minMs = parseDuration(f.kubernetesOutage.duration.min) ?? 0;
    const maxMs = parseDuration(f.kubernetesOutage.duration.max) ?? 0;
    if (minMs > maxMs) at(["faults", "kubernetesOutage", "duration"], "min is greater than max");
    faults.kubernetesOutage = { probability, minMs, maxMs };
  }

  // Strategies.
  const specs: [string, StrategySpec, YamlPath][] = [];
  if (data.strategy) specs.push(["strategy", data.strategy, ["strategy"]]);
  for (const [name, spec] of Object.entries(data.strategies ?? {}))
    specs.push([name, spec, ["strategies", name]]);
  if (specs.length === 0) at([], "a fleet plan needs `strategy:` (or `strategies:`)");
  if (data.strategy && data.strategies) at(["strategies"], "give `strategy` or `strategies`, not both");
  const strategies = specs.map(([name, spec, path]): Strategy => {
    if ((spec.waves === undefined) === (spec.palette === undefined)) {
      at(path, "a strategy has `waves:` or `palette:` (a cluster template), one of them");
      return { name, waves: [], pauses: [], unselected: [] };
    }
    if (spec.palette === undefined) return resolveStrategy(name, spec, path, sites, startMs ?? 0, yaml, bag);
    if (spec.pauses !== undefined)
      at([...path, "pauses"], "`pauses` are for waves; a template rolls in its policy's windows");
    const template = resolveTemplate(
      spec.palette,
      [...path, "palette"],
      sites,
      startMs ?? 0,
      windowsSpec.horizon !== undefined ? horizonMs : undefined,
      yaml,
      bag,
      load,
    );
    let deadlineMs: number | undefined;
    if (spec.deadline !== undefined) {
      deadlineMs = parseInstant(spec.deadline);
      if (deadlineMs === undefined)
        at([...path, "deadline"], `"${spec.deadline}" is not an ISO 8601 date-time`);
    }
    return {
      name,
      waves: [],
      ...(deadlineMs !== undefined ? { deadlineMs } : {}),
      pauses: [],
      unselected: [],
      template,
    };
  });
  checkSiteVariables(
    raw.filter((r) => r.variables !== undefined).map((r) => ({ ...r, profile: r.profile ?? "" })),
    [...profiles.values()].map((p) => p.profile),
    bag,
  );
  let businessHours: MaintenanceWindow | undefined;
  if (data.businessHours !== undefined) {
    const parsed = parseWindow(data.businessHours);
    if (parsed.ok && parsed.value.rules.length > 0) businessHours = parsed.value;
    else
      at(
        ["businessHours"],
        parsed.ok ? "business hours need days and hours, e.g. Mon-Fri 09:00-17:00" : parsed.error,
      );
  }

  const expect = (data.expect ?? {}) as LoadedFleetPlan["expect"];
  for (const name of Object.keys(expect.strategies ?? {})) {
    if (!specs.some(([n]) => n === name))
      at(
        ["expect", "strategies", name],
        `no strategy "${name}" (strategies: ${specs.map(([n]) => n).join(", ")})`,
      );
  }
  if (expect.slower) {
    for (const key of ["than", "strategy"] as const)
      if (!specs.some(([n]) => n === expect.slower?.[key]))
        at(["expect", "slower", key], `no strategy "${expect.slower[key]}"`);
  }
  // The instants `versionEverywhereBy` is checked against (the plan's own, and each strategy's).
  const instantsAt = (e: PlanExpect, path: YamlPath) => {
    const list = e.versionEverywhereBy;
    if (list === undefined) return;
    const many = Array.isArray(list);
    (many ? list : [list]).forEach((want, i) => {
      for (const key of ["by", "notBefore"] as const) {
        const text = want[key];
        if (text === undefined || parseInstant(text) !== undefined) continue;
        at(
          [...path, "versionEverywhereBy", ...(many ? [i] : []), key],
          `"${text}" is not an ISO 8601 date-time (e.g. 2026-12-13T04:00Z)`,
        );
      }
    });
  };
  instantsAt(expect, ["expect"]);
  for (const [name, e] of Object.entries(expect.strategies ?? {})) {
    instantsAt(e, ["expect", "strategies", name]);
    // One strategy's checks have no other strategy to compare it with: nothing would check it here.
    if (e.slower)
      at(
        ["expect", "strategies", name, "slower"],
        "slower compares two strategies: give it once, at expect.slower",
      );
  }
  if (expect.deadlineMet) rateAt(expect.deadlineMet.probability, ["expect", "deadlineMet", "probability"]);
  const timings = parseTimings(data.cluster?.timings, (path, message) =>
    at(["cluster", "timings", ...path], message),
  );
  const timingClasses = parseTimingClasses(data.cluster?.classes ?? [], yaml, ["cluster", "classes"], bag);
  assignClasses(sites, timingClasses);
  bag.throwIfAny();

  return {
    name: data.name,
    file: yaml.file,
    ...(data.description !== undefined ? { description: data.description } : {}),
    seed,
    startMs: startMs ?? 0,
    startFrom: options.start !== undefined ? "option" : data.start !== undefined ? "file" : "default",
    trials: options.trials ?? data.trials ?? 1,
    sites,
    strategies,
    windowMode: windowsSpec.mode ?? "fits",
    horizonMs,
    imageGiB: data.image?.sizeGiB ?? 0,
    ...(data.registry ? { registryGbps: data.registry.gbps } : {}),
    prefetch: data.prefetch ?? false,
    faults,
    profiles,
    rke2Quirk: data.rke2Quirk ?? true,
    ...(data.cluster?.maxUnavailable !== undefined ? { maxUnavailable: data.cluster.maxUnavailable } : {}),
    ...(data.cluster?.retries !== undefined ? { retries: data.cluster.retries } : {}),
    timings,
    ...(timingClasses.length > 0 ? { timingClasses } : {}),
    expect,
    ...(businessHours ? { businessHours } : {}),
  };
}

/** What the sites of a kind share: a site's record but its name, index, labels and registry. */
type SiteKind = Pick<
  Site,
  "profile" | "update" | "controlPlanes" | "workers" | "timeZone" | "window" | "linkMbps"
>;

/**
 * A site's record, every site's keys in one order: a literal without spreads (a spread makes each
 * site's object the slow way); the optional keys are added after it. The loader makes every site here,
 * the sites of a generated kind from the first one's record.
 */
function siteRecord(
  kind: SiteKind,
  name: string,
  index: number,
  labels: Record<string, string>,
  localRegistry: boolean,
): Site {
  return {
    name,
    index,
    profile: kind.profile,
    update: kind.update,
    controlPlanes: kind.controlPlanes,
    workers: kind.workers,
    timeZone: kind.timeZone,
    window: kind.window,
    labels,
    linkMbps: kind.linkMbps,
    localRegistry,
  };
}

/** Kinds of generated site told apart at most (past it, each site is resolved on its own). */
const MAX_KINDS = 2 ** 48;

/** The kinds of generated site `lists` and `overrides` window overrides make. */
function kindCount(lists: GeneratedLists, overrides: number): number {
  return (
    (lists.mix.length + 1) *
    lists.shapes.length *
    lists.zones.length *
    ((lists.links?.length ?? 0) + 1) *
    (overrides + 1)
  );
}

/** A YAML path for a site's field when the site came from YAML (CSV sites are placed by their own diagnostics). */
function pathOf(place: Omit<Diagnostic, "message">, fallback: YamlPath): YamlPath {
  if (!place.path || place.path.startsWith("row ")) return fallback;
  return place.path
    .split(/\.|\[(\d+)\]/)
    .filter((p) => p !== undefined && p !== "")
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

function resolveStrategy(
  name: string,
  spec: StrategySpec,
  path: YamlPath,
  sites: readonly Site[],
  startMs: number,
  yaml: YamlFile,
  bag: DiagnosticBag,
): Strategy {
  const at = (p: YamlPath, message: string) => bag.add(diagnosticAt(yaml, [...path, ...p], message));
  // The wave that took each site, by its place in the spec (-1: none yet): a million sites, so no map.
  const takenBy = new Int32Array(sites.length).fill(-1);
  /** Sites some wave took. */
  let taken = 0;
  const takenIn = (s: number) => spec.waves?.[takenBy[s] as number]?.name;
  let names: Set<string> | undefined;
  const waves: Wave[] = [];
  /** The first `limit` sites no wave took yet, in inventory order (a site's index is its place). */
  const untaken = (limit = sites.length) => {
    // Made at its size and filled, not pushed to: this loop runs once over a million sites, mostly
    // before it is compiled.
    const size = Math.min(limit, sites.length - taken);
    const out: number[] = new Array(size);
    for (let s = 0, k = 0; k < size; s++) if (takenBy[s] === -1) out[k++] = s;
    return out;
  };
  const firstUntaken = (n: number) => (Number.isInteger(n) && n >= 0 ? untaken(n) : untaken().slice(0, n));
  (spec.waves ?? []).forEach((w, i) => {
    const kinds = [w.select, w.count, w.percent, w.rest].filter((k) => k !== undefined).length;
    if (kinds !== 1) {
      at(["waves", i], "a wave has exactly one of `select`, `count`, `percent`, `rest: true`");
      return;
    }
    if (waves.some((other) => other.name === w.name))
      at(["waves", i, "name"], `wave name "${w.name}" is used twice`);
    let chosen: number[] = [];
    if (w.select) {
      const labels = Object.entries(w.select.labels ?? {}).map(([k, v]) => [k, String(v)] as const);
      const selected = new Set(w.select.names ?? []);
      w.select.names?.forEach((n, j) => {
        names ??= new Set(sites.map((s) => s.name));
        if (!names.has(n)) at(["waves", i, "select", "names", j], `no site "${n}" in the inventory`);
      });
      chosen = sites
        .filter(
          (s) => (selected.size === 0 || selected.has(s.name)) && labels.every(([k, v]) => s.labels[k] === v),
        )
        .map((s) => s.index);
      const twice = chosen.filter((s) => takenBy[s] !== -1);
      if (twice.length > 0) {
        const first = sites[twice[0] as number]?.name;
        at(
          ["waves", i, "select"],
          `selects ${plural(twice.length, "site")} an earlier wave already has (${first} is in wave "${takenIn(twice[0] as number)}")`,
        );
      }
    } else if (w.count !== undefined) {
      chosen = firstUntaken(w.count);
    } else if (w.percent !== undefined) {
      if (!(w.percent >= 0 && w.percent <= 100)) {
        at(["waves", i, "percent"], `a percentage between 0 and 100, got ${w.percent}`);
        return;
      }
      chosen = firstUntaken(Math.max(1, Math.round((sites.length * w.percent) / 100)));
    } else {
      chosen = untaken();
    }
    if (chosen.length === 0 && sites.length > 0) at(["waves", i], `wave "${w.name}" selects no site`);
    for (let c = 0; c < chosen.length; c++) {
      const s = chosen[c] as number;
      if (takenBy[s] === -1) {
        takenBy[s] = i;
        taken++;
      }
    }
    const budget =
      w.failureBudget === undefined
        ? undefined
        : resolveBudget(w.failureBudget, chosen.length, (m) => at(["waves", i, "failureBudget"], m));
    const resumeAtMs = w.resumeAt !== undefined ? parseInstant(w.resumeAt) : undefined;
    if (w.resumeAt !== undefined && resumeAtMs === undefined)
      at(["waves", i, "resumeAt"], `"${w.resumeAt}" is not an ISO 8601 date-time`);
    waves.push({
      name: w.name,
      sites: chosen,
      concurrency: w.concurrency,
      ...(budget !== undefined ? { failureBudget: budget } : {}),
      soakMs: w.soak !== undefined ? (parseDuration(w.soak) ?? 0) : 0,
      ...(resumeAtMs !== undefined ? { resumeAtMs } : {}),
    });
  });
  let deadlineMs: number | undefined;
  if (spec.deadline !== undefined) {
    deadlineMs = parseInstant(spec.deadline);
    if (deadlineMs === undefined) at(["deadline"], `"${spec.deadline}" is not an ISO 8601 date-time`);
    else if (deadlineMs <= startMs) at(["deadline"], `the deadline ${spec.deadline} is not after the start`);
  }
  const pauses = (spec.pauses ?? []).flatMap((p, i) => {
    const fromMs = parseInstant(p.from);
    const untilMs = parseInstant(p.until);
    if (fromMs === undefined) at(["pauses", i, "from"], `"${p.from}" is not an ISO 8601 date-time`);
    if (untilMs === undefined) at(["pauses", i, "until"], `"${p.until}" is not an ISO 8601 date-time`);
    if (fromMs === undefined || untilMs === undefined) return [];
    if (untilMs <= fromMs) at(["pauses", i], "`until` is not after `from`");
    return [{ fromMs, untilMs, ...(p.reason !== undefined ? { reason: p.reason } : {}) }];
  });
  return { name, waves, ...(deadlineMs !== undefined ? { deadlineMs } : {}), pauses, unselected: untaken() };
}

function resolveBudget(
  value: number | string,
  size: number,
  problem: (message: string) => void,
): number | undefined {
  if (typeof value === "number") return value;
  const match = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value);
  if (!match) {
    problem(`a count (3) or a percentage (5%), got "${value}"`);
    return undefined;
  }
  const percent = Number(match[1]);
  if (percent > 100) {
    problem(`a percentage between 0 and 100, got ${value}`);
    return undefined;
  }
  return Math.floor((size * percent) / 100);
}

/** The bundled profiles folder (scenarios/profiles), two levels up from src/fleet and dist/fleet. */
export function bundledProfiles(): string {
  return new URL("../../scenarios/profiles/", import.meta.url).pathname;
}
