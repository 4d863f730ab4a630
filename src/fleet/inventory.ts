import { parse } from "csv-parse/sync";
import type { Diagnostic } from "../shared/diagnostics.js";
import { hashSeed, hashSeedFinish, hashSeedStart } from "../shared/hash.js";
import { Rng } from "../shared/rng.js";
import { DELIVERY_MODES, type DeliveryMode, type Distribution, isDeliveryMode } from "../shared/types.js";
import type { GenerateSpec } from "./schema.js";
import { SHAPE_PATTERN } from "./schema.js";

/** A site as written (YAML, CSV or generated), before profiles, zones and windows are resolved. */
export interface RawSite {
  name: string;
  profile?: string;
  /** When generated: the distribution whose `from`/`update` the site takes. */
  distribution?: Distribution;
  shape?: string;
  timeZone: string;
  window?: string;
  labels: Record<string, string>;
  linkMbps?: number;
  localRegistry?: boolean;
  /** Profile variable values (`key=value;…` in a CSV). */
  variables?: Record<string, string>;
  /** The site's delivery mode, over the plan's `cluster.mode`. */
  mode?: DeliveryMode;
  /** Two-node HA, over the plan's `cluster.twoNode` (false: not two-node, whatever the plan says). */
  twoNode?: boolean | { leader: string };
  /** Where a field of this site stands, for diagnostics. */
  at: (field: string) => Omit<Diagnostic, "message">;
}

export const CSV_COLUMNS = [
  "name",
  "profile",
  "shape",
  "timeZone",
  "window",
  "labels",
  "linkMbps",
  "localRegistry",
  "variables",
  "mode",
  "twoNode",
] as const;
const REQUIRED_COLUMNS = ["name", "timeZone"] as const;

/**
 * Reads an inventory exported from a CMDB or a spreadsheet. The first row names the columns (any
 * order; `name` and `timeZone` required, the others of `CSV_COLUMNS` optional); labels are
 * `key=value` pairs separated by `;`; `mode` is a delivery mode, `twoNode` yes/no or the leader (`cp-1`,
 * `cp-2`). Problems name the row (as the spreadsheet numbers it: the
 * header is row 1) and the column.
 */
