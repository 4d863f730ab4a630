import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { deserialize, serialize } from "node:v8";
import { type Diagnostic, InputError } from "../shared/diagnostics.js";
import { hashSeed, hashSeedInit, hashSeedPart, hashSeedWord } from "../shared/hash.js";
import { plural } from "../shared/plural.js";
import { type AggregatePiece, combined } from "./aggregate.js";
import type { LoadedFleetPlan, Site } from "./load.js";
import type { SiteOutcome } from "./map.js";
import { OutcomeStore, type PackedOutcomes, type PackedTable, TrialTable } from "./outcome-store.js";
import {
  BulkIn,
  type BulkLayout,
  BulkOut,
  type PlacementsInPart,
  placementsIn,
  placementsOut,
  registryIn,
  registryOut,
} from "./part-bulk.js";
import type { PreparedFleet } from "./prepare.js";
import type { FleetPlanRun, SiteOutcomes, TrialRun } from "./result.js";

/**
 * A fleet run split across processes (or Kubernetes pods), one of two ways (the layout):
 *
 * - by trial (the default when there are at least as many trials as shards): shard I runs a block of the
 *   trials, every site and every strategy's schedule, and writes each trial's figures (and the first
 *   trial whole, when it is its own); `merge` only puts the figures back in trial order. Nothing is
 *   simulated or scheduled twice, so N shards cost about what one process does, and the merge little.
 * - by site (fewer trials than shards, or `--shard-by sites`): shard I simulates the sites whose name
 *   hashes to I — a stable assignment that depends on the site's name only, not on its place in the
 *   inventory or the size of the fleet — for every trial; `merge` runs the schedules over the outcomes
 *   of all the parts, so it may re-plan other waves over the same simulations.
 *
 * A part is a JSON header line (what it is, for which simulation, which shard) then its body: by site,
 * in V8's serialization (`node:v8`: typed arrays for the trials' packed outcomes, objects as they were);
 * by trial, JSON when it holds only plain values, else V8's serialization, then the first trial's
 * per-site columns (placements, packed outcomes, registry steps) as typed arrays (part-bulk.ts) — either
 * way read back exactly, so that the merge prints the same bytes as one process.
 */
export interface Shard {
  /** 0-based, as JOB_COMPLETION_INDEX counts. */
  index: number;
  count: number;
}

export const MAX_SHARDS = 10_000;

/** `--shard I/N` (I from JOB_COMPLETION_INDEX when that is set) or `--shard N` with JOB_COMPLETION_INDEX. */
export function parseShard(text: string, env: NodeJS.ProcessEnv = process.env): Shard {
  const bad = (message: string) => new InputError([{ file: "--shard", message }]);
  const match = /^\s*(?:(\d+)\s*\/\s*)?(\d+)\s*$/.exec(text);
  if (!match) throw bad(`expected I/N (shard I of N, counting from 0), got "${text}"`);
  const count = Number(match[2]);
  if (!(count >= 1 && count <= MAX_SHARDS))
    throw bad(`N is a whole number from 1 to ${MAX_SHARDS}, got ${count}`);
  const fromEnv = env.JOB_COMPLETION_INDEX;
  let index: number;
  if (fromEnv !== undefined && fromEnv !== "") {
    if (!/^\d+$/.test(fromEnv)) throw bad(`JOB_COMPLETION_INDEX is "${fromEnv}", not a whole number`);
    index = Number(fromEnv);
    if (match[1] !== undefined && Number(match[1]) !== index)
      throw bad(`says shard ${match[1]} but JOB_COMPLETION_INDEX says ${index}`);
  } else if (match[1] !== undefined) index = Number(match[1]);
  else throw bad(`"${text}" gives no shard index and JOB_COMPLETION_INDEX is not set (give I/N)`);
  if (index >= count) throw bad(`shard ${index} of ${count} does not exist (shards are 0..${count - 1})`);
  return { index, count };
}

/** How a fleet's shards divide the work: see the top of this file. */
export type ShardLayout = "trials" | "sites";

