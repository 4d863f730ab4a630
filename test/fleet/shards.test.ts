import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { Job } from "kubernetes-models/batch/v1/Job";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { parseShard, shardOf } from "../../src/fleet/shard.js";

// These run the built CLI (npm test builds first): worker threads load dist/fleet/worker.js.
const run = promisify(execFile);
const root = resolve(".");
/** The CLI's stdout and exit code (4, not converged, is an answer here, not a failure). */
const edgesim = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  run(process.execPath, ["bin/edgesim.js", ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    maxBuffer: 64 << 20,
  }).then(
    ({ stdout }) => ({ stdout, code: 0 }),
    (error: { stdout?: string; code?: number }) => {
      if (error.code !== 4) throw error;
      return { stdout: error.stdout ?? "", code: 4 };
    },
  );

const example = (file: string) =>
  parseAllDocuments(readFileSync(join(root, "examples/kubernetes", file), "utf8")).map(
    (d) => d.toJS() as Record<string, unknown>,
  );
type JobSpec = {
  spec: {
    completionMode?: string;
    completions: number;
    template: {
      spec: {
        containers: { args: string[]; volumeMounts: { name: string; mountPath: string }[] }[];
        volumes: {
          name: string;
          configMap?: { name: string };
          persistentVolumeClaim?: { claimName: string };
        }[];
      };
    };
  };
};

const dir = mkdtempSync(join(tmpdir(), "edgesim-shards-"));
// The ConfigMap's plan, with the image's /app (the repository) pointing here.
const [configMap, claim] = example("fleet-plan.yaml");
const planFile = join(dir, "plan.yaml");
writeFileSync(
  planFile,
  ((configMap as { data: Record<string, string> }).data["plan.yaml"] as string).replaceAll(
    "/app/",
    `${root}/`,
  ),
);
/** A pod's arguments with its mounts (/fleet, /parts) and the image's /app mapped to folders of this machine. */
const mapped = (args: string[], parts: string) =>
  args.map((a) =>
    a
      .replace(/^\/fleet\//, `${dir}/`)
      .replace(/^\/parts/, parts)
      .replace(/^\/app$/, root),
  );

/** `fleet FILE --json` of one process, kept by the threads test for the merge test. */
let direct = "";

describe("shards", () => {
  it("assigns a site by its name alone, and takes I from JOB_COMPLETION_INDEX", () => {
    expect(shardOf("store-00017", 4)).toBe(shardOf("store-00017", 4));
    const counts = new Map<number, number>();
    for (let i = 0; i < 4000; i++) {
      const shard = shardOf(`store-${i}`, 4);
      counts.set(shard, (counts.get(shard) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([0, 1, 2, 3]);
    for (const c of counts.values()) expect(c).toBeGreaterThan(850);
    expect(parseShard("2/4", {})).toEqual({ index: 2, count: 4 });
    expect(parseShard("4", { JOB_COMPLETION_INDEX: "3" })).toEqual({ index: 3, count: 4 });
    expect(() => parseShard("4", {})).toThrow(/JOB_COMPLETION_INDEX/);
    expect(() => parseShard("1/4", { JOB_COMPLETION_INDEX: "2" })).toThrow(/says 2/);
    expect(() => parseShard("4/4", {})).toThrow(/does not exist/);
  });

  it("prints the same bytes with 1 and 2 worker threads", async () => {
    const [one, two] = await Promise.all(
      ["1", "2"].map((threads) =>
        edgesim([
          "fleet",
          planFile,
          "--json",
          "--threads",
          threads,
          "--clusters-ndjson",
          join(dir, `threads-${threads}.ndjson`),
          "--root",
          root,
        ]),
      ),
    );
    expect(JSON.parse(one?.stdout as string).summary.clusters).toBe(300);
    direct = one?.stdout as string;
    expect(two?.stdout).toBe(one?.stdout);
    const rows = readFileSync(join(dir, "threads-1.ndjson"), "utf8");
    expect(readFileSync(join(dir, "threads-2.ndjson"), "utf8")).toBe(rows);
    // Faults were drawn: the comparison covers more than identical converged sites.
    expect(rows).toMatch(/"faults":"[^"]+"/);
  });

  it("runs the Indexed Job's pods and its merge step: the same output as one process", async () => {
    const shards = example("shards-job.yaml")[0] as unknown as JobSpec;
    const merge = example("merge-job.yaml")[0] as unknown as JobSpec;
    const parts = join(dir, "parts");
    mkdirSync(parts);
    const podArgs = shards.spec.template.spec.containers[0]?.args as string[];
    await Promise.all(
      Array.from({ length: shards.spec.completions }, (_, i) =>
        edgesim(mapped(podArgs, parts), { JOB_COMPLETION_INDEX: String(i) }),
      ),
    );
    const merged = await edgesim(mapped(merge.spec.template.spec.containers[0]?.args as string[], parts));
    const single = await edgesim([
      "fleet",
      planFile,
      "--threads",
      "1",
      "--clusters-ndjson",
      join(dir, "one.ndjson"),
      "--root",
      root,
    ]);
    expect(merged.stdout).toContain("sites          300 (1200 nodes");
    expect(merged.stdout).toBe(single.stdout);
    expect(readFileSync(join(parts, "clusters.ndjson"), "utf8")).toBe(
      readFileSync(join(dir, "one.ndjson"), "utf8"),
    );
    const json = await edgesim(["fleet", "merge", planFile, parts, "--json", "--root", root]);
    expect(direct).not.toBe("");
    expect(json.stdout).toBe(direct);
  });
});

describe("the Kubernetes example", () => {
  const shards = example("shards-job.yaml")[0] as unknown as JobSpec;
  const merge = example("merge-job.yaml")[0] as unknown as JobSpec;

  it("validates against the Kubernetes API schema (kubernetes-models)", () => {
    expect(() => new ConfigMap(configMap as never).validate()).not.toThrow();
    expect(() => new PersistentVolumeClaim(claim as never).validate()).not.toThrow();
    for (const job of [shards, merge]) expect(() => new Job(job as never).validate()).not.toThrow();
    // The check is real: a wrong type is refused.
    const broken = structuredClone(shards) as unknown as { spec: { completions: unknown } };
    broken.spec.completions = "four";
    expect(() => new Job(broken as never).validate()).toThrow(/completions/);
  });

  it("shards by the completion index, one part per index, on the volume the merge reads", () => {
    expect(shards.spec.completionMode).toBe("Indexed");
    const args = shards.spec.template.spec.containers[0]?.args as string[];
    expect(args[args.indexOf("--shard") + 1]).toBe(String(shards.spec.completions));
    const out = args[args.indexOf("--out") + 1];
    const claimOf = (job: JobSpec, mountPath: string) => {
      const mount = job.spec.template.spec.containers[0]?.volumeMounts.find((m) => m.mountPath === mountPath);
      return job.spec.template.spec.volumes.find((v) => v.name === mount?.name)?.persistentVolumeClaim
        ?.claimName;
    };
    const claimName = (claim as { metadata: { name: string } }).metadata.name;
    expect(claimOf(shards, out as string)).toBe(claimName);
    const mergeArgs = merge.spec.template.spec.containers[0]?.args as string[];
    expect(mergeArgs.slice(0, 4)).toEqual(["fleet", "merge", "/fleet/plan.yaml", out]);
    expect(claimOf(merge, out as string)).toBe(claimName);
  });
});