export function parseInventoryCsv(text: string, file: string): { sites: RawSite[]; problems: Diagnostic[] } {
  const problems: Diagnostic[] = [];
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      bom: true,
      comment: "#",
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    const e = error as { lines?: number; column?: number; message: string };
    return {
      sites: [],
      problems: [{ file, line: e.lines ?? 1, col: 1, message: e.message.split("\n")[0] ?? "bad CSV" }],
    };
  }
  const header = records[0];
  if (!header)
    return {
      sites: [],
      problems: [{ file, line: 1, col: 1, message: "the CSV is empty: expected a header row" }],
    };
  const columns = header.record;
  columns.forEach((column, i) => {
    if (!(CSV_COLUMNS as readonly string[]).includes(column))
      problems.push({
        file,
        line: header.info.lines,
        col: i + 1,
        path: `row 1, column ${i + 1}`,
        message: `unknown column "${column}" (columns: ${CSV_COLUMNS.join(", ")})`,
      });
  });
  for (const required of REQUIRED_COLUMNS) {
    if (!columns.includes(required))
      problems.push({
        file,
        line: header.info.lines,
        col: 1,
        path: "row 1",
        message: `missing column "${required}"`,
      });
  }
  if (problems.length > 0) return { sites: [], problems };
  const sites: RawSite[] = [];
  records.slice(1).forEach(({ record, info }, r) => {
    const row = r + 2;
    const at = (field: string) => {
      const col = columns.indexOf(field);
      return { file, line: info.lines, col: col >= 0 ? col + 1 : 1, path: `row ${row}, column ${field}` };
    };
    if (record.length < columns.length) {
      const missing = columns.slice(record.length);
      problems.push({
        ...at(missing[0] as string),
        message: `row ${row} has ${record.length} of ${columns.length} columns: missing ${missing.join(", ")}`,
      });
      return;
    }
    if (record.length > columns.length) {
      problems.push({
        ...at(columns[0] as string),
        message: `row ${row} has ${record.length} columns, the header ${columns.length}`,
      });
      return;
    }
    const value = (field: string) => {
      const i = columns.indexOf(field);
      const v = i >= 0 ? record[i] : undefined;
      return v === undefined || v === "" ? undefined : v;
    };
    const name = value("name");
    const timeZone = value("timeZone");
    if (!name) problems.push({ ...at("name"), message: "a site needs a name" });
    if (!timeZone) problems.push({ ...at("timeZone"), message: "a site needs a time zone" });
    const labels: Record<string, string> = {};
    for (const pair of (value("labels") ?? "").split(";")) {
      if (pair.trim() === "") continue;
      const eq = pair.indexOf("=");
      if (eq <= 0) problems.push({ ...at("labels"), message: `label "${pair}" is not key=value` });
      else labels[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
    }
    const variables: Record<string, string> = {};
    for (const pair of (value("variables") ?? "").split(";")) {
      if (pair.trim() === "") continue;
      const eq = pair.indexOf("=");
      if (eq <= 0) problems.push({ ...at("variables"), message: `variable "${pair}" is not name=value` });
      else variables[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
    }
    const link = value("linkMbps");
    const linkMbps = link === undefined ? undefined : Number(link);
    if (linkMbps !== undefined && !(linkMbps > 0 && Number.isFinite(linkMbps)))
      problems.push({ ...at("linkMbps"), message: `linkMbps must be a number above 0, got "${link}"` });
    const local = value("localRegistry");
    let localRegistry: boolean | undefined;
    if (local !== undefined) {
      if (/^(yes|true|1|y)$/i.test(local)) localRegistry = true;
      else if (/^(no|false|0|n)$/i.test(local)) localRegistry = false;
      else problems.push({ ...at("localRegistry"), message: `localRegistry is yes or no, got "${local}"` });
    }
    const modeText = value("mode");
    let mode: DeliveryMode | undefined;
    if (modeText !== undefined) {
      if (isDeliveryMode(modeText)) mode = modeText;
      else
        problems.push({
          ...at("mode"),
          message: `mode must be one of ${DELIVERY_MODES.join(", ")} (got ${JSON.stringify(modeText)})`,
        });
    }
    const twoNodeText = value("twoNode");
    let twoNode: RawSite["twoNode"];
    if (twoNodeText !== undefined) {
      if (/^(yes|true|1|y)$/i.test(twoNodeText)) twoNode = true;
      else if (/^(no|false|0|n)$/i.test(twoNodeText)) twoNode = false;
      else if (/^cp-[12]$/i.test(twoNodeText)) twoNode = { leader: twoNodeText.toLowerCase() };
      else
        problems.push({
          ...at("twoNode"),
          message: `twoNode is yes, no or the leader (cp-1 or cp-2), got ${JSON.stringify(twoNodeText)}`,
        });
    }
    const shape = value("shape");
    if (shape !== undefined && !SHAPE_PATTERN.test(shape))
      problems.push({
        ...at("shape"),
        message: `shape must be CONTROL_PLANES+WORKERS (e.g. 1+3), got "${shape}"`,
      });
    const profile = value("profile");
    const window = value("window");
    sites.push({
      name: name ?? "",
      timeZone: timeZone ?? "",
      labels,
      ...(profile !== undefined ? { profile } : {}),
      ...(shape !== undefined ? { shape } : {}),
      ...(window !== undefined ? { window } : {}),
      ...(linkMbps !== undefined ? { linkMbps } : {}),
      ...(localRegistry !== undefined ? { localRegistry } : {}),
      ...(Object.keys(variables).length > 0 ? { variables } : {}),
      ...(mode !== undefined ? { mode } : {}),
      ...(twoNode !== undefined ? { twoNode } : {}),
      at,
    });
  });
  return { sites, problems };
}

export { hashSeed };

const NO_LABELS: Record<string, string> = Object.freeze({});

export const DEFAULT_ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"];

/** The lists a generated inventory draws from (the spec's, else their defaults). */
export interface GeneratedLists {
  /** The distributions with a weight above 0 (none: every site k3s). */
  mix: [Distribution, number][];
  shapes: readonly string[];
  zones: readonly string[];
  links?: readonly number[];
}

export function generatedLists(spec: GenerateSpec): GeneratedLists {
  const mix = Object.entries(spec.mix ?? { k3s: 1 }).filter(([, w]) => (w ?? 0) > 0) as [
    Distribution,
    number,
  ][];
  return {
    mix,
    shapes: spec.shapes ?? ["1+3"],
    zones: spec.timeZones ?? DEFAULT_ZONES,
    ...(spec.linkMbps ? { links: spec.linkMbps } : {}),
  };
}

/**
 * What is drawn for one generated site, each list's pick also as its index in `GeneratedLists`. One
 * object serves every site in turn: a reader keeps what it needs before the next site is drawn.
 */
export interface GeneratedDraw {
  name: string;
  distribution: Distribution;
  /** In `mix` (-1: the mix is empty). */
  mixIndex: number;
  /** In `shapes` (drawn even when the spec has no `shapes`). */
  shapeIndex: number;
  zoneIndex: number;
  /** In `links` (-1: the spec has no `linkMbps`). */
  linkIndex: number;
  labels: Record<string, string>;
  localRegistry: boolean;
}

/**
 * Draws a what-if inventory's sites in order: `clusters` sites named `<prefix>-00001…`, each drawn from
 * its own seed (the fleet's seed and its name), so site 17 is the same site whatever the size of the
 * fleet. `visit` gets each site's draws (`index` from 0) in one object it must not keep.
 */
export function drawGenerated(
  spec: GenerateSpec,
  seed: number,
  lists: GeneratedLists,
  visit: (draw: GeneratedDraw, index: number) => void,
): void {
  const { mix, shapes, zones, links } = lists;
  const total = mix.reduce((sum, [, w]) => sum + w, 0);
  const prefix = spec.prefix ?? "site";
  const width = Math.max(5, String(spec.clusters).length);
  // Per site only what is drawn: the rest is worked out once (a million sites load in a second or less).
  const labelDraws = Object.entries(spec.labels ?? {});
  const registryShare = spec.localRegistry ?? 0;
  // Each site's seed is hashSeed(seed, "generate", name): the shared start hashed once.
  const start = hashSeedStart(seed, "generate");
  const rng = new Rng(0);
  const draw: GeneratedDraw = {
    name: "",
    distribution: "k3s",
    mixIndex: -1,
    shapeIndex: 0,
    zoneIndex: 0,
    linkIndex: -1,
    labels: NO_LABELS,
    localRegistry: false,
  };
  // A name is the prefix and the site's number padded to `width` digits (at least 5). Made as the text of
  // the number's thousands, kept for a thousand sites, then its last three digits: one string made per
  // site rather than three (a number's text, padded, then prefixed), the same text.
  const lastDigits = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, "0"));
  let thousands = "";
  for (let i = 1; i <= spec.clusters; i++) {
    const low = i % 1000;
    if (low === 0 || i === 1)
      thousands = `${prefix}-${String(Math.floor(i / 1000)).padStart(width - 3, "0")}`;
    const name = thousands + (lastDigits[low] as string);
    rng.reseed(hashSeedFinish(start, name));
    let pick = rng.next() * total;
    let mixIndex = mix.length > 0 ? 0 : -1;
    for (let m = 0; m < mix.length; m++) {
      const w = (mix[m] as [Distribution, number])[1];
      if (pick < w) {
        mixIndex = m;
        break;
      }
      pick -= w;
    }
    // Sites without labels share one empty record: a million sites, a million objects fewer.
    const labels: Record<string, string> = spec.labels ? {} : NO_LABELS;
    for (const [key, values] of labelDraws)
      labels[key] = values[indexOf(values.length, rng.next())] as string;
    draw.localRegistry = rng.next() < registryShare;
    draw.shapeIndex = indexOf(shapes.length, rng.next());
    draw.zoneIndex = indexOf(zones.length, rng.next());
    draw.linkIndex = links ? indexOf(links.length, rng.next()) : -1;
    draw.name = name;
    draw.mixIndex = mixIndex;
    draw.distribution = mixIndex >= 0 ? (mix[mixIndex] as [Distribution, number])[0] : "k3s";
    draw.labels = labels;
    visit(draw, i - 1);
  }
}

