import type { Profile } from "../profile/types.js";
import type { Diagnostic, DiagnosticBag } from "../shared/diagnostics.js";
import { plural } from "../shared/plural.js";
import { diagnosticAt, type YamlFile, type YamlPath } from "../shared/yaml.js";
import {
  firstSundayFrom,
  type PolicySchedule,
  parseSchedule,
  type TemplateAssumptions,
} from "./template-policy.js";
import type { TemplateSpec } from "./template-schema.js";
import { parseInstant } from "./windows.js";

/** A cluster template as the engine runs it. */
export interface TemplateStrategy {
  schedules: PolicySchedule[];
  windowHours: number;
  assume: TemplateAssumptions;
  /** Index 0: the version every site starts on (the template's linked version); then the published ones. */
  versions: { name: string; atMs: number; profile: string; blockedBy?: string }[];
  upgradeNowMs: number[];
  /** No window opens after this. */
  untilMs: number;
}

/** How far past the last published version windows are looked at, when `windows.horizon` does not say. */
export const TEMPLATE_HORIZON_MS = 365 * 86_400_000;

export interface TemplateSiteView {
  name: string;
  profile: string;
  variables?: Record<string, string>;
}

/**
 * Resolves a `palette:` strategy: schedules that parse, 1..24 h windows, versions in time order at
 * distinct instants, Upgrade nows after the first version, every site on the same starting version;
 * each version's profile loaded (planned with the same rules as any other). A version using a
 * profile variable that some site has no value for (and its profile gives no default) is kept but
 * can never roll, as in Palette (cluster-templates.md, section 'Cluster Profile Variables').
 */
export function resolveTemplate(
  spec: TemplateSpec,
  path: YamlPath,
  sites: readonly TemplateSiteView[],
  startMs: number,
  horizonMs: number | undefined,
  yaml: YamlFile,
  bag: DiagnosticBag,
  load: (reference: string, path: YamlPath) => Profile | undefined,
): TemplateStrategy {
  const at = (p: YamlPath, message: string) => bag.add(diagnosticAt(yaml, [...path, ...p], message));
  const schedules: PolicySchedule[] = [];
  spec.policy.schedules.forEach((text, i) => {
    const parsed = parseSchedule(text);
    if (parsed.ok) schedules.push(parsed.value);
    else at(["policy", "schedules", i], parsed.error);
  });
  const hours = spec.policy.windowHours;
  if (!(Number.isInteger(hours) && hours >= 1 && hours <= 24))
    at(
      ["policy", "windowHours"],
      `an upgrade window lasts 1 to 24 whole hours (Palette's maintenance policy), got ${hours}`,
    );

  const first = sites[0];
  const initial = first?.profile ?? "";
  const other = sites.find((s) => s.profile !== initial);
  if (first && other)
    bag.add(
      diagnosticAt(
        yaml,
        ["inventory"],
        `a cluster template links one profile version, so every site starts on it: ${first.name} is on "${initial}", ${other.name} on "${other.profile}"`,
      ),
    );

  const versions: TemplateStrategy["versions"] = [
    { name: initial, atMs: Number.NEGATIVE_INFINITY, profile: initial },
  ];
  let previous: { atMs: number; text: string } | undefined;
  spec.versions.forEach((v, i) => {
    const atMs = parseInstant(v.at);
    if (atMs === undefined) {
      at(["versions", i, "at"], `"${v.at}" is not an ISO 8601 date-time (e.g. 2026-12-08T10:00Z)`);
      return;
    }
    if (previous && atMs < previous.atMs)
      at(
        ["versions", i, "at"],
        `published ${v.at}, before the version above it (${previous.text}): list versions in time order`,
      );
    else if (previous && atMs === previous.atMs)
      at(["versions", i, "at"], `published at the same instant as the version above it (${previous.text})`);
    previous = { atMs, text: v.at };
    const profile = load(v.profile, [...path, "versions", i, "profile"]);
    if (!profile) return;
    if (profile.name === initial || versions.some((x) => x.name === profile.name))
      at(
        ["versions", i, "profile"],
        `version "${profile.name}" is already in the template (profile names are version names)`,
      );
    const missing = unassigned(profile, sites);
    versions.push({
      name: profile.name,
      atMs,
      profile: profile.name,
      ...(missing !== undefined ? { blockedBy: missing } : {}),
    });
  });

  const firstAt = parseInstant(spec.versions[0]?.at ?? "");
  const upgradeNowMs: number[] = [];
  (spec.upgradeNow ?? []).forEach((text, i) => {
    const ms = parseInstant(text);
    if (ms === undefined) at(["upgradeNow", i], `"${text}" is not an ISO 8601 date-time`);
    else if (firstAt !== undefined && ms < firstAt)
      at(
        ["upgradeNow", i],
        `Upgrade now at ${text} is before the first version is published (${spec.versions[0]?.at})`,
      );
    else upgradeNowMs.push(ms);
  });
  upgradeNowMs.sort((a, b) => a - b);

  const a = spec.assume ?? {};
  let biweeklyFromMs = firstSundayFrom(startMs);
  if (a.biweeklyFrom !== undefined) {
    const ms = parseInstant(a.biweeklyFrom);
    if (ms === undefined) at(["assume", "biweeklyFrom"], `"${a.biweeklyFrom}" is not an ISO 8601 date-time`);
    else biweeklyFromMs = ms;
  }
  const assume: TemplateAssumptions = {
    concurrency: spec.concurrency ?? Number.POSITIVE_INFINITY,
    windowClose: a.windowClose ?? "finish",
    missingMonthDay: a.missingMonthDay ?? "skip",
    biweeklyFromMs,
    upgradeNowMs: a.upgradeNowHours !== undefined ? a.upgradeNowHours * 3_600_000 : Number.POSITIVE_INFINITY,
  };
  const last = Math.max(startMs, ...versions.slice(1).map((v) => v.atMs), ...upgradeNowMs);
  return {
    schedules,
    windowHours: hours,
    assume,
    versions,
    upgradeNowMs,
    untilMs: last + (horizonMs ?? TEMPLATE_HORIZON_MS),
  };
}

/** Why a version can never roll: a variable it uses that some site has no value for; undefined when all are Assigned. */
function unassigned(profile: Profile, sites: readonly TemplateSiteView[]): string | undefined {
  for (const name of profile.variablesUsed) {
    if (profile.variables[name] !== undefined) continue;
    const lacking = sites.filter((s) => s.variables?.[name] === undefined);
    if (lacking.length > 0)
      return `variable ${name} is not Assigned at ${plural(lacking.length, "site")} (${lacking[0]?.name}${lacking.length > 1 ? ", …" : ""})`;
  }
  return undefined;
}

/** Every variable a site gives must be one some profile of the plan declares (uses, or gives a value for). */
export function checkSiteVariables(
  sites: readonly (TemplateSiteView & { at: (field: string) => Omit<Diagnostic, "message"> })[],
  profiles: Iterable<Profile>,
  bag: DiagnosticBag,
): void {
  const declared = new Set<string>();
  for (const p of profiles) {
    for (const v of p.variablesUsed) declared.add(v);
    for (const v of Object.keys(p.variables)) declared.add(v);
  }
  for (const site of sites)
    for (const name of Object.keys(site.variables ?? {})) {
      if (declared.has(name)) continue;
      bag.add({
        ...site.at(`variables.${name}`),
        message: `site ${site.name}: no profile declares a variable "${name}"${declared.size > 0 ? ` (declared: ${[...declared].sort().join(", ")})` : " (no profile uses any)"}`,
      });
    }
}