/** `--shard-by`: the layout asked for, or by trial when there are at least as many trials as shards. */
export function shardLayout(plan: Pick<LoadedFleetPlan, "trials">, shard: Shard, by?: string): ShardLayout {
  if (by === undefined) return plan.trials >= shard.count ? "trials" : "sites";
  if (by !== "trials" && by !== "sites")
    throw new InputError([{ file: "--shard-by", message: `expected trials or sites, got "${by}"` }]);
  if (by === "trials" && plan.trials < shard.count)
    throw new InputError([
      {
        file: "--shard-by",
        message: `trials: ${plural(plan.trials, "trial")} cannot be shared by ${shard.count} shards (shard by sites, or run fewer shards)`,
      },
    ]);
  return by;
}

/** The trials of shard I of N when sharded by trial: a block of consecutive trials, the blocks as even as they go. */
export function shardTrials(trials: number, shard: Shard): number[] {
  const from = Math.floor((shard.index * trials) / shard.count);
  const to = Math.floor(((shard.index + 1) * trials) / shard.count);
  return Array.from({ length: to - from }, (_, k) => from + k);
}

/** The shard a site belongs to: a hash of its name. */
export function shardOf(siteName: string, count: number): number {
  return hashSeed(0, "shard", siteName) % count;
}

/**
 * The rolled sites of one shard, in inventory order: every one, even a site no window takes — the windows
 * are the schedule's, and a merge may re-plan them.
 */
export function shardSites({ plan, rolled }: PreparedFleet, shard: Shard): number[] {
  return rolled.filter((s) => shardOf((plan.sites[s] as { name: string }).name, shard.count) === shard.index);
}

/** A text's own hash, whatever it is mixed into. */
const TEXT_SEED = hashSeedInit(0);

/**
 * The hash of each text, computed once per distinct text: a fleet's sites share their profiles, zones
 * and windows, so a site's fingerprint hashes its name's characters and mixes a few words.
 */
class TextHashes {
  private readonly known = new Map<string, number>();

  of(text: string): number {
    let h = this.known.get(text);
    if (h === undefined) {
      h = hashSeedPart(TEXT_SEED, text);
      this.known.set(text, h);
    }
    return h;
  }
}

const NUMBER = new Float64Array(1);
const NUMBER_WORDS = new Uint32Array(NUMBER.buffer);

/** A number's 64 bits into a running hash, two words. */
function mixNumber(state: number, value: number): number {
  NUMBER[0] = value;
  return hashSeedWord(hashSeedWord(state, NUMBER_WORDS[0] as number), NUMBER_WORDS[1] as number);
}

// A site's words, a function of their own: called for every site, it is optimized within the first
// sites, where a loop over the sites in a function called once waits for on-stack replacement.

/** What a site's outcome depends on: its name, profiles and shape. */
function mixSimulatedSite(state: number, site: Site, texts: TextHashes): number {
  let b = hashSeedWord(state, hashSeedPart(TEXT_SEED, site.name));
  b = hashSeedWord(b, texts.of(site.profile));
  b = hashSeedWord(b, texts.of(site.update));
  b = hashSeedWord(b, site.controlPlanes);
  return hashSeedWord(b, site.workers);
}

/** What a site's schedule depends on: its zone, window, link and registry. */
function mixScheduledSite(state: number, site: Site, texts: TextHashes): number {
  let b = hashSeedWord(state, texts.of(site.timeZone));
  b = hashSeedWord(b, texts.of(site.window.text));
  b = mixNumber(b, site.linkMbps);
  return hashSeedWord(b, site.localRegistry === true ? 1 : 0);
}

/**
 * What the outcomes depend on: the seed, the trials, the sites (names, profiles, shapes), the faults,
 * timings and the profiles' content. Not the start, the windows or the strategy: those are the
 * schedule's, so a merge may re-plan the waves over the same simulated sites.
 */
