import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadFleetPlanYaml } from "../../src/fleet/load.js";
import {
  clusterCsv,
  clusterNdjson,
  type FleetPlanRun,
  fleetVerdict,
  type LoadedFleetPlan,
  loadFleetSource,
  planJson,
  planTextPieces,
  rollFleet,
  writeShard,
} from "../../src/fleet/orchestrate.js";
import { TrialTable } from "../../src/fleet/outcome-store.js";
import { writePartExclusive } from "../../src/fleet/part-out.js";
import { prepareFleet } from "../../src/fleet/prepare.js";
import { rollTrials, runFleetPlan } from "../../src/fleet/run.js";
import { mergedTrialParts, shardTrials, trialPartPieces } from "../../src/fleet/shard.js";
import { jsonChunks } from "../../src/shared/json.js";
import { parseYamlFile } from "../../src/shared/yaml.js";

// Shards in this process (the CLI's own run is in shards.test.ts): every layout against one process.
const root = resolve(".");
const dir = mkdtempSync(join(tmpdir(), "edgesim-shard-layouts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function whatIf(trials: number, faults: boolean): LoadedFleetPlan {
  const text = [
    "name: shard-layouts",
    `update: ${JSON.stringify(`${root}/scenarios/profiles/k3s-registry-change.yaml`)}`,
    `from: ${JSON.stringify(`${root}/scenarios/profiles/k3s-base.yaml`)}`,
    "seed: 7",
    `trials: ${trials}`,
    'cluster: { shape: "1+3" }',
    "inventory: { generate: { clusters: 160, timeZones: [Europe/Paris, America/New_York] } }",
    'windows: { default: "daily 01:00-05:00" }',
    "strategy:",
    "  waves:",
    "    - { name: canary, count: 4, concurrency: 4, failureBudget: 0 }",
    "    - { name: rest, rest: true, concurrency: 20, failureBudget: 10% }",
    ...(faults
      ? [
          "faults:",
          "  nodeActionFailure: 0.02",
          "  kubernetesOutage: { probability: 0.05, duration: { min: 5m, max: 30m } }",
          "  agentRestart: 0.05",
        ]
      : []),
    "",
  ].join("\n");
  return loadFleetPlanYaml(parseYamlFile(text, "<shard-layouts>"));
}

/** Every output of a run: --json, the text, the per-site NDJSON and CSV. */
function outputs(run: FleetPlanRun): Record<string, string> {
  const { expectations } = fleetVerdict(run);
  return {
    json: [...jsonChunks(planJson(run, expectations))].join(""),
    text: [...planTextPieces(run, expectations)].join(""),
    ndjson: [...clusterNdjson(run)].join(""),
    csv: [...clusterCsv(run)].join(""),
  };
}

let folders = 0;
/** The plan's N shards written to a new folder (optionally sharded as `by` says); the folder. */
async function shards(plan: LoadedFleetPlan, count: number, by?: string): Promise<string> {
  const out = join(dir, `parts-${folders++}`);
  for (let i = 0; i < count; i++)
    await writeShard(plan, `${i}/${count}`, out, by !== undefined ? { by } : {});
  return out;
}

const merged = async (plan: LoadedFleetPlan, ...paths: string[]) => rollFleet(plan, { from: "parts", paths });

describe("shards by trial and by site", () => {
  it("gives each shard a block of trials, every trial once", () => {
    for (const [trials, count] of [
      [10, 4],
      [10, 3],
      [4, 4],
      [100, 7],
    ] as const) {
      const all = Array.from({ length: count }, (_, index) => shardTrials(trials, { index, count })).flat();
      expect(all).toEqual(Array.from({ length: trials }, (_, t) => t));
    }
  });

  for (const faults of [false, true])
    for (const trials of [1, 10])
      it(`merges 1, 2, 3 and 4 shards into one process's bytes (${trials} trial(s), ${faults ? "fault rates" : "no faults"})`, async () => {
        const plan = whatIf(trials, faults);
        const one = outputs(runFleetPlan(plan));
        if (faults) expect(one.ndjson).toMatch(/"faults":"[^"]+"/);
        for (const count of [1, 2, 3, 4]) {
          const parts = await shards(plan, count);
          expect(outputs(await merged(plan, parts))).toEqual(one);
        }
        // By site whatever the trials: the merge runs the schedules.
        expect(outputs(await merged(plan, await shards(plan, 3, "sites")))).toEqual(one);
      });

  it("merges a template strategy and waves over trials (a bundled plan, fault rates on)", async () => {
    const plan = loadFleetSource(
      { file: `${root}/scenarios/fleet-plans/retail-template-1000.yaml`, kind: "fleet-plan", root },
      { trials: 3 },
    );
    const one = outputs(runFleetPlan(plan));
    for (const count of [2, 3]) expect(outputs(await merged(plan, await shards(plan, count)))).toEqual(one);
  });

  it("merges a fleet file's kept simulations (one shard, and two by site)", async () => {
    const plan = loadFleetSource({
      file: `${root}/scenarios/fleet/retail-wave-stops-on-failure.yaml`,
      kind: "fleet",
      root,
    });
    const one = outputs(runFleetPlan(plan));
    expect(outputs(await merged(plan, await shards(plan, 1)))).toEqual(one);
    expect(outputs(await merged(plan, await shards(plan, 2)))).toEqual(one);
  });

  it("writes a body JSON cannot give back exactly in V8's serialization instead", async () => {
    const plan = whatIf(2, false);
    const aggregate = await rollTrials(prepareFleet(plan), { from: "process" });
    const piece = aggregate.piece();
    const first = piece.strategies[0]?.first as unknown as Record<string, unknown>;
    first.undefinedKept = undefined;
    first.negativeZero = -0;
    const file = join(dir, "v8", "part-0-of-1.part");
    mkdirSync(join(dir, "v8"));
    writePartExclusive(file, trialPartPieces(plan, { index: 0, count: 1 }, [0, 1], piece));
    expect(readFileSync(file, "utf8").split("\n")[0]).not.toContain('"body"');
    const back = mergedTrialParts(plan, [file])?.strategies[0]?.first as unknown as Record<string, unknown>;
    expect("undefinedKept" in back).toBe(true);
    expect(Object.is(back.negativeZero, -0)).toBe(true);
    expect(back.outcomes).toBeInstanceOf(TrialTable);
  });

  it("writes the first trial's outcomes packed, ±Infinity as numbers, and marks the body only for a NaN", async () => {
    const plan = whatIf(2, false);
    const aggregate = await rollTrials(prepareFleet(plan), { from: "process" });
    const piece = aggregate.piece();
    const first = piece.strategies[0]?.first as unknown as Record<string, unknown>;
    const outcomes = [...(first.outcomes as TrialTable).entries()];
    first.infinite = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    mkdirSync(join(dir, "inf"));
    const file = join(dir, "inf", "part-0-of-1.part");
    writePartExclusive(file, trialPartPieces(plan, { index: 0, count: 1 }, [0, 1], piece));
    const [head, body] = readFileSync(file, "utf8").split("\n") as [string, string];
    expect(JSON.parse(head)).toMatchObject({ body: "json" });
    expect(head).not.toContain("nonFinite");
    expect(body).toContain("[1e999,-1e999]");
    const back = mergedTrialParts(plan, [file])?.strategies[0]?.first as unknown as Record<string, unknown>;
    expect(back.infinite).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    expect(back.outcomes).toBeInstanceOf(TrialTable);
    expect([...(back.outcomes as TrialTable).entries()]).toEqual(outcomes);

    first.notANumber = Number.NaN;
    mkdirSync(join(dir, "nan"));
    const nan = join(dir, "nan", "part-0-of-1.part");
    writePartExclusive(nan, trialPartPieces(plan, { index: 0, count: 1 }, [0, 1], piece));
    expect(JSON.parse(readFileSync(nan, "utf8").split("\n")[0] as string)).toMatchObject({ nonFinite: true });
    const withNaN = mergedTrialParts(plan, [nan])?.strategies[0]?.first as unknown as Record<string, unknown>;
    expect(withNaN.notANumber).toBeNaN();
    expect(withNaN.infinite).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);

    // A packed table whose arrays do not agree is refused as damaged: its codes are another array.
    mkdirSync(join(dir, "bad"));
    const bad = join(dir, "bad", "part-0-of-1.part");
    // Read and written byte for byte (latin1): the bulk section after the body is binary.
    const text = readFileSync(file, "latin1");
    const durations = /"durations":(\d+)/.exec(text)?.[1] as string;
    const wrong = text.replace(/"codes":\d+/, `"codes":${durations}`);
    expect(wrong).not.toBe(text);
    expect(wrong.length).toBe(text.length);
    writeFileSync(bad, wrong, "latin1");
    expect(() => mergedTrialParts(plan, [bad])).toThrow(/a part cut short/);
    // A byte of the bulk section changed, or the section cut short: refused as damaged.
    const bytes = readFileSync(file);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 3] = (flipped[flipped.length - 3] as number) ^ 1;
    mkdirSync(join(dir, "flipped"));
    writeFileSync(join(dir, "flipped", "part-0-of-1.part"), flipped);
    expect(() => mergedTrialParts(plan, [join(dir, "flipped", "part-0-of-1.part")])).toThrow(
      /cut short or damaged/,
    );
    mkdirSync(join(dir, "short"));
    writeFileSync(join(dir, "short", "part-0-of-1.part"), bytes.subarray(0, bytes.length - 8));
    expect(() => mergedTrialParts(plan, [join(dir, "short", "part-0-of-1.part")])).toThrow(
      /cut short or damaged/,
    );
  });

  it("merges a plan whose sites download their image through a shared registry (placements with downloads)", async () => {
    const plan = loadFleetSource(
      { file: `${root}/scenarios/fleet-plans/pull-storm.yaml`, kind: "fleet-plan", root },
      { trials: 4 },
    );
    const one = runFleetPlan(plan);
    const first = one.strategies[0]?.first;
    expect(
      first?.schedule.placements.some((p) => p.state === "rolled" && p.downloadStartMs !== undefined),
    ).toBe(true);
    expect(first?.schedule.registry.length).toBeGreaterThan(2);
    const back = await merged(plan, await shards(plan, 2));
    expect(outputs(back)).toEqual(outputs(one));
    // The placements and registry come back as the schedule made them, key order included.
    expect(JSON.stringify(back.strategies[0]?.first.schedule)).toBe(JSON.stringify(first?.schedule));
  });

  it("refuses parts of other inputs, layouts or shard counts, missing, doubled or cut short", async () => {
    const plan = whatIf(4, true);
    const byTrial = await shards(plan, 2);
    const bySite = await shards(plan, 2, "sites");
    const three = await shards(plan, 3);
    const part = (folder: string, i: number, n: number) => join(folder, `part-${i}-of-${n}.part`);
    await expect(merged({ ...plan, seed: 8 }, byTrial)).rejects.toThrow(/other simulation inputs/);
    await expect(merged(whatIf(5, true), byTrial)).rejects.toThrow(/other simulation inputs/);
    await expect(merged(plan, part(byTrial, 0, 2), part(bySite, 1, 2))).rejects.toThrow(
      /sharded by sites, .* by trials: give the parts of one shard run/,
    );
    await expect(merged(plan, part(byTrial, 0, 2), part(three, 1, 3))).rejects.toThrow(
      /is a shard of 3, .* of 2/,
    );
    await expect(merged(plan, part(byTrial, 0, 2))).rejects.toThrow(/shard 1 of 2 missing/);
    await expect(merged(plan, part(byTrial, 0, 2), part(byTrial, 0, 2))).rejects.toThrow(/given twice/);
    // Sharded by trial, the schedules are the shards': other waves are refused, and said how to re-plan.
    const otherWaves = { ...plan, startMs: plan.startMs + 3_600_000 };
    await expect(merged(otherWaves, byTrial)).rejects.toThrow(/--shard-by sites/);
    // Sharded by site, the merge re-plans: the same as one process of the re-planned fleet.
    expect(outputs(await merged(otherWaves, bySite))).toEqual(outputs(runFleetPlan(otherWaves)));

    const cut = join(dir, "cut.part");
    writeFileSync(cut, readFileSync(part(byTrial, 0, 2)));
    truncateSync(cut, readFileSync(cut, "utf8").indexOf("\n") + 60);
    await expect(merged(plan, cut, part(byTrial, 1, 2))).rejects.toThrow(/cut short or damaged/);
    const old = join(dir, "part-0-of-1.ndjson");
    writeFileSync(old, `${JSON.stringify({ edgesimFleetPart: 1, fingerprint: "x" })}\n`);
    await expect(merged(plan, old)).rejects.toThrow(/format 1, made by another edgesim version/);
    const notPart = join(dir, "not-a-part.part");
    writeFileSync(notPart, "hello\n");
    await expect(merged(plan, notPart)).rejects.toThrow(/not an edgesim fleet part/);
    renameSync(part(three, 2, 3), join(dir, "moved.part"));
    await expect(merged(plan, three)).rejects.toThrow(/shard 2 of 3 missing/);
  });

  it("refuses to share out fewer trials than shards by trial", async () => {
    await expect(writeShard(whatIf(2, false), "0/3", join(dir, "few"), { by: "trials" })).rejects.toThrow(
      /2 trials cannot be shared by 3 shards/,
    );
    await expect(writeShard(whatIf(2, false), "0/3", join(dir, "few"), { by: "waves" })).rejects.toThrow(
      /expected trials or sites/,
    );
  });
});
