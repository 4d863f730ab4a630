import { describe, expect, it } from "vitest";
import {
  BulkIn,
  BulkOut,
  placementsIn,
  placementsOut,
  registryIn,
  registryOut,
} from "../../src/fleet/part-bulk.js";
import type { Placement } from "../../src/fleet/schedule.js";

/** The section's bytes as a part file holds them: after `offset` bytes of something else (unaligned). */
function section(
  bulk: BulkOut,
  offset: number,
): { bytes: Uint8Array; layout: ReturnType<BulkOut["finish"]>["layout"] } {
  const { pieces, layout } = bulk.finish(0);
  const size = pieces.reduce((n, p) => n + p.byteLength, 0);
  const file = new Uint8Array(offset + size);
  let at = offset;
  for (const p of pieces) {
    file.set(p, at);
    at += p.byteLength;
  }
  return { bytes: file.subarray(offset), layout };
}

const placements: Placement[] = [
  { state: "unselected" },
  {
    state: "rolled",
    wave: "canary",
    downloadStartMs: 10,
    downloadEndMs: 20,
    startMs: 20,
    endMs: 90,
    windowEndMs: 100,
    result: "converged",
    overran: false,
  },
  { state: "skipped", wave: "rest" },
  {
    state: "unschedulable",
    wave: "rest",
    needMs: 7_200_000,
    longestWindowMs: 3_600_000,
    downloadsCancelled: 2,
    atMs: 500,
  },
  {
    state: "rolled",
    wave: "rest",
    startMs: 30,
    endMs: 130,
    windowEndMs: Number.POSITIVE_INFINITY,
    result: "failed",
    overran: true,
  },
  { state: "rolled", wave: "rest", startMs: 0, endMs: 1, windowEndMs: 1, result: "blocked", overran: false },
];

describe("a part's bulk section", () => {
  it("gives back placements of every kind with the schedule's keys in its order, and registry steps", () => {
    for (const offset of [0, 1, 3, 8]) {
      const bulk = new BulkOut();
      const held = placementsOut(placements, bulk);
      const steps = [
        { t: 0, bps: 0 },
        { t: 10, bps: 1e9 },
        { t: 20, bps: 0 },
      ];
      const reg = registryOut(steps, bulk);
      // The body holds indices into the section, not the values.
      expect(JSON.stringify(held)).not.toContain('canary","downloadStartMs');
      const { bytes, layout } = section(bulk, offset);
      const back = BulkIn.read(bytes, layout);
      expect(back).toBeDefined();
      const again = placementsIn(JSON.parse(JSON.stringify(held)), back as BulkIn);
      expect(JSON.stringify(again)).toBe(JSON.stringify(placements));
      expect(again?.[4]).toMatchObject({ windowEndMs: Number.POSITIVE_INFINITY });
      expect(registryIn(reg, back as BulkIn)).toEqual(steps);
    }
  });

  it("writes no download columns when no site downloads", () => {
    const bulk = new BulkOut();
    const held = placementsOut([placements[0] as Placement, placements[4] as Placement], bulk);
    expect(held.downloadStartMs).toBeUndefined();
    const { bytes, layout } = section(bulk, 0);
    const back = BulkIn.read(bytes, layout) as BulkIn;
    expect(placementsIn(held, back)).toEqual([placements[0], placements[4]]);
  });

  it("refuses a section changed, cut short or longer, and columns that do not agree with the body", () => {
    const bulk = new BulkOut();
    const held = placementsOut(placements, bulk);
    const { bytes, layout } = section(bulk, 0);
    const changed = Uint8Array.from(bytes);
    changed[5] = (changed[5] as number) ^ 0x10;
    expect(BulkIn.read(changed, layout)).toBeUndefined();
    expect(BulkIn.read(bytes.subarray(0, bytes.length - 1), layout)).toBeUndefined();
    expect(BulkIn.read(Uint8Array.from([...bytes, 0]), layout)).toBeUndefined();
    expect(BulkIn.read(bytes, { ...layout, arrays: [["u64" as "u8", 1]] })).toBeUndefined();
    const back = BulkIn.read(bytes, layout) as BulkIn;
    // A column of another type or length, a wave or state the columns do not name.
    expect(placementsIn({ ...held, wave: held.state }, back)).toBeUndefined();
    expect(placementsIn({ ...held, length: held.length + 1 }, back)).toBeUndefined();
    expect(placementsIn({ ...held, waves: [] }, back)).toBeUndefined();
    expect(placementsIn({ ...held, unschedulable: [] }, back)).toBeUndefined();
    expect(back.get(held.state, "f64")).toBeUndefined();
    expect(back.get(99, "u8")).toBeUndefined();
  });
});