export function simulationFingerprint(plan: LoadedFleetPlan): string {
  const parts: (string | number)[] = [
    plan.seed,
    plan.trials,
    JSON.stringify(plan.faults),
    JSON.stringify(plan.timings),
    String(plan.retries),
    String(plan.maxUnavailable),
    String(plan.rke2Quirk),
  ];
  // Timing classes (a plan's, a timings file's) change sites' timings; plans without them keep their print.
  if (plan.timingClasses && plan.timingClasses.length > 0) parts.push(JSON.stringify(plan.timingClasses));
  for (const [name, p] of [...plan.profiles].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    parts.push(name, JSON.stringify({ ...p, profile: { ...p.profile, file: "" } }));
  const a = hashSeed(1, ...parts);
  let b = hashSeed(2, ...parts);
  const texts = new TextHashes();
  const { sites } = plan;
  for (let i = 0; i < sites.length; i++) b = mixSimulatedSite(b, sites[i] as Site, texts);
  // A site's own delivery mode and two-node HA change its outcome; sites without them keep the print.
  for (let i = 0; i < sites.length; i++) {
    const { own, name } = sites[i] as Site;
    if (own?.mode !== undefined || own?.twoNode !== undefined)
      b = hashSeed(b, name, own.mode ?? "", own.twoNode?.leader ?? "");
  }
  return `${a.toString(16).padStart(8, "0")}${b.toString(16).padStart(8, "0")}`;
}

/**
 * What a trial's schedules depend on besides the simulation: the start, horizon, windows, registry and
 * strategies, and each site's zone, window and link. Parts sharded by trial hold schedules already run,
 * so a merge must give them all the same; parts sharded by site do not depend on it.
 */
export function scheduleFingerprint(
  plan: LoadedFleetPlan,
  simulation: string = simulationFingerprint(plan),
): string {
  const parts: (string | number)[] = [
    simulation,
    plan.startMs,
    plan.horizonMs,
    plan.windowMode,
    String(plan.prefetch),
    String(plan.registryGbps),
    plan.imageGiB,
    String(plan.keepResults === true),
    JSON.stringify(plan.strategies),
  ];
  const a = hashSeed(3, ...parts);
  let b = hashSeed(4, ...parts);
  const texts = new TextHashes();
  const { sites } = plan;
  for (let i = 0; i < sites.length; i++) b = mixScheduledSite(b, sites[i] as Site, texts);
  return `${a.toString(16).padStart(8, "0")}${b.toString(16).padStart(8, "0")}`;
}

/**
 * The version of the part format: header line then the body (1 was NDJSON lines; 2 wrote the first
 * trial's outcomes as (site, outcome) entries, 3 a packed table's typed arrays in base64 and its
 * placements as objects; 4 writes the first trial's per-site columns as typed arrays after the body;
 * 5 the same, its fingerprints mixing each site's words, the texts its sites share hashed once).
 */
const PART_FORMAT = 5;

interface PartHeader {
  edgesimFleetPart: number;
  fleet: string;
  layout: ShardLayout;
  fingerprint: string;
  /** Parts sharded by trial: the schedules' fingerprint too. */
  schedule?: string;
  shard: number;
  shards: number;
  trials: number;
  /** Sharded by site: the sites in the part (each for every trial). */
  sites?: number;
  /** Sharded by trial: the part's trials, from (inclusive) to (exclusive). */
  from?: number;
  to?: number;
  /** The body's encoding: V8's serialization unless said (a trial part of plain values is JSON). */
  body?: "json";
  /** A JSON body holds marked non-finite numbers (restored when read); absent when it holds none. */
  nonFinite?: true;
  /** Sharded by trial: the bulk section after the body (the first trial's columns, when the part has it). */
  bulk?: BulkLayout;
}

/** Sharded by site: the shard's sites (inventory indices) and, per trial, their outcomes in that order. */
interface SitesBody {
  sites: Int32Array;
  trials: ({ full: SiteOutcome[] } | PackedOutcomes)[];
}

function headerOf(plan: LoadedFleetPlan, shard: Shard, layout: ShardLayout): PartHeader {
  const fingerprint = simulationFingerprint(plan);
  return {
    edgesimFleetPart: PART_FORMAT,
    fleet: plan.name,
    layout,
    fingerprint,
    ...(layout === "trials" ? { schedule: scheduleFingerprint(plan, fingerprint) } : {}),
    shard: shard.index,
    shards: shard.count,
    trials: plan.trials,
  };
}

/** A part of a fleet sharded by site: the header, then its sites' outcomes, every trial. */
export function sitePartPieces(
  plan: LoadedFleetPlan,
  shard: Shard,
  store: OutcomeStore,
  sites: readonly number[],
): Uint8Array[] {
  const body: SitesBody = { sites: Int32Array.from(sites), trials: [] };
  for (let trial = 0; trial < plan.trials; trial++) {
    const table = store.table(trial);
    if (table.inFull) {
      body.trials.push({ full: sites.map((s) => table.get(s) as SiteOutcome) });
      continue;
    }
    const packed: PackedOutcomes = {
      codes: new Uint8Array(sites.length),
      durations: new Float64Array(sites.length),
      disrupted: new Float64Array(sites.length),
    };
    table.packInto(sites, packed);
    body.trials.push(packed);
  }
  const header = { ...headerOf(plan, shard, "sites"), sites: sites.length };
  return [Buffer.from(`${JSON.stringify(header)}\n`), serialize(body)];
}

/** A part of a fleet sharded by trial: the header, then its trials' figures (the first trial's run whole). */
export function trialPartPieces(
  plan: LoadedFleetPlan,
  shard: Shard,
  trials: readonly number[],
  piece: AggregatePiece,
): Uint8Array[] {
  const from = trials[0] ?? 0;
  const header: PartHeader = { ...headerOf(plan, shard, "trials"), from, to: from + trials.length };
  // The first trial's per-site columns go to the bulk section; read back the same way (trialPiece).
  const bulk = new BulkOut();
  const plain = {
    ...piece,
    strategies: piece.strategies.map((s) => (s.first ? { ...s, first: firstForPart(s.first, bulk) } : s)),
  };
  const withBulk = (body: Uint8Array): Uint8Array[] => {
    const section = bulk.finish(body.byteLength);
    header.bulk = section.layout;
    return [Buffer.from(`${JSON.stringify(header)}\n`), body, ...section.pieces];
  };
  // JSON reads back about three times faster than V8's serialization, but only plain values exactly.
  const nonFinite = jsonNonFinite(plain);
  if (nonFinite) {
    header.body = "json";
    // Infinity and NaN go as marked strings (no string of the body holds the mark), then ±Infinity as
    // 1e999 and -1e999 (which JSON reads as ±Infinity); only a NaN is left marked, restored when read.
    if (nonFinite.some(([, , value]) => Number.isNaN(value))) header.nonFinite = true;
    for (const [holder, key, value] of nonFinite) holder[key] = `${NON_FINITE}${value}`;
    try {
      let text = JSON.stringify(plain);
      if (nonFinite.length > 0) {
        const mark = JSON.stringify(NON_FINITE).slice(0, -1);
        text = text.replaceAll(`${mark}Infinity"`, "1e999").replaceAll(`${mark}-Infinity"`, "-1e999");
      }
      return withBulk(Buffer.from(text));
    } finally {
      for (const [holder, key, value] of nonFinite) holder[key] = value;
    }
  }
  return withBulk(serialize(plain));
}

/** The first trial as a part holds it: its placements, registry and packed outcomes in `bulk`. */
function firstForPart(first: TrialRun, bulk: BulkOut): unknown {
  // A wave schedule's: a template's run keeps its own (few) placements whole.
  const columns = first.template === undefined;
  return {
    ...first,
    schedule: {
      ...first.schedule,
      ...(columns ? { placements: placementsOut(first.schedule.placements, bulk) } : {}),
      registry: registryOut(first.schedule.registry, bulk),
    },
    outcomes: outcomesForPart(first.outcomes, bulk),
  };
}

/**
 * A packed table as a part holds it: its typed arrays in the bulk section (in this machine's byte
 * order), each by its index there.
 */
interface TableInPart {
  trial: number;
  sites: number;
  order: number;
  codes: number;
  durations: number;
  disrupted: number;
  behaviors?: number;
  details?: PackedOutcomes["details"];
}

/** The first trial's outcomes for a part: a packed table's arrays, else (site, outcome) entries. */
function outcomesForPart(
  outcomes: SiteOutcomes,
  bulk: BulkOut,
): { table: TableInPart } | [number, SiteOutcome][] {
  if (!(outcomes instanceof TrialTable)) return [...outcomes.entries()];
  const p = outcomes.packed();
  return {
    table: {
      trial: p.trial,
      sites: p.sites,
      order: bulk.add(p.order),
      codes: bulk.add(p.codes),
      durations: bulk.add(p.durations),
      disrupted: bulk.add(p.disrupted),
      ...(p.behaviors ? { behaviors: bulk.add(p.behaviors), details: p.details } : {}),
    },
  };
}

/** A part's packed table back, or undefined when its arrays do not agree (a damaged part). */
function tableFromPart(t: TableInPart, bulk: BulkIn): TrialTable | undefined {
  const order = bulk.get(t.order, "i32");
  const n = order?.length ?? 0;
  const codes = bulk.get(t.codes, "u8", n);
  const durations = bulk.get(t.durations, "f64", n);
  const disrupted = bulk.get(t.disrupted, "f64", n);
  const behaviors = t.behaviors === undefined ? undefined : bulk.get(t.behaviors, "u8", n);
  if (!order || !codes || !durations || !disrupted || (t.behaviors !== undefined && !behaviors))
    return undefined;
  if (
    !Number.isInteger(t.trial) ||
    !Number.isInteger(t.sites) ||
    (behaviors !== undefined && !Array.isArray(t.details))
  )
    return undefined;
  const packed: PackedTable = {
    trial: t.trial,
    sites: t.sites,
    order,
    codes,
    durations,
    disrupted,
    ...(behaviors ? { behaviors, details: t.details } : {}),
  };
  for (const s of packed.order) if (!(s >= 0 && s < t.sites)) return undefined;
  for (const [k] of packed.details ?? []) if (!(Number.isInteger(k) && k >= 0 && k < n)) return undefined;
  return TrialTable.unpacked(packed);
}

/** What a non-finite number is written as in a JSON body, before the number itself. */
const NON_FINITE = "\u0000edgesim:";

type Holder = Record<string | number, unknown>;

/**
 * Where `value` holds a non-finite number (each holder, key and number), when JSON gives everything else
 * back exactly: plain objects and arrays of strings (none holding NON_FINITE), booleans, null and
 * numbers other than -0 — no undefined, Map or class instance anywhere. Undefined when JSON would not.
 */
function jsonNonFinite(value: unknown): [Holder, string | number, number][] | undefined {
  const found: [Holder, string | number, number][] = [];
  const stack: [Holder, string | number][] = [[{ value }, "value"]];
  while (stack.length > 0) {
    const [holder, key] = stack.pop() as [Holder, string | number];
    const v = holder[key];
    switch (typeof v) {
      case "string":
        if (v.includes(NON_FINITE)) return undefined;
        continue;
      case "boolean":
        continue;
      case "number":
        if (Object.is(v, -0)) return undefined;
        if (!Number.isFinite(v)) found.push([holder, key, v]);
        continue;
      case "object": {
        if (v === null) continue;
        if (Array.isArray(v)) {
          for (let i = 0; i < v.length; i++) {
            if (!(i in v)) return undefined;
            stack.push([v as unknown as Holder, i]);
          }
          continue;
        }
        const proto = Object.getPrototypeOf(v);
        if (proto !== Object.prototype && proto !== null) return undefined;
        for (const k in v) {
          if (k.includes(NON_FINITE)) return undefined;
          stack.push([v as Holder, k]);
        }
        continue;
      }
      default:
        return undefined;
    }
  }
  return found;
}

/** A JSON body's marked strings back to the numbers they stand for. */
function restoreNonFinite(value: unknown): void {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== "object" || v === null) continue;
    const o = v as Holder;
    for (const k in o) {
      const x = o[k];
      if (typeof x === "string") {
        if (x.startsWith(NON_FINITE)) o[k] = Number(x.slice(NON_FINITE.length));
      } else if (typeof x === "object" && x !== null) stack.push(x);
    }
  }
}

