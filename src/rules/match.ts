import type { DeliveryMode, Distribution, LayerName } from "../shared/types.js";
import { CORE_LAYERS } from "../shared/types.js";
import { currentVariation, noteRuleApplied, variationKey } from "../shared/variation.js";
import { RULES, type Rule, type RuleLayer, ruleFor } from "./table.js";

const RULE_LAYERS: readonly RuleLayer[] = [...CORE_LAYERS, "addon"];

/** Splits `stages.boot[0].commands[1]` into `["stages", "boot", "commands"]`: rules ignore list indexes. */
export function pathSegments(path: string): string[] {
  return path
    .replace(/\[\d+\]/g, "")
    .split(".")
    .filter((segment) => segment !== "");
}

/** Segments of a rule pattern: `stages.boot.*` → `["stages", "boot"]`; `*` → `[]`. */
function patternSegments(pattern: string): string[] {
  const trimmed = pattern === "*" ? "" : pattern.endsWith(".*") ? pattern.slice(0, -2) : pattern;
  return trimmed === "" ? [] : trimmed.split(".");
}

interface CompiledRule {
  rule: Rule;
  segments: string[];
  priority: number;
}

interface LayerRules {
  /** Path rules keyed by their first segment, best first. */
  byFirstSegment: Map<string, CompiledRule[]>;
  /** Rules that match every path of the layer (`*`), best first. */
  everyPath: CompiledRule[];
  /** `@version`, `@pack`, `@uri-parameter`. */
  special: Map<string, Rule>;
}

export type RuleSet = Map<RuleLayer, LayerRules>;

const better = (a: CompiledRule, b: CompiledRule) =>
  b.priority - a.priority || b.segments.length - a.segments.length;

function compile(distribution: Distribution, rke2Quirk: boolean, mode: DeliveryMode): RuleSet {
  const set: RuleSet = new Map();
  for (const layer of RULE_LAYERS) {
    set.set(layer, { byFirstSegment: new Map(), everyPath: [], special: new Map() });
  }
  for (const listed of RULES as readonly Rule[]) {
    if (!listed.distributions.includes(distribution)) continue;
    const rule = variedRule(ruleFor(listed, distribution));
    if (rule === undefined) continue;
    if (rule.quirk === "rke2" && !rke2Quirk) continue;
    if (rule.modes !== undefined && !rule.modes.includes(mode)) continue;
    for (const layer of rule.layers) {
      const layerRules = set.get(layer);
      if (!layerRules) continue;
      if (rule.path.startsWith("@")) {
        layerRules.special.set(rule.path, rule);
        continue;
      }
      const compiled: CompiledRule = {
        rule,
        segments: patternSegments(rule.path),
        priority: rule.priority ?? 0,
      };
      const first = compiled.segments[0];
      if (first === undefined) {
        layerRules.everyPath.push(compiled);
        continue;
      }
      const bucket = layerRules.byFirstSegment.get(first) ?? [];
      bucket.push(compiled);
      layerRules.byFirstSegment.set(first, bucket);
    }
  }
  for (const layerRules of set.values()) {
    layerRules.everyPath.sort(better);
    for (const bucket of layerRules.byFirstSegment.values()) bucket.sort(better);
  }
  return set;
}

/** The rule as the variation in force has it (`edgesim test --mutate`): its behavior moved, or removed. */
function variedRule(rule: Rule): Rule | undefined {
  const variation = currentVariation();
  if (variation === undefined) return rule;
  if (variation.kind === "pack-switch-allowed" && rule.path === "@pack" && rule.behavior === "unsupported")
    return undefined;
  if (variation.kind !== "rule" || variation.rule !== rule.id) return rule;
  if (variation.behavior === "removed") return undefined;
  return { ...rule, behavior: variation.behavior };
}

const cache = new Map<string, RuleSet>();

/** The rules that apply to a distribution and delivery mode, precompiled once into a per-layer lookup. */
export function ruleSet(
  distribution: Distribution,
  rke2Quirk: boolean,
  mode: DeliveryMode = "appliance",
): RuleSet {
  const key = `${distribution}:${rke2Quirk}:${mode}:${variationKey()}`;
  let set = cache.get(key);
  if (!set) {
    set = compile(distribution, rke2Quirk, mode);
    cache.set(key, set);
  }
  return set;
}

/** The rules' name for a layer: core layers by name, every add-on layer as `addon`. */
function ruleLayer(layer: LayerName): RuleLayer | undefined {
  if (layer.startsWith("addon:")) return "addon";
  return (CORE_LAYERS as readonly string[]).includes(layer) ? (layer as RuleLayer) : undefined;
}

function startsWith(segments: string[], prefix: string[]): boolean {
  if (prefix.length > segments.length) return false;
  for (let i = 0; i < prefix.length; i++) if (segments[i] !== prefix[i]) return false;
  return true;
}

/** The most specific rule for a changed value path in a layer; undefined when none covers it. */
export function matchPath(set: RuleSet, layer: LayerName, path: string): Rule | undefined {
  const core = ruleLayer(layer);
  if (!core) return undefined;
  const layerRules = set.get(core);
  if (!layerRules) return undefined;
  const segments = pathSegments(path);
  const bucket = segments[0] === undefined ? undefined : layerRules.byFirstSegment.get(segments[0]);
  let best: CompiledRule | undefined;
  if (bucket) {
    for (const candidate of bucket) {
      if (startsWith(segments, candidate.segments)) {
        best = candidate;
        break;
      }
    }
  }
  const everyPath = layerRules.everyPath[0];
  if (everyPath && (!best || better(everyPath, best) < 0)) best = everyPath;
  if (best) noteRuleApplied(best.rule.id);
  return best?.rule;
}

/** The rule for a non-path change of a layer: `@version`, `@pack`, `@uri-parameter`. */
export function matchSpecial(set: RuleSet, layer: LayerName, kind: string): Rule | undefined {
  const core = ruleLayer(layer);
  const rule = core ? set.get(core)?.special.get(kind) : undefined;
  if (rule) noteRuleApplied(rule.id);
  return rule;
}
