import { diffProfiles, diffValues } from "../profile/diff.js";
import { type MacroRef, transitiveReferences } from "../profile/macros.js";
import type { LayerDiff, LeafChange, Mapping, Profile, ProfileDiff, Value } from "../profile/types.js";
import { yamlTextMapping } from "../profile/values.js";
import { plural } from "../shared/plural.js";
import {
  type DeliveryMode,
  type LayerName,
  mostDisruptive,
  SERVICES,
  type Service,
} from "../shared/types.js";
import { varied } from "../shared/variation.js";
import { matchPath, matchSpecial, pathSegments, type RuleSet, ruleSet } from "./match.js";
import { DISTRIBUTION_CHANGE_RULE, LAYER_PRESENCE_RULE, type Rule, UNCLASSIFIED_RULE } from "./table.js";
import type { Plan, PlannedChange, PlanOptions, Unsupported } from "./types.js";

/** What a macro in the uri names. */
export type UriReference = MacroRef;

const URI_PATH = "options.system.uri";
const URI_SEGMENTS = ["options", "system", "uri"];

/** Says what updating a cluster from profile `from` to `to` does, change by change, and why. */
export function planUpdate(from: Profile, to: Profile, options: PlanOptions = {}): Plan {
  const uriReferences = varied("uri-macros-off") ? [] : [...uriReferencesOf(from), ...uriReferencesOf(to)];
  return classifyDiff(diffProfiles(from, to), options, uriReferences);
}

function uriReferencesOf(profile: Profile): UriReference[] {
  const os = profile.layers.find((layer) => layer.name === "os");
  if (!os || getIn(os.rawValues, URI_SEGMENTS) === undefined) return [];
  return transitiveReferences(profile, "os", URI_PATH);
}

/**
 * Classifies a diff. `uriReferences` are the macros the OS layer's `options.system.uri` depends on
 * (transitively, on either side); values they name repave when the rendered uri changes.
 */
export function classifyDiff(
  diff: ProfileDiff,
  options: PlanOptions = {},
  uriReferences: readonly UriReference[] = [],
): Plan {
  const { from, to } = diff;
  const distribution = to.distribution;
  const uri = analyseUri(from, to, uriReferences);
  const { mode, warning: modeWarning, assumption: modeAssumption } = deliveryMode(options.mode, uri);
  const rules = ruleSet(distribution, (options.rke2Quirk ?? true) && !varied("rke2-quirk-off"), mode);
  const changes: PlannedChange[] = [];
  const unsupported: Unsupported[] = [];
  const warnings: string[] = [];

  for (const layerDiff of diff.layers) {
    classifyLayer(layerDiff, rules, uri, mode, changes, unsupported);
  }
  // Said only when the reading decided something: a Kubernetes version change.
  if (modeWarning && changes.some((c) => c.layer === "kubernetes" && c.path === "@version")) {
    warnings.push(modeWarning);
  }

  // A switched OS pack hides its leaf changes; the uri still decides whether nodes are repaved.
  if (uri.renderedChanged && !changes.some((c) => c.layer === "os" && isUriPath(c.path))) {
    changes.push(uriChange(uri, rules));
  }

  if (from.distribution !== to.distribution) {
    // Not in the reference. Another distribution means another provider image and another
    // Kubernetes: nothing on the node survives, so the conservative reading is a repave.
    changes.push({
      layer: "kubernetes",
      path: "@distribution",
      behavior: "repave",
      rule: DISTRIBUTION_CHANGE_RULE,
      reason: `the distribution changes from ${from.distribution} to ${to.distribution}; not covered by the reference, treated as repave`,
      unclassified: true,
      from: from.distribution,
      to: to.distribution,
    });
    warnings.push(
      `the distribution differs: ${from.name} is ${from.distribution}, ${to.name} is ${to.distribution}; rules for ${to.distribution} were applied`,
    );
  }

  const choices = changes.filter((c) => c.assumption !== undefined);
  if (choices.length > 0) {
    const ids = [...new Set(choices.map((c) => c.rule))];
    warnings.push(
      `${plural(choices.length, "change")} decided by edgesim's choice where the reference is silent (rules ${ids.join(", ")}); see each change's assumption`,
    );
  }
  const unclassified = changes.filter((c) => c.unclassified);
  if (unclassified.length > 0) {
    warnings.push(
      `${plural(unclassified.length, "change")} not covered by the reference, treated conservatively: ${unclassified
        .map((c) => `${c.layer}:${c.path}`)
        .join(", ")}`,
    );
  }

  const restarted = new Set<Service>(changes.flatMap((c) => c.services ?? []));
  return {
    from: from.name,
    to: to.name,
    distribution,
    mode,
    ...(modeAssumption !== undefined ? { modeAssumption } : {}),
    behavior: mostDisruptive(changes.map((c) => c.behavior)),
    changes,
    services: SERVICES.filter((service) => restarted.has(service)),
    unsupported,
    warnings: [...new Set([...from.warnings, ...to.warnings, ...warnings])],
  };
}