/**
 * A trial part's body as written (JSON or V8's serialization), the first trial's outcomes as a packed
 * table or entries; undefined when its packed table is damaged.
 */
function trialPiece(header: PartHeader, { value, bulk }: PartBody): AggregatePiece | undefined {
  if (header.body === "json" && header.nonFinite) restoreNonFinite(value);
  const piece = value as AggregatePiece;
  for (const s of piece?.strategies ?? []) {
    if (!s?.first) continue;
    if (!bulk || typeof s.first.schedule !== "object" || s.first.schedule === null) return undefined;
    const schedule = s.first.schedule;
    if (s.first.template === undefined) {
      const placements = placementsIn(schedule.placements as unknown as PlacementsInPart, bulk);
      if (!placements) return undefined;
      schedule.placements = placements;
    }
    const registry = registryIn(schedule.registry as unknown as { t: number; bps: number }, bulk);
    if (!registry) return undefined;
    schedule.registry = registry;
    const held = s.first.outcomes as unknown as { table: TableInPart } | [number, SiteOutcome][];
    if (Array.isArray(held)) s.first.outcomes = new Map(held);
    else {
      const table =
        typeof held?.table === "object" && held.table !== null ? tableFromPart(held.table, bulk) : undefined;
      if (!table) return undefined;
      s.first.outcomes = table as SiteOutcomes;
    }
  }
  return piece;
}

