import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * `edgesim test scenarios --mutate` over the bundled library: the suite once as is, then every mutant
 * in worker threads (the available cores), run as the CLI runs (a fresh process), timed whole.
 * Target: ≤ 3 min on 2 cores.
 */
const root = fileURLToPath(new URL("../../../", import.meta.url));

export interface MutateBench {
  wallMs: number;
  cpuMs: number;
  peakRssMiB: number;
  cores: number;
  files: number;
  killed: number;
  total: number;
  /** Equivalent survivors (left out of the score). */
  equivalent: number;
  groups: { group: string; killed: number; total: number; equivalent: number }[];
}

export function benchMutate(): MutateBench {
  const script = `
    import { main } from ${JSON.stringify(`${root}dist/bundle/edgesim.js`)};
    let out = "";
    const io = { stdout: (t) => { out += t; }, stderr: (t) => process.stderr.write(t), cwd: process.cwd(), isTTY: false };
    const code = await main(["test", "scenarios", "--mutate", "--json"], io);
    const usage = process.resourceUsage();
    const json = JSON.parse(out);
    process.stderr.write("\\n@@" + JSON.stringify({ code, files: json.files, killed: json.killed, total: json.total, equivalent: json.equivalent, groups: json.groups, maxRSS: usage.maxRSS, cpu: usage.userCPUTime + usage.systemCPUTime }) + "\\n");
  `;
  // A file of its own, as an installed CLI is started (the threads leave out `-e` and `--input-type` anyway).
  const dir = mkdtempSync(join(tmpdir(), "edgesim-bench-mutate-"));
  const file = join(dir, "run.mjs");
  writeFileSync(file, script);
  const started = performance.now();
  const child = spawnSync(process.execPath, [file], { cwd: root, encoding: "utf8", maxBuffer: 256 << 20 });
  const wallMs = performance.now() - started;
  rmSync(dir, { recursive: true, force: true });
  const line = /@@(.*)$/m.exec(child.stderr)?.[1];
  if (!line) throw new Error(`bench mutate child failed: ${child.stderr.slice(-2000)}`);
  const stats = JSON.parse(line) as Omit<MutateBench, "wallMs" | "cpuMs" | "peakRssMiB" | "cores"> & {
    maxRSS: number;
    cpu: number;
  };
  return {
    wallMs,
    // The process's own CPU time: the worker threads' included (they are threads of it).
    cpuMs: stats.cpu / 1000,
    peakRssMiB: stats.maxRSS / 1024,
    cores: availableParallelism(),
    files: stats.files,
    killed: stats.killed,
    total: stats.total,
    equivalent: stats.equivalent,
    groups: stats.groups,
  };
}
