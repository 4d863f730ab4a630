import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { SINGLE_CORE_FLAG, singleCoreShard } from "../../src/cli/launch.js";

// The launcher runs before the bundled CLI (bin/edgesim.js), so these run the built CLI (npm test builds first).
const root = resolve(import.meta.dirname, "../..");
const UPDATE = "scenarios/profiles/k3s-registry-change.yaml";

describe("which processes start again on one core", () => {
  it("is a fleet shard without --threads, once", () => {
    expect(singleCoreShard(["fleet", "plan.yaml", "--shard", "1/4", "--out", "parts"], [])).toBe(true);
    expect(
      singleCoreShard(["fleet", "--clusters", "10", "--update", "u.yaml", "--shard=4", "--out=p"], []),
    ).toBe(true);
    // Already started so, or asked for threads (1 included): left as it is.
    expect(singleCoreShard(["fleet", "plan.yaml", "--shard", "4", "--out", "p"], [SINGLE_CORE_FLAG])).toBe(
      false,
    );
    expect(singleCoreShard(["fleet", "plan.yaml", "--shard", "4", "--out", "p", "--threads", "1"], [])).toBe(
      false,
    );
    expect(singleCoreShard(["fleet", "plan.yaml", "--threads=2", "--shard", "4", "--out", "p"], [])).toBe(
      false,
    );
    // Not a shard: a merge, a plain run, --shard-by alone, help, or --shard after the end of options.
    expect(singleCoreShard(["fleet", "merge", "plan.yaml", "parts"], [])).toBe(false);
    expect(singleCoreShard(["fleet", "plan.yaml", "--json"], [])).toBe(false);
    expect(singleCoreShard(["fleet", "plan.yaml", "--shard-by", "sites"], [])).toBe(false);
    expect(singleCoreShard(["fleet", "--shard", "4", "--help"], [])).toBe(false);
    expect(singleCoreShard(["fleet", "--", "--shard"], [])).toBe(false);
    expect(singleCoreShard(["run", "--shard", "4"], [])).toBe(false);
  });
});

describe("a shard started again on one core", () => {
  const dir = mkdtempSync(join(tmpdir(), "edgesim-launch-"));
  const cli = (args: string[]) =>
    spawnSync(process.execPath, ["bin/edgesim.js", ...args], { cwd: root, encoding: "utf8" });
  const shard = ["fleet", "--clusters", "400", "--update", UPDATE, "--trials", "4", "--shard", "1/2"];

  it("writes the part one process writes, says so once, and exits as the child did", () => {
    const single = cli([...shard, "--out", join(dir, "single")]);
    const threaded = cli([...shard, "--out", join(dir, "threads"), "--threads", "1"]);
    expect(single.status).toBe(0);
    expect(threaded.status).toBe(0);
    expect(single.stdout).toBe(
      `shard 1/2: trials 2–3 of 4 × 400 sites → ${join(dir, "single", "part-1-of-2.part")}\n`,
    );
    const part = (folder: string) => readFileSync(join(dir, folder, "part-1-of-2.part"));
    expect(part("single").equals(part("threads"))).toBe(true);
    // A refusal passes through the child: its message once, its exit code.
    const again = cli([...shard, "--out", join(dir, "single")]);
    expect(again.status).toBe(1);
    expect(again.stdout).toBe("");
    expect(again.stderr.match(/the part already exists/g)).toHaveLength(1);
  });

  it("runs in a child with V8's helper threads off, which a signal to the parent stops", async () => {
    const out = join(dir, "stopped");
    const parent = spawn(
      process.execPath,
      [
        "bin/edgesim.js",
        "fleet",
        "--clusters",
        "100000",
        "--update",
        UPDATE,
        "--trials",
        "50",
        "--shard",
        "0/2",
      ].concat(["--out", out]),
      { cwd: root, stdio: "ignore" },
    );
    // The child: the process whose command line holds the flag and this part's folder.
    const childPid = async (): Promise<number> => {
      for (let i = 0; i < 200; i++) {
        for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
          let cmd = "";
          try {
            cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
          } catch {
            continue;
          }
          const args = cmd.split("\0");
          if (Number(pid) !== parent.pid && args.includes(SINGLE_CORE_FLAG) && args.includes(out))
            return Number(pid);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error("no child started with the flag");
    };
    const child = await childPid();
    const ended = new Promise<NodeJS.Signals | null>((r) =>
      parent.once("exit", (_code, signal) => r(signal)),
    );
    parent.kill("SIGTERM");
    expect(await ended).toBe("SIGTERM");
    // The child is gone too, and wrote nothing.
    for (let i = 0; i < 100 && existsSync(`/proc/${child}`); i++) await new Promise((r) => setTimeout(r, 25));
    expect(existsSync(`/proc/${child}`)).toBe(false);
    expect(existsSync(join(out, "part-0-of-2.part"))).toBe(false);
  }, 30_000);
});