/** The part files given: files as they are, folders for the part files in them (sorted). */
export function partFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    let isDir = false;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      throw new InputError([{ file: path, message: "part file not found" }]);
    }
    if (!isDir) files.push(path);
    else {
      // Parts of the NDJSON format (1) too, so that they are refused by name rather than missed.
      const inside = readdirSync(path)
        .filter((name) => /^part-\d+-of-\d+\.(part|ndjson)$/.test(name))
        .sort()
        .map((name) => join(path, name));
      if (inside.length === 0)
        throw new InputError([{ file: path, message: "holds no part-I-of-N.part files" }]);
      files.push(...inside);
    }
  }
  return files;
}

/** A part's body read back: its value and, sharded by trial, its bulk section. */
interface PartBody {
  value: unknown;
  bulk?: BulkIn;
}

interface Part {
  file: string;
  header: PartHeader;
  /** The body, deserialized on first use. */
  body: () => PartBody;
}

/** The most a part's header line may take (it is a few hundred bytes). */
const MAX_HEADER_BYTES = 1 << 20;

/**
 * A part file's first line (up to MAX_HEADER_BYTES), read without its body: a merge reads every part's
 * header before deciding how to read the bodies, so a body is read once, when asked for.
 */
function headerBytes(file: string): { bytes: Buffer; end: number } {
  const fd = openSync(file, "r");
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    while (size < MAX_HEADER_BYTES) {
      const chunk = Buffer.allocUnsafe(64 * 1024);
      const got = readSync(fd, chunk, 0, chunk.length, size);
      if (got === 0) break;
      const piece = chunk.subarray(0, got);
      chunks.push(piece);
      const nl = piece.indexOf(10);
      if (nl >= 0) return { bytes: Buffer.concat(chunks), end: size + nl };
      size += got;
    }
    return { bytes: Buffer.concat(chunks), end: -1 };
  } finally {
    closeSync(fd);
  }
}

