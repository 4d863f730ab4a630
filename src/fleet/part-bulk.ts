import { createHash } from "node:crypto";
import { SIMULATION_OUTCOMES } from "../controller/types.js";
import type { SimulationOutcome } from "../sim/types.js";
import type { TrialRun } from "./result.js";
import { type Placement, rolledPlacement, UNSELECTED } from "./schedule.js";

/**
 * The bulk of a part sharded by trial: the first trial's per-site columns (its placements, its packed
 * outcomes, its registry steps) as typed arrays written after the part's body, rather than as a
 * hundred thousand objects or base64 in it. The body refers to an array by its index in the section;
 * the header says each array's type and length and the section's digest, so a part cut short or
 * damaged is refused by name.
 */
export type BulkType = "i32" | "u8" | "u16" | "f64";

const TYPES = {
  i32: Int32Array,
  u8: Uint8Array,
  u16: Uint16Array,
  f64: Float64Array,
} as const;

type BulkArray = Int32Array | Uint8Array | Uint16Array | Float64Array;

/** What a part's header says of its bulk section. */
export interface BulkLayout {
  /** The bytes of the body before the section (the section starts right after them). */
  bodyBytes: number;
  arrays: [BulkType, number][];
  /** The section's SHA-1, hex. */
  digest: string;
}

function typeOf(a: BulkArray): BulkType {
  if (a instanceof Int32Array) return "i32";
  if (a instanceof Uint8Array) return "u8";
  if (a instanceof Uint16Array) return "u16";
  return "f64";
}

/** Collects the arrays of a part's bulk section, in the order the body refers to them. */
export class BulkOut {
  private readonly arrays: BulkArray[] = [];

  /** The array's place in the section (what the body holds in its stead). */
  add(array: BulkArray): number {
    this.arrays.push(array);
    return this.arrays.length - 1;
  }

  /** The section's pieces (each array's bytes as they are in memory) and its layout after `body` bytes. */
  finish(body: number): { pieces: Uint8Array[]; layout: BulkLayout } {
    const digest = createHash("sha1");
    const pieces = this.arrays.map((a) => {
      const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      digest.update(bytes);
      return bytes;
    });
    return {
      pieces,
      layout: {
        bodyBytes: body,
        arrays: this.arrays.map((a) => [typeOf(a), a.length]),
        digest: digest.digest("hex"),
      },
    };
  }
}

/** A part's bulk section read back: each array by its index, or undefined when the section is damaged. */
export class BulkIn {
  private constructor(private readonly arrays: BulkArray[]) {}

  /**
   * The section that starts at `bytes`' beginning, checked against its layout; undefined when it does not
   * agree. Its arrays may be views of `bytes`: neither is to be written to.
   */
  static read(bytes: Uint8Array, layout: BulkLayout): BulkIn | undefined {
    if (!Array.isArray(layout?.arrays) || typeof layout.digest !== "string") return undefined;
    const arrays: BulkArray[] = [];
    let at = 0;
    for (const entry of layout.arrays) {
      const [type, length] = Array.isArray(entry) ? entry : [];
      const Ctor = typeof type === "string" && Object.hasOwn(TYPES, type) ? TYPES[type] : undefined;
      if (!Ctor || !Number.isInteger(length) || (length as number) < 0) return undefined;
      const size = (length as number) * Ctor.BYTES_PER_ELEMENT;
      if (at + size > bytes.byteLength) return undefined;
      // Read in place (a view of `bytes`) when the array starts at an offset its elements can be read
      // at, else copied out: copying the columns costs about what reading the file does.
      const buffer = bytes.buffer as ArrayBuffer;
      const offset = bytes.byteOffset + at;
      arrays.push(
        offset % Ctor.BYTES_PER_ELEMENT === 0
          ? new Ctor(buffer, offset, length as number)
          : new Ctor(buffer.slice(offset, offset + size)),
      );
      at += size;
    }
    if (at !== bytes.byteLength) return undefined;
    if (createHash("sha1").update(bytes).digest("hex") !== layout.digest) return undefined;
    return new BulkIn(arrays);
  }

  /** The array at `index` if it is of `type` (and, when given, of `length`). */
  get<T extends BulkType>(
    index: unknown,
    type: T,
    length?: number,
  ): InstanceType<(typeof TYPES)[T]> | undefined {
    if (typeof index !== "number" || !Number.isInteger(index)) return undefined;
    const a = this.arrays[index];
    if (!a || typeOf(a) !== type || (length !== undefined && a.length !== length)) return undefined;
    return a as InstanceType<(typeof TYPES)[T]>;
  }
}

const STATES = ["unselected", "rolled", "skipped", "unschedulable"] as const;

/** A schedule's placements as a part's body holds them: columns in the bulk section, the rare kinds whole. */
export interface PlacementsInPart {
  length: number;
  /** The wave names the `wave` column counts in. */
  waves: string[];
  state: number;
  wave: number;
  startMs: number;
  endMs: number;
  windowEndMs: number;
  result: number;
  overran: number;
  /** Present when any site downloaded; NaN where a site did not. */
  downloadStartMs?: number;
  downloadEndMs?: number;
  /** Unschedulable sites' placements, whole: (site, placement). */
  unschedulable: [number, Placement][];
}