interface UriAnalysis {
  rawChanged: boolean;
  renderedChanged: boolean;
  renderedFrom?: Value;
  renderedTo?: Value;
  references: readonly UriReference[];
  /** Descriptions of the inputs that changed, for the reason of the uri change itself. */
  changedInputs: string[];
  /**
   * The OS layer of TO names no provider image (`options.system.uri: "NA"`): systemd-extension delivery
   * or agent mode, which a profile cannot tell apart.
   */
  uriNA: boolean;
  from: Profile;
  to: Profile;
}

function analyseUri(from: Profile, to: Profile, references: readonly UriReference[]): UriAnalysis {
  const osFrom = from.layers.find((layer) => layer.name === "os");
  const osTo = to.layers.find((layer) => layer.name === "os");
  const renderedFrom = osFrom && getIn(osFrom.values, URI_SEGMENTS);
  const renderedTo = osTo && getIn(osTo.values, URI_SEGMENTS);
  const rawFrom = osFrom && getIn(osFrom.rawValues, URI_SEGMENTS);
  const rawTo = osTo && getIn(osTo.rawValues, URI_SEGMENTS);
  const changedInputs: string[] = [];
  const seen = new Set<string>();
  for (const ref of references) {
    let description: string | undefined;
    if (ref.kind === "variable" && from.variables[ref.name] !== to.variables[ref.name]) {
      description = `variable ${ref.name}`;
    } else if (ref.kind === "kubernetes-version" && kubernetesVersion(from) !== kubernetesVersion(to)) {
      description = "the kubernetes version";
    } else if (ref.kind === "pack" && !equal(packValue(from, ref), packValue(to, ref))) {
      description = `${ref.pack}.${ref.path}`;
    }
    if (description && !seen.has(description)) {
      seen.add(description);
      changedInputs.push(description);
    }
  }
  return {
    rawChanged: !equal(rawFrom, rawTo),
    // With uri macros not rendered (a mutant of `edgesim test --mutate`), only the raw text counts.
    renderedChanged: varied("uri-macros-off") ? !equal(rawFrom, rawTo) : !equal(renderedFrom, renderedTo),
    renderedFrom,
    renderedTo,
    references,
    changedInputs,
    uriNA: typeof renderedTo === "string" && renderedTo.trim().toUpperCase() === "NA",
    from,
    to,
  };
}

/** Where uri "NA" is said to mean systemd-extension delivery. */
const NEW_CLUSTERS = "Deliver Kubernetes and Agent Binaries via systemd Extensions § New Clusters";

/**
 * The delivery mode the rules apply for. uri "NA" is written by both systemd-extension delivery (where a
 * Kubernetes upgrade repaves) and agent mode (where edgesim assumes a reboot): with no mode given, the
 * plan takes the more disruptive reading and says so; it never guesses the cheaper one.
 */
function deliveryMode(
  given: DeliveryMode | undefined,
  uri: Pick<UriAnalysis, "uriNA">,
): { mode: DeliveryMode; warning?: string; assumption?: string } {
  if (given === "appliance" && uri.uriNA) {
    return {
      mode: "sysext",
      assumption: `delivery mode appliance with options.system.uri "NA" is read as systemd-extension delivery (${NEW_CLUSTERS})`,
      warning: `delivery mode appliance with options.system.uri "NA": an appliance-mode cluster with no provider image gets Kubernetes through systemd extensions (${NEW_CLUSTERS}); planned as sysext`,
    };
  }
  if (given !== undefined) return { mode: given };
  if (!uri.uriNA) return { mode: "appliance" };
  return {
    mode: "sysext",
    assumption: `options.system.uri "NA" with no delivery mode given is read as systemd-extension delivery, the more disruptive reading (${NEW_CLUSTERS})`,
    warning:
      'options.system.uri is "NA" and no delivery mode was given: both systemd-extension delivery and agent mode write NA; planned as sysext, the more disruptive reading (a Kubernetes version change repaves every node). If the cluster runs in agent mode, plan with --mode agent (cluster.mode: agent in a scenario, mode: agent for a fleet site)',
  };
}

