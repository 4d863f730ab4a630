import { closeSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { type Diagnostic, InputError } from "../shared/diagnostics.js";
import { hashSeed } from "../shared/hash.js";
import { plural } from "../shared/plural.js";
import type { LoadedFleetPlan } from "./load.js";
import type { SiteOutcome } from "./map.js";
import { OutcomeStore } from "./outcome-store.js";
import type { PreparedFleet } from "./prepare.js";

/**
 * A fleet's map step split across processes (or Kubernetes pods): shard I of N simulates the sites
 * whose name hashes to I — a stable assignment that depends on the site's name only, not on its
 * place in the inventory or the size of the fleet — and writes their outcomes, every trial, as NDJSON.
 * `merge` reads the parts back and runs the schedule over them: the same output as one process.
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
  for (const site of plan.sites)
    b = hashSeed(b, site.name, site.profile, site.update, site.controlPlanes, site.workers);
  // A site's own delivery mode and two-node HA change its outcome; sites without them keep the print.
  for (const site of plan.sites)
    if (site.own?.mode !== undefined || site.own?.twoNode !== undefined)
      b = hashSeed(b, site.name, site.own.mode ?? "", site.own.twoNode?.leader ?? "");
  return `${a.toString(16).padStart(8, "0")}${b.toString(16).padStart(8, "0")}`;
}

interface PartHeader {
  edgesimFleetPart: 1;
  fleet: string;
  fingerprint: string;
  shard: number;
  shards: number;
  trials: number;
  sites: number;
}

/** A shard's part file: a header line, then one line per (trial, site) outcome. */
export function* partPieces(
  plan: LoadedFleetPlan,
  shard: Shard,
  store: OutcomeStore,
  sites: number,
): Generator<string> {
  const header: PartHeader = {
    edgesimFleetPart: 1,
    fleet: plan.name,
    fingerprint: simulationFingerprint(plan),
    shard: shard.index,
    shards: shard.count,
    trials: plan.trials,
    sites,
  };
  yield `${JSON.stringify(header)}\n`;
  for (const [trial, s, outcome] of store.entries())
    yield `${JSON.stringify({ trial, site: (plan.sites[s] as { name: string }).name, index: s, outcome })}\n`;
}

/** The part files given: files as they are, folders for the `part-*.ndjson` files in them (sorted). */
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
      const inside = readdirSync(path)
        .filter((name) => /^part-.*\.ndjson$/.test(name))
        .sort()
        .map((name) => join(path, name));
      if (inside.length === 0)
        throw new InputError([{ file: path, message: "holds no part-*.ndjson part files" }]);
      files.push(...inside);
    }
  }
  return files;
}

/**
 * Reads the parts back into one store, checking that they are the N shards of this fleet, each once,
 * made from the same simulation inputs; a problem names the file and line.
 */
export function readParts(plan: LoadedFleetPlan, files: readonly string[]): OutcomeStore {
  const store = new OutcomeStore(plan);
  const fingerprint = simulationFingerprint(plan);
  const seen = new Map<number, string>();
  let shards: { count: number; file: string } | undefined;
  const problems: Diagnostic[] = [];
  for (const file of files) {
    let header: PartHeader | undefined;
    let lines = 0;
    let counted = 0;
    for (const line of readLines(file)) {
      lines++;
      if (line.trim() === "") continue;
      const at = (message: string): InputError => new InputError([{ file, line: lines, col: 1, message }]);
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw at("not a JSON line (a part file is NDJSON written by `edgesim fleet --shard`)");
      }
      if (!header) {
        const h = value as Partial<PartHeader>;
        if (h?.edgesimFleetPart !== 1)
          throw at("not an edgesim fleet part (its first line is not a part header)");
        if (h.fingerprint !== fingerprint || h.trials !== plan.trials)
          throw at(
            `was made for other simulation inputs (fleet "${h.fleet}"): the seed, trials, inventory, faults, timings or profiles differ from this run's`,
          );
        header = h as PartHeader;
        if (shards && shards.count !== header.shards)
          throw at(`is a shard of ${header.shards}, ${shards.file} of ${shards.count}`);
        shards ??= { count: header.shards, file };
        const other = seen.get(header.shard);
        if (other !== undefined) throw at(`shard ${header.shard} is given twice (${other} and ${file})`);
        seen.set(header.shard, file);
        continue;
      }
      const row = value as { trial?: unknown; site?: unknown; index?: unknown; outcome?: SiteOutcome };
      const index = row.index;
      if (
        typeof index !== "number" ||
        typeof row.trial !== "number" ||
        !row.outcome ||
        plan.sites[index]?.name !== row.site
      )
        throw at("is not an outcome of a site of this fleet");
      store.set(row.trial, index, row.outcome);
      counted++;
    }
    if (!header) throw new InputError([{ file, message: "is empty (no part header)" }]);
    if (counted !== header.sites * header.trials)
      problems.push({
        file,
        message: `holds ${plural(counted, "outcome")}, its header promises ${header.sites * header.trials} (a part cut short?)`,
      });
  }
  if (shards) {
    const missing: number[] = [];
    for (let i = 0; i < shards.count; i++) if (!seen.has(i)) missing.push(i);
    if (missing.length > 0)
      problems.push({
        file: files[0] as string,
        message: `${missing.length === 1 ? "shard" : "shards"} ${missing.join(", ")} of ${shards.count} missing: give every part`,
      });
  }
  if (problems.length > 0) throw new InputError(problems);
  return store;
}

/** The file's lines, read in blocks: a part may be larger than one string can hold. */
function* readLines(file: string): Generator<string> {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    throw new InputError([{ file, message: "cannot read the part file" }]);
  }
  try {
    const decoder = new StringDecoder("utf8");
    const buffer = Buffer.alloc(1 << 20);
    let rest = "";
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      const text = rest + decoder.write(buffer.subarray(0, n));
      const lines = text.split("\n");
      rest = lines.pop() as string;
      yield* lines;
    }
    rest += decoder.end();
    if (rest !== "") yield rest;
  } finally {
    closeSync(fd);
  }
}
