import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { formatDuration } from "../../src/shared/duration.js";
import { FIXTURES, workspace } from "../scenario/helpers.js";

async function run(args: string[]) {
  const io = memoryIo();
  const code = await main(args, io);
  return { code, out: io.out, err: io.err };
}

const REBOOT = join(FIXTURES, "reboot.yaml");

describe("edgesim run", () => {
  it("--json prints the contract object: name, result, behavior, finalProfile, timeline, expectations first", async () => {
    const { code, out, err } = await run(["run", REBOOT, "--json"]);
    expect(err).toBe("");
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(Object.keys(json).slice(0, 6)).toEqual([
      "name",
      "result",
      "behavior",
      "finalProfile",
      "timeline",
      "expectations",
    ]);
    expect(json).toMatchObject({
      name: "fixture-reboot",
      result: "converged",
      behavior: "reboot",
      finalProfile: "small-reboot",
      passed: true,
      seed: 5,
    });
    for (const entry of json.timeline) {
      expect(typeof entry.t).toBe("number");
      expect(typeof entry.event).toBe("string");
    }
    expect(json.expectations.map((e: { name: string }) => e.name)).toEqual([
      "result",
      "behavior",
      "order",
      "finalProfile",
      "maxUnavailable",
    ]);
    expect(json.expectations.every((e: { passed: boolean }) => e.passed)).toBe(true);
  });

  it("same seed and file give byte-identical output; another seed changes the timings", async () => {
    const first = await run(["run", REBOOT, "--json"]);
    const second = await run(["run", REBOOT, "--json"]);
    expect(second.out).toBe(first.out);
    const text1 = await run(["run", REBOOT, "--seed", "99"]);
    const text2 = await run(["run", REBOOT, "--seed", "99"]);
    expect(text2.out).toBe(text1.out);
    expect(text1.out).not.toBe((await run(["run", REBOOT])).out);
  });

  it("prints a readable timeline and summary by default, only the summary with --quiet", async () => {
    const { code, out } = await run(["run", REBOOT]);
    expect(code).toBe(0);
    expect(out).toMatch(/^00:01:00 {2}/);
    expect(out).toMatch(/\n\d\d:\d\d:\d\d(\.\d{3})? +cp-1 +action-started +action=reboot/);
    expect(out).toContain("  ✓ behavior: behavior is reboot\n");
    const quiet = await run(["run", REBOOT, "--quiet"]);
    expect(quiet.out.startsWith("scenario       fixture-reboot\n")).toBe(true);
    expect(quiet.out).not.toContain("action-started");
  });

  it("without expect: a fleet wave that did not converge exits 4 and says why", async () => {
    const dir = workspace({
      "wave.yaml":
        "name: wave\nfleet: { concurrency: 1 }\nupdate: profiles/small-reboot.yaml\nclusters:\n" +
        "  - { name: store-1, profile: profiles/small-base.yaml, controlPlanes: 1, workers: 1,\n" +
        "      events: [{ at: 0s, node: worker-1, fail: reboot, times: 9 }] }\n",
    });
    const wave = await run(["run", join(dir, "wave.yaml"), "--quiet"]);
    expect(wave.code).toBe(4);
    expect(wave.out).toContain("expectations   none, and the rollout ended failed: not passed");
  });

  it("without expect: a failed rollout exits 4 and names the failed node and which nodes are on what", async () => {
    const dir = workspace({
      "fails.yaml":
        "name: fails\ncluster: { controlPlanes: 1, workers: 2 }\nprofile: profiles/small-base.yaml\nevents:\n" +
        "  - { at: 1m, update: profiles/small-reboot.yaml }\n  - { at: 1m, node: worker-1, fail: reboot, times: 9 }\n",
      "fine.yaml":
        "name: fine\ncluster: { controlPlanes: 1, workers: 2 }\nprofile: profiles/small-base.yaml\nevents:\n" +
        "  - { at: 1m, update: profiles/small-reboot.yaml }\n",
      "refused.yaml":
        "name: refused\ncluster: { controlPlanes: 1, workers: 0 }\nprofile: profiles/small-base.yaml\nevents:\n" +
        "  - { at: 1m, update: profiles/small-cni-switch.yaml }\n",
    });
    const failed = await run(["run", join(dir, "fails.yaml"), "--quiet"]);
    expect(failed.code).toBe(4);
    expect(failed.out).toContain("result         failed\n");
    expect(failed.out).toMatch(/^failed node {4}worker-1: reboot failed: /m);
    expect(failed.out).toContain("nodes on\n  small-reboot: cp-1\n  small-base: worker-1, worker-2\n");
    expect(failed.out).toContain("expectations   none, and the rollout ended failed: not passed");
    const fine = await run(["run", join(dir, "fine.yaml")]);
    expect(fine.code).toBe(0);
    expect(fine.out).not.toContain("nodes on");
    expect(fine.out).toContain("expectations   none\n");
    const refused = await run(["run", join(dir, "refused.yaml"), "--quiet"]);
    expect(refused.code).toBe(4);
    expect(refused.out).toContain("result         converged\n");
    expect(refused.out).toMatch(/^refused {8}small-cni-switch at .*: .*CNI/m);
    expect(refused.out).toContain("expectations   none, and 1 update was refused as unsupported: not passed");
  });

  it("run, report and its page print the same duration, in the one format", async () => {
    const scenario = "scenarios/story-node-fails-mid-repave-halts.yaml";
    const quiet = await run(["run", scenario, "--quiet"]);
    const shown = /^duration {7}(\S+)$/m.exec(quiet.out)?.[1];
    const json = JSON.parse((await run(["run", scenario, "--json"])).out);
    expect(shown).toBe(formatDuration(json.durationMs));
    // The update is at 1m: the duration is not the last entry's clock time.
    expect(json.durationMs).toBeLessThan(json.timeline.at(-1).t);
    const page = join(workspace(), "page.html");
    const report = await run(["report", scenario, "-o", page]);
    expect(report.out).toContain(`, ${shown}; timeline written`);
    expect(readFileSync(page, "utf8")).toContain(`duration <b>${shown}</b>`);
  });

  it("exits 4 when an expectation fails, and says which", async () => {
    const { code, out } = await run(["run", join(FIXTURES, "wrong-behavior.yaml")]);
    expect(code).toBe(4);
    expect(out).toContain("✗ behavior: expected repave, got reboot");
  });

  it("exits 1 on bad input with file:line:col on stderr and nothing on stdout", async () => {
    const dir = workspace({
      "bad.yaml":
        "name: bad\ncluster: { controlPlanes: 1, workers: 0 }\nprofile: profiles/small-base.yaml\nevents:\n  - { at: -5m, agent: restart }\n",
    });
    const { code, out, err } = await run(["run", join(dir, "bad.yaml")]);
    expect(code).toBe(1);
    expect(out).toBe("");
    expect(err).toContain(`${join(dir, "bad.yaml")}:5:11: events[0].at: expected a duration`);
  });

  it("exits 1 for a missing scenario file and a bad --seed", async () => {
    expect((await run(["run", "no/such/scenario.yaml"])).err).toContain(
      "no/such/scenario.yaml: file not found",
    );
    expect((await run(["run", REBOOT, "--seed", "abc"])).code).toBe(1);
  });

  it("--log writes the simulation's log as JSON lines", async () => {
    const dir = workspace();
    const log = join(dir, "run.log");
    const { code } = await run(["run", REBOOT, "--log", log, "--quiet"]);
    expect(code).toBe(0);
    expect(existsSync(log)).toBe(true);
    const lines = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.some((line) => line.event === "action-started")).toBe(true);
  });
});