function kubernetesVersion(profile: Profile): string | undefined {
  return profile.layers.find((layer) => layer.name === "kubernetes")?.version;
}

function packValue(profile: Profile, ref: { pack: string; path: string }): Value | undefined {
  const layer = profile.layers.find((l) => l.pack === ref.pack);
  return layer && getIn(layer.values, pathSegments(ref.path));
}

function classifyLayer(
  layerDiff: LayerDiff,
  rules: RuleSet,
  uri: UriAnalysis,
  mode: DeliveryMode,
  changes: PlannedChange[],
  unsupported: Unsupported[],
): void {
  const layer = layerDiff.layer;
  if (layerDiff.fromPack === undefined || layerDiff.toPack === undefined) {
    const added = layerDiff.fromPack === undefined;
    const presence = matchSpecial(rules, layer, "@layer");
    if (presence) {
      const change = added
        ? { layer, path: "@layer", to: layerDiff.toPack }
        : { layer, path: "@layer", from: layerDiff.fromPack };
      changes.push(
        fromRule(
          presence,
          change,
          `${added ? "added" : "removed"} (${layerDiff.toPack ?? layerDiff.fromPack}): ${presence.reason}`,
        ),
      );
      return;
    }
    changes.push({
      layer,
      path: "@layer",
      behavior: "reboot",
      rule: LAYER_PRESENCE_RULE,
      reason: `layer ${added ? "added" : "removed"} (${layerDiff.toPack ?? layerDiff.fromPack}); not covered by the reference, treated as reboot (conservative)`,
      unclassified: true,
      ...(added ? { to: layerDiff.toPack } : { from: layerDiff.fromPack }),
    });
    return;
  }

  if (layerDiff.packSwitched) {
    const rule = matchSpecial(rules, layer, "@pack");
    const reason = `${layerDiff.fromPack} → ${layerDiff.toPack}: ${rule?.reason ?? notCovered(layer)}`;
    if (rule?.behavior === "unsupported") {
      unsupported.push({ layer, rule: rule.id, reason });
    } else {
      changes.push(
        fromRule(rule, { layer, path: "@pack", from: layerDiff.fromPack, to: layerDiff.toPack }, reason),
      );
    }
  } else if (layerDiff.versionChanged) {
    const change = { layer, path: "@version", from: layerDiff.fromVersion, to: layerDiff.toVersion };
    if (
      layer === "kubernetes" &&
      uri.renderedChanged &&
      uri.references.some((r) => r.kind === "kubernetes-version")
    ) {
      changes.push(uriParameterChange(rules, change, uri, "the kubernetes version"));
    } else {
      const modeKind =
        layer !== "kubernetes" || mode === "appliance"
          ? undefined
          : mode === "sysext"
            ? "@version:sysext"
            : "@version:agent-mode";
      const rule =
        (modeKind ? matchSpecial(rules, layer, modeKind) : undefined) ??
        matchSpecial(rules, layer, "@version");
      const reason = `${layerDiff.fromVersion} → ${layerDiff.toVersion}: ${rule?.reason ?? notCovered(layer)}`;
      changes.push(fromRule(rule, change, reason));
    }
  }

  for (const leaf of layerDiff.changes.flatMap(leaves)) {
    const change = { layer, path: leaf.path, from: leaf.from, to: leaf.to };
    const first = changes.length;
    if (layer === "os" && isUriPath(leaf.path)) {
      // Macros not rendered (a mutant of `edgesim test --mutate`): the uri as written did not change.
      if (!uri.rawChanged && varied("uri-macros-off")) continue;
      changes.push(uriChange(uri, rules, change));
    } else if (uri.renderedChanged && usedByUri(uri, layerDiff, leaf.path)) {
      changes.push(uriParameterChange(rules, change, uri));
    } else {
      const rule = matchPath(rules, layer, leaf.path);
      const reason = withStageNote(leaf.path, rule?.reason ?? notCovered(layer));
      const inner = innerChanges(leaf);
      if (inner === undefined) changes.push(fromRule(rule, change, reason));
      for (const c of inner ?? []) {
        const innerChange = {
          layer,
          path: leaf.path,
          ...(c.from !== undefined ? { from: c.from } : {}),
          ...(c.to !== undefined ? { to: c.to } : {}),
        };
        changes.push({ ...fromRule(rule, innerChange, reason), innerPath: c.path });
      }
    }
    for (const planned of changes.slice(first)) {
      if (planned.innerPath !== undefined) continue;
      if (leaf.fromText !== undefined && planned.from !== undefined) planned.fromText = leaf.fromText;
      if (leaf.toText !== undefined && planned.to !== undefined) planned.toText = leaf.toText;
    }
  }

  for (const manifest of layerDiff.manifestChanges) {
    const rule = matchSpecial(rules, layer, "@manifest") ?? matchPath(rules, layer, "@manifest");
    const what = manifest.kind === "changed" ? "changed" : manifest.kind;
    const change = {
      layer,
      path: `@manifest:${manifest.name}`,
      ...(manifest.from !== undefined ? { from: manifest.from } : {}),
      ...(manifest.to !== undefined ? { to: manifest.to } : {}),
    };
    changes.push(
      fromRule(rule, change, `manifest ${manifest.name} ${what}: ${rule?.reason ?? notCovered(layer)}`),
    );
  }
}