/** The index in a list of `length` items a draw in [0, 1) picks. */
function indexOf(length: number, draw: number): number {
  return Math.floor(draw * length);
}

/** A generated site as the loader reads any site. */
export function generatedSite(
  draw: GeneratedDraw,
  lists: GeneratedLists,
  hasShapes: boolean,
  at: (field: string) => Omit<Diagnostic, "message">,
): RawSite {
  // One shape for every site (absent fields undefined, which every reader takes as not given).
  return {
    name: draw.name,
    distribution: draw.distribution,
    shape: hasShapes ? lists.shapes[draw.shapeIndex] : undefined,
    timeZone: lists.zones[draw.zoneIndex] as string,
    labels: draw.labels,
    linkMbps: lists.links ? lists.links[draw.linkIndex] : undefined,
    localRegistry: draw.localRegistry,
    at,
  };
}

/**
 * A what-if inventory: `clusters` sites named `<prefix>-00001…`, each drawn from its own seed (the
 * fleet's seed and its name), so site 17 is the same site whatever the size of the fleet.
 */
export function generateInventory(
  spec: GenerateSpec,
  seed: number,
  at: (field: string) => Omit<Diagnostic, "message">,
): RawSite[] {
  const lists = generatedLists(spec);
  const hasShapes = spec.shapes !== undefined;
  const sites: RawSite[] = new Array(spec.clusters);
  drawGenerated(spec, seed, lists, (draw, index) => {
    sites[index] = generatedSite(draw, lists, hasShapes, at);
  });
  return sites;
}