/** Placements as columns in `bulk`. */
export function placementsOut(placements: readonly Placement[], bulk: BulkOut): PlacementsInPart {
  const n = placements.length;
  const state = new Uint8Array(n);
  const wave = new Uint16Array(n);
  const startMs = new Float64Array(n);
  const endMs = new Float64Array(n);
  const windowEndMs = new Float64Array(n);
  const result = new Uint8Array(n);
  const overran = new Uint8Array(n);
  let downloadStartMs: Float64Array | undefined;
  let downloadEndMs: Float64Array | undefined;
  const waves: string[] = [];
  const waveIndex = new Map<string, number>();
  const unschedulable: [number, Placement][] = [];
  for (let s = 0; s < n; s++) {
    const p = placements[s] as Placement;
    state[s] = STATES.indexOf(p.state);
    if (p.state === "unselected") continue;
    if (p.state === "unschedulable") {
      unschedulable.push([s, p]);
      continue;
    }
    let w = waveIndex.get(p.wave);
    if (w === undefined) {
      w = waves.push(p.wave) - 1;
      waveIndex.set(p.wave, w);
    }
    wave[s] = w;
    if (p.state !== "rolled") continue;
    startMs[s] = p.startMs;
    endMs[s] = p.endMs;
    windowEndMs[s] = p.windowEndMs;
    result[s] = SIMULATION_OUTCOMES.indexOf(p.result);
    overran[s] = p.overran ? 1 : 0;
    if (p.downloadStartMs !== undefined) {
      if (!downloadStartMs || !downloadEndMs) {
        downloadStartMs = new Float64Array(n).fill(Number.NaN);
        downloadEndMs = new Float64Array(n).fill(Number.NaN);
      }
      downloadStartMs[s] = p.downloadStartMs;
      downloadEndMs[s] = p.downloadEndMs as number;
    }
  }
  if (waves.length > 0xffff) throw new Error("more wave names than a part's wave column counts");
  return {
    length: n,
    waves,
    state: bulk.add(state),
    wave: bulk.add(wave),
    startMs: bulk.add(startMs),
    endMs: bulk.add(endMs),
    windowEndMs: bulk.add(windowEndMs),
    result: bulk.add(result),
    overran: bulk.add(overran),
    ...(downloadStartMs && downloadEndMs
      ? { downloadStartMs: bulk.add(downloadStartMs), downloadEndMs: bulk.add(downloadEndMs) }
      : {}),
    unschedulable,
  };
}

/**
 * Placements back from their columns, each object with the keys, in the order, that the schedule
 * made it with (schedule.ts); undefined when the columns do not agree.
 */
export function placementsIn(held: PlacementsInPart, bulk: BulkIn): Placement[] | undefined {
  const n = held?.length;
  if (!Number.isInteger(n) || !Array.isArray(held.waves) || !Array.isArray(held.unschedulable))
    return undefined;
  const state = bulk.get(held.state, "u8", n);
  const wave = bulk.get(held.wave, "u16", n);
  const startMs = bulk.get(held.startMs, "f64", n);
  const endMs = bulk.get(held.endMs, "f64", n);
  const windowEndMs = bulk.get(held.windowEndMs, "f64", n);
  const result = bulk.get(held.result, "u8", n);
  const overran = bulk.get(held.overran, "u8", n);
  const downloads = held.downloadStartMs !== undefined;
  const downloadStartMs = downloads ? bulk.get(held.downloadStartMs, "f64", n) : undefined;
  const downloadEndMs = downloads ? bulk.get(held.downloadEndMs, "f64", n) : undefined;
  if (!state || !wave || !startMs || !endMs || !windowEndMs || !result || !overran) return undefined;
  if (downloads && (!downloadStartMs || !downloadEndMs)) return undefined;
  const unschedulable = new Map<number, Placement>();
  for (const entry of held.unschedulable) {
    if (!Array.isArray(entry) || typeof entry[1] !== "object" || entry[1] === null) return undefined;
    unschedulable.set(entry[0] as number, entry[1] as Placement);
  }
  const placements: Placement[] = new Array(n);
  for (let s = 0; s < n; s++) {
    const kind = STATES[state[s] as number];
    if (kind === "unselected") placements[s] = UNSELECTED;
    else if (kind === "unschedulable") {
      const p = unschedulable.get(s);
      if (!p) return undefined;
      placements[s] = p;
    } else {
      const name = held.waves[wave[s] as number];
      if (typeof name !== "string") return undefined;
      if (kind === "skipped") placements[s] = { state: "skipped", wave: name };
      else if (kind === "rolled") {
        const outcome = SIMULATION_OUTCOMES[result[s] as number] as SimulationOutcome | undefined;
        if (!outcome) return undefined;
        const downloadStart = downloadStartMs?.[s] as number;
        const downloaded = downloadStartMs !== undefined && !Number.isNaN(downloadStart);
        placements[s] = rolledPlacement(
          name,
          startMs[s] as number,
          endMs[s] as number,
          windowEndMs[s] as number,
          outcome,
          overran[s] === 1,
          downloaded ? downloadStart : undefined,
          downloaded ? (downloadEndMs?.[s] as number) : undefined,
        );
      } else return undefined;
    }
  }
  return placements;
}

/** Registry steps as two columns in `bulk`. */
export function registryOut(
  steps: TrialRun["schedule"]["registry"],
  bulk: BulkOut,
): { t: number; bps: number } {
  const t = new Float64Array(steps.length);
  const bps = new Float64Array(steps.length);
  steps.forEach((step, k) => {
    t[k] = step.t;
    bps[k] = step.bps;
  });
  return { t: bulk.add(t), bps: bulk.add(bps) };
}

/** Registry steps back from their columns; undefined when they do not agree. */
export function registryIn(
  held: { t: number; bps: number },
  bulk: BulkIn,
): TrialRun["schedule"]["registry"] | undefined {
  const t = bulk.get(held?.t, "f64");
  const bps = bulk.get(held?.bps, "f64", t?.length);
  if (!t || !bps) return undefined;
  const steps: TrialRun["schedule"]["registry"] = new Array(t.length);
  for (let k = 0; k < t.length; k++) steps[k] = { t: t[k] as number, bps: bps[k] as number };
  return steps;
}