/** `stages.boot.after…`: a `.before`/`.after` stage follows the rule of its stage; the reason says so. */
function withStageNote(path: string, reason: string): string {
  const match = /^stages\.([^.[\]]+)\.(before|after)(?=[.[]|$)/.exec(path);
  if (!match) return reason;
  return `${reason} (stage ${match[1]}.${match[2]} follows the rule of stage ${match[1]})`;
}

type ChangeBase = Pick<PlannedChange, "layer" | "path" | "from" | "to">;

function fromRule(rule: Rule | undefined, change: ChangeBase, reason: string): PlannedChange {
  if (!rule || rule.behavior === "unsupported") {
    return withValues({ layer: change.layer, path: change.path }, change, {
      behavior: "reboot",
      rule: UNCLASSIFIED_RULE,
      reason,
      unclassified: true,
    });
  }
  return withValues({ layer: change.layer, path: change.path }, change, {
    behavior: rule.behavior,
    rule: rule.id,
    reason,
    unclassified: !rule.covered && rule.assumption === undefined,
    ...(rule.assumption !== undefined ? { assumption: rule.assumption } : {}),
    ...(rule.services ? { services: [...rule.services] } : {}),
  });
}

function withValues(
  head: Pick<PlannedChange, "layer" | "path">,
  change: ChangeBase,
  decision: Omit<PlannedChange, "layer" | "path" | "from" | "to">,
): PlannedChange {
  return {
    ...head,
    ...decision,
    ...(change.from !== undefined ? { from: change.from } : {}),
    ...(change.to !== undefined ? { to: change.to } : {}),
  };
}

function notCovered(_layer: LayerName): string {
  return "no row of the reference covers this path; treated as reboot (conservative)";
}

function renderedUri(uri: UriAnalysis): string {
  return `${short(uri.renderedFrom, 120)} → ${short(uri.renderedTo, 120)}`;
}

function uriParameterChange(
  rules: RuleSet,
  change: ChangeBase,
  uri: UriAnalysis,
  subject = "this value",
): PlannedChange {
  const rule = matchSpecial(rules, "os", "@uri-parameter");
  return fromRule(
    rule,
    change,
    `options.system.uri uses ${subject}: the rendered uri changes ${renderedUri(uri)}`,
  );
}

/** The uri itself: written differently → the uri row; only rendered differently → its parameters changed. */
function uriChange(uri: UriAnalysis, rules: RuleSet, change?: ChangeBase): PlannedChange {
  const base: ChangeBase = change ?? {
    layer: "os",
    path: URI_PATH,
    from: uri.renderedFrom,
    to: uri.renderedTo,
  };
  if (uri.rawChanged || !uri.renderedChanged) {
    const rule = matchPath(rules, "os", URI_PATH);
    return fromRule(rule, base, rule?.reason ?? notCovered("os"));
  }
  const rule = matchSpecial(rules, "os", "@uri-parameter");
  const inputs = uri.changedInputs.length > 0 ? ` (it uses ${uri.changedInputs.join(", ")})` : "";
  return fromRule(
    rule,
    base,
    `the uri as written is unchanged but renders differently${inputs}: a new provider image`,
  );
}

function isUriPath(path: string): boolean {
  const segments = pathSegments(path);
  return (
    segments.length >= 3 && segments[0] === "options" && segments[1] === "system" && segments[2] === "uri"
  );
}

/** True when a `.spectro.pack` macro of the uri names this layer's pack at this path (or above/below it). */
function usedByUri(uri: UriAnalysis, layerDiff: LayerDiff, path: string): boolean {
  const segments = pathSegments(path);
  for (const ref of uri.references) {
    if (ref.kind !== "pack") continue;
    if (ref.pack !== layerDiff.fromPack && ref.pack !== layerDiff.toPack) continue;
    const refSegments = pathSegments(ref.path);
    const n = Math.min(refSegments.length, segments.length);
    let same = true;
    for (let i = 0; i < n; i++) {
      if (refSegments[i] !== segments[i]) {
        same = false;
        break;
      }
    }
    if (same) return true;
  }
  return false;
}

/**
 * The keys that changed inside a string holding YAML text on both sides (`cluster.config: |`), so the
 * plan can say `cluster.config → kube-apiserver-arg[3]`; undefined when the value is not such text.
 */
function innerChanges(change: LeafChange): LeafChange[] | undefined {
  if (typeof change.from !== "string" || typeof change.to !== "string") return undefined;
  const from = yamlTextMapping(change.from);
  const to = from && yamlTextMapping(change.to);
  if (!from || !to) return undefined;
  const inner = diffValues(from, to);
  return inner.length > 0 ? inner : undefined;
}

/** A stage added or removed whole (`stages.boot.after`, no index): one change. */
function isWholeStage(change: LeafChange): boolean {
  return /^stages\.[^[\]]+$/.test(change.path) && (change.from === undefined || change.to === undefined);
}

/** A change whose value is a mapping or list is split into its leaves, so each leaf meets its own rule. */
function leaves(change: LeafChange): LeafChange[] {
  if (isWholeStage(change)) return [change];
  const fromContainer = isContainer(change.from);
  const toContainer = isContainer(change.to);
  if (!fromContainer && !toContainer) return [change];
  const out: LeafChange[] = [];
  const keys = new Set<string>();
  const collect = (value: Value | undefined) => {
    if (Array.isArray(value)) for (let i = 0; i < value.length; i++) keys.add(`[${i}]`);
    else if (isMapping(value)) for (const key of Object.keys(value)) keys.add(`.${key}`);
  };
  collect(change.from);
  collect(change.to);
  if (keys.size === 0) return [change];
  for (const key of keys) {
    const from = fromContainer ? child(change.from, key) : undefined;
    const to = toContainer ? child(change.to, key) : undefined;
    if (equal(from, to)) continue;
    const kind = from === undefined ? "added" : to === undefined ? "removed" : "changed";
    out.push(
      ...leaves({
        path: `${change.path}${key}`,
        kind,
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
      }),
    );
  }
  // A scalar replaced by a mapping (or the reverse) also changes the value at the path itself.
  if (!fromContainer && change.from !== undefined)
    out.push({ path: change.path, kind: "removed", from: change.from });
  if (!toContainer && change.to !== undefined) out.push({ path: change.path, kind: "added", to: change.to });
  return out.length > 0 ? out : [change];
}

function child(value: Value | undefined, key: string): Value | undefined {
  if (key.startsWith("[")) return Array.isArray(value) ? value[Number(key.slice(1, -1))] : undefined;
  return isMapping(value) ? value[key.slice(1)] : undefined;
}

function isMapping(value: Value | undefined): value is Mapping {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isContainer(value: Value | undefined): boolean {
  return Array.isArray(value) || isMapping(value);
}

function getIn(values: Mapping, segments: readonly string[]): Value | undefined {
  let current: Value | undefined = values;
  for (const segment of segments) {
    if (!isMapping(current)) return undefined;
    current = current[segment];
  }
  return current;
}

function equal(a: Value | undefined, b: Value | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => equal(v, b[i]));
  const ak = Object.keys(a as Mapping);
  const bm = b as Mapping;
  return ak.length === Object.keys(bm).length && ak.every((k) => equal((a as Mapping)[k], bm[k]));
}

/** A one-line rendering of a value for reasons and the text report. */
export function short(value: Value | undefined, max = 60): string {
  if (value === undefined) return "(absent)";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const line = text.replace(/\s*\n\s*/g, " ⏎ ");
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