/**
 * A part file's bytes from `from` on, placed in memory so that the bulk section (`section` bytes further)
 * starts at a multiple of 8: its arrays are then read in place rather than copied (BulkIn.read).
 */
function bytesAfter(file: string, from: number, section: number): Buffer {
  const fd = openSync(file, "r");
  try {
    const length = Math.max(0, fstatSync(fd).size - from);
    const pad = (8 - (section % 8)) % 8;
    // A buffer of its own (never the shared pool's), so that its start is aligned.
    const bytes = Buffer.allocUnsafeSlow(pad + length).subarray(pad);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, bytes, got, length - got, from + got);
      if (n === 0) break;
      got += n;
    }
    return bytes.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** A part's header, checked against this run's simulation fingerprint; its body is read when asked for. */
function readPart(plan: LoadedFleetPlan, fingerprint: string, file: string): Part {
  let bytes: Buffer;
  let end: number;
  try {
    ({ bytes, end } = headerBytes(file));
  } catch {
    throw new InputError([{ file, message: "cannot read the part file" }]);
  }
  const at = (message: string): InputError => new InputError([{ file, line: 1, col: 1, message }]);
  if (bytes.length === 0) throw new InputError([{ file, message: "is empty (no part header)" }]);
  let header: Partial<PartHeader>;
  try {
    header = JSON.parse(bytes.subarray(0, end < 0 ? bytes.length : end).toString("utf8")) as PartHeader;
  } catch {
    throw at("not an edgesim fleet part (its first line is not a part header)");
  }
  if (typeof header?.edgesimFleetPart !== "number")
    throw at("not an edgesim fleet part (its first line is not a part header)");
  if (header.edgesimFleetPart !== PART_FORMAT)
    throw at(
      `is a part of format ${header.edgesimFleetPart}, made by another edgesim version (this one reads format ${PART_FORMAT}): run the shards again with this version`,
    );
  if (header.fingerprint !== fingerprint || header.trials !== plan.trials)
    throw at(
      `was made for other simulation inputs (fleet "${header.fleet}"): the seed, trials, inventory, faults, timings or profiles differ from this run's`,
    );
  const body = () => {
    const layout = header.bulk;
    let rest: Buffer;
    try {
      rest = bytesAfter(
        file,
        end + 1,
        Number.isInteger(layout?.bodyBytes) ? (layout?.bodyBytes as number) : 0,
      );
    } catch {
      throw new InputError([{ file, message: "cannot read the part file" }]);
    }
    const damaged = () =>
      new InputError([{ file, message: "is cut short or damaged (its body cannot be read)" }]);
    let bulk: BulkIn | undefined;
    if (layout !== undefined) {
      if (!Number.isInteger(layout?.bodyBytes) || layout.bodyBytes < 0 || layout.bodyBytes > rest.byteLength)
        throw damaged();
      bulk = BulkIn.read(rest.subarray(layout.bodyBytes), layout);
      if (!bulk) throw damaged();
      rest = rest.subarray(0, layout.bodyBytes);
    }
    try {
      const value = header.body === "json" ? JSON.parse(rest.toString("utf8")) : deserialize(rest);
      return bulk ? { value, bulk } : { value };
    } catch {
      throw damaged();
    }
  };
  return { file, header: header as PartHeader, body };
}

/**
 * The simulation fingerprint of a plan whose parts are read: a merge of parts sharded by site reads their
 * headers twice (to learn the layout, then to read the parts back), and a fleet's fingerprint hashes every
 * site. A merge's plan is not changed once loaded.
 */
const mergedFingerprints = new WeakMap<LoadedFleetPlan, string>();

/**
 * The parts' headers, checked: the N shards of this fleet in one layout, each once, made from the same
 * simulation inputs (and, sharded by trial, the same schedules); a problem names the file.
 */
function readHeaders(plan: LoadedFleetPlan, files: readonly string[]): Part[] {
  const fingerprint = mergedFingerprints.get(plan) ?? simulationFingerprint(plan);
  mergedFingerprints.set(plan, fingerprint);
  const parts = files.map((file) => readPart(plan, fingerprint, file));
  const first = parts[0];
  let schedule: string | undefined;
  if (!first) throw new InputError([{ file: "parts", message: "no part file given" }]);
  const seen = new Map<number, string>();
  const problems: Diagnostic[] = [];
  for (const { file, header } of parts) {
    const at = (message: string): InputError => new InputError([{ file, line: 1, col: 1, message }]);
    if (header.layout !== first.header.layout)
      throw at(
        `is sharded by ${header.layout}, ${first.file} by ${first.header.layout}: give the parts of one shard run`,
      );
    if (header.shards !== first.header.shards)
      throw at(`is a shard of ${header.shards}, ${first.file} of ${first.header.shards}`);
    const other = seen.get(header.shard);
    if (other !== undefined) throw at(`shard ${header.shard} is given twice (${other} and ${file})`);
    seen.set(header.shard, file);
    if (header.layout === "trials") schedule ??= scheduleFingerprint(plan, fingerprint);
    if (header.layout === "trials" && header.schedule !== schedule)
      throw at(
        "was scheduled with other waves, windows, start or registry than this run's: parts sharded by trial hold their schedules (to re-plan the same simulations at the merge, shard by site: --shard-by sites)",
      );
  }
  const missing: number[] = [];
  for (let i = 0; i < first.header.shards; i++) if (!seen.has(i)) missing.push(i);
  if (missing.length > 0)
    problems.push({
      file: first.file,
      message: `${missing.length === 1 ? "shard" : "shards"} ${missing.join(", ")} of ${first.header.shards} missing: give every part`,
    });
  if (problems.length > 0) throw new InputError(problems);
  return parts;
}

/**
 * The merged run of parts sharded by trial: every trial's figures put back in trial order, the first
 * trial's run from the part that ran it. Undefined when the parts are sharded by site (their schedules
 * are run by the merge).
 */
export function mergedTrialParts(plan: LoadedFleetPlan, paths: readonly string[]): FleetPlanRun | undefined {
  const parts = readHeaders(plan, partFiles(paths));
  if (parts[0]?.header.layout !== "trials") return undefined;
  const pieces = parts.map(({ file, header, body }) => {
    const piece = trialPiece(header, body());
    const trials = (header.to ?? 0) - (header.from ?? 0);
    const whole =
      piece !== undefined &&
      Array.isArray(piece?.strategies) &&
      piece.strategies.length === plan.strategies.length &&
      piece.strategies.every(
        (s) => s.trials.length === trials && (header.from === 0) === (s.first !== undefined),
      );
    if (!whole)
      throw new InputError([
        {
          file,
          message: `does not hold the ${plural(trials, "trial")} its header promises (a part cut short?)`,
        },
      ]);
    return piece;
  });
  return combined(plan, pieces);
}

/** Reads parts sharded by site back into one store (each trial's outcomes of every part's sites). */
export function readParts(plan: LoadedFleetPlan, files: readonly string[]): OutcomeStore {
  const store = new OutcomeStore(plan);
  for (const { file, header, body } of readHeaders(plan, files)) {
    if (header.layout !== "sites")
      throw new InputError([{ file, message: "is sharded by trial: its schedules were run by the shards" }]);
    const got = body().value as SitesBody;
    const sites = got?.sites instanceof Int32Array ? Array.from(got.sites) : undefined;
    if (
      !sites ||
      sites.length !== header.sites ||
      !Array.isArray(got.trials) ||
      got.trials.length !== plan.trials
    )
      throw new InputError([
        {
          file,
          message: `does not hold the ${plural(header.sites ?? 0, "site")} × ${plural(plan.trials, "trial")} its header promises (a part cut short?)`,
        },
      ]);
    if (sites.some((s) => plan.sites[s] === undefined))
      throw new InputError([{ file, message: "holds sites this fleet does not have" }]);
    got.trials.forEach((t, trial) => {
      if ("full" in t)
        t.full.forEach((o, k) => {
          store.set(trial, sites[k] as number, o);
        });
      else store.table(trial).setPacked(sites, t);
    });
  }
  return store;
}
