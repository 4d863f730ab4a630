import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { PROFILE_HEAD, profileWithKeys } from "./load.js";

/**
 * Large valid inputs, run to completion by the built CLI (`edgesim plan`, `edgesim run`), each in a
 * child process of its own so that its peak RSS is the command's own. Every input is run at 1× and 4×
 * its size in the same run: the time ratio shows how the cost grows (≈4 linear, ≈16 quadratic).
 *
 * In each child, `main()` first runs once on an input of the same shape a tenth of the 1× size (loading
 * the command's modules and warming up the JIT), then once on the measured input: "work" is that call,
 * wall and CPU (the process's, so GC and compiler threads count); "wall" is the whole child from spawn
 * to exit. Three rounds (two for the largest input) of a 1× child then a 4× child; each figure is the
 * best of its rounds.
 */
const root = fileURLToPath(new URL("../../../", import.meta.url));

export interface LargeRun {
  /** The input's size in its own unit (bytes, workers, flaps, keys). */
  size: number;
  /** The input files' total size in bytes. */
  bytes: number;
  wallMs: number;
  workMs: number;
  workCpuMs: number;
  peakRssMiB: number;
  code: number;
}

export interface LargeInput {
  name: string;
  command: string;
  unit: string;
  small: LargeRun;
  large: LargeRun;
  /** large / small: the input's size, the work's CPU and wall time, the peak RSS. */
  sizeRatio: number;
  cpuRatio: number;
  workRatio: number;
  rssRatio: number;
}

/** Files to write (relative to a scratch folder that holds the bundled profiles under `profiles/`) and the argv. */
interface Case {
  files: Record<string, string>;
  args: string[];
  /** What stdout must hold for the run to count (the input ran to its end as expected). */
  expect: RegExp;
}

interface InputSpec {
  name: string;
  command: string;
  unit: string;
  /** The warm-up's size (a tenth of 1×), 1× and 4×. */
  sizes: readonly [warmup: number, small: number, large: number];
  /** Rounds (default 3), each one child at 1× and one at 4×; the best of each counts. */
  runs?: number;
  make: (size: number, tag: string) => Case;
}

/** Two profiles whose kubernetes values hold one plain scalar of `bytes` characters on one line; the last differs. */
function longLine(bytes: number, tag: string): Case {
  const value = "x".repeat(bytes - 1);
  const profile = (name: string, last: string) =>
    `name: ${name}\n${PROFILE_HEAD.join("\n")}\n      blob: ${value}${last}\n`;
  return {
    files: { [`line-from-${tag}.yaml`]: profile("from", "a"), [`line-to-${tag}.yaml`]: profile("to", "b") },
    args: ["plan", `line-from-${tag}.yaml`, `line-to-${tag}.yaml`],
    expect: /Changes \(1\)/,
  };
}

/** A scenario: the bundled K3s base, one update that reboots every node, optional Kubernetes flaps. */
function scenario(name: string, controlPlanes: number, workers: number, flaps: number): string {
  const events = ["  - { at: 1m, update: profiles/k3s-stage-boot-change.yaml }"];
  for (let i = 0; i < flaps; i++) {
    events.push(
      `  - { at: ${120 + i * 60}s, kubernetes: down }`,
      `  - { at: ${150 + i * 60}s, kubernetes: up }`,
    );
  }
  return [
    `name: ${name}`,
    `cluster: { controlPlanes: ${controlPlanes}, workers: ${workers} }`,
    "profile: profiles/k3s-base.yaml",
    "events:",
    ...events,
    "",
  ].join("\n");
}

function runCase(file: string, text: string): Case {
  return { files: { [file]: text }, args: ["run", file, "--quiet"], expect: /result +converged/ };
}

export const LARGE_INPUTS: readonly InputSpec[] = [
  {
    name: "a single-line value",
    command: "plan",
    unit: "bytes",
    sizes: [200_000, 2_000_000, 8_000_000],
    make: longLine,
  },
  {
    name: "3 control planes + N workers, one reboot",
    command: "run",
    unit: "workers",
    sizes: [250, 2_500, 10_000],
    make: (workers, tag) => runCase(`workers-${tag}.yaml`, scenario("workers", 3, workers, 0)),
  },
  {
    name: "N Kubernetes flaps on 3 + 2 nodes",
    command: "run",
    unit: "flaps",
    sizes: [500, 5_000, 20_000],
    make: (flaps, tag) => runCase(`flaps-${tag}.yaml`, scenario("flaps", 3, 2, flaps)),
  },
  {
    name: "N workers and 2N flaps together",
    command: "run",
    unit: "workers",
    sizes: [250, 2_500, 10_000],
    make: (workers, tag) => runCase(`both-${tag}.yaml`, scenario("both", 3, workers, 2 * workers)),
  },
  {
    name: "profiles of N keys, one value differs",
    command: "plan",
    unit: "keys",
    sizes: [5_000, 50_000, 200_000],
    runs: 2,
    make: (keys, tag) => ({
      files: {
        [`keys-from-${tag}.yaml`]: profileWithKeys(keys, false),
        [`keys-to-${tag}.yaml`]: profileWithKeys(keys, true),
      },
      args: ["plan", `keys-from-${tag}.yaml`, `keys-to-${tag}.yaml`],
      expect: /Changes \(1\)/,
    }),
  },
];

/** One child: `main(warmup)`, then `main(args)` timed; stdout kept to its first 4 KiB for the check. */
function runChild(
  dir: string,
  warmup: string[],
  args: string[],
): Omit<LargeRun, "size" | "bytes"> & { out: string } {
  const script = `
    import { main } from ${JSON.stringify(`${root}dist/bundle/edgesim.js`)};
    import { performance } from "node:perf_hooks";
    let out = "";
    const io = { stdout: (t) => { if (out.length < 4096) out += t.slice(0, 4096); }, stderr: (t) => process.stderr.write(t), cwd: process.cwd(), isTTY: false };
    await main(${JSON.stringify(warmup)}, io);
    out = "";
    const started = performance.now();
    const cpu = process.cpuUsage();
    const code = await main(${JSON.stringify(args)}, io);
    const used = process.cpuUsage(cpu);
    const workMs = performance.now() - started;
    const workCpuMs = (used.user + used.system) / 1000;
    const usage = process.resourceUsage();
    process.stderr.write("\\n@@" + JSON.stringify({ code, out, workMs, workCpuMs, maxRSS: usage.maxRSS }) + "\\n");
  `;
  const started = performance.now();
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: dir,
    encoding: "utf8",
    maxBuffer: 64 << 20,
    env: { ...process.env, NO_COLOR: "1" },
  });
  const wallMs = performance.now() - started;
  const line = /@@(.*)$/m.exec(child.stderr)?.[1];
  if (!line) throw new Error(`bench large: ${args.join(" ")} failed: ${child.stderr.slice(-2000)}`);
  const stats = JSON.parse(line) as {
    code: number;
    out: string;
    workMs: number;
    workCpuMs: number;
    maxRSS: number;
  };
  return {
    wallMs,
    workMs: stats.workMs,
    workCpuMs: stats.workCpuMs,
    peakRssMiB: stats.maxRSS / 1024,
    code: stats.code,
    out: stats.out,
  };
}

/** Writes the input's files; returns the case and their total size in bytes. */
function write(dir: string, made: Case): number {
  let bytes = 0;
  for (const [name, text] of Object.entries(made.files)) {
    writeFileSync(join(dir, name), text);
    bytes += Buffer.byteLength(text);
  }
  return bytes;
}

function measureOnce(dir: string, warmup: Case, made: Case): Omit<LargeRun, "size" | "bytes"> {
  const { out, ...run } = runChild(dir, warmup.args, made.args);
  if (run.code !== 0 || !made.expect.test(out)) {
    throw new Error(`bench large: ${made.args.join(" ")} exited ${run.code}, output:\n${out.slice(0, 1000)}`);
  }
  return run;
}

/** The best of the rounds, field by field (the least disturbed by other work on the machine). */
function best(runs: Omit<LargeRun, "size" | "bytes">[]): Omit<LargeRun, "size" | "bytes"> {
  const min = (pick: (r: (typeof runs)[number]) => number) => Math.min(...runs.map(pick));
  return {
    wallMs: min((r) => r.wallMs),
    workMs: min((r) => r.workMs),
    workCpuMs: min((r) => r.workCpuMs),
    peakRssMiB: min((r) => r.peakRssMiB),
    code: 0,
  };
}

export function benchLarge(): LargeInput[] {
  const dir = mkdtempSync(join(tmpdir(), "edgesim-bench-large-"));
  try {
    cpSync(join(root, "scenarios/profiles"), join(dir, "profiles"), { recursive: true });
    return LARGE_INPUTS.map((spec) => {
      const [warmupSize, smallSize, largeSize] = spec.sizes;
      const warmup = spec.make(warmupSize, "warmup");
      for (const [name, text] of Object.entries(warmup.files)) writeFileSync(join(dir, name), text);
      const one = spec.make(smallSize, "1x");
      const four = spec.make(largeSize, "4x");
      const oneBytes = write(dir, one);
      const fourBytes = write(dir, four);
      // Rounds of 1× then 4×, interleaved so that load on a shared machine hits both alike.
      const ones: Omit<LargeRun, "size" | "bytes">[] = [];
      const fours: Omit<LargeRun, "size" | "bytes">[] = [];
      for (let round = 0; round < (spec.runs ?? 3); round++) {
        ones.push(measureOnce(dir, warmup, one));
        fours.push(measureOnce(dir, warmup, four));
      }
      for (const made of [warmup, one, four])
        for (const name of Object.keys(made.files)) rmSync(join(dir, name));
      const small: LargeRun = { size: smallSize, bytes: oneBytes, ...best(ones) };
      const large: LargeRun = { size: largeSize, bytes: fourBytes, ...best(fours) };
      return {
        name: spec.name,
        command: spec.command,
        unit: spec.unit,
        small,
        large,
        sizeRatio: large.size / small.size,
        cpuRatio: large.workCpuMs / small.workCpuMs,
        workRatio: large.workMs / small.workMs,
        rssRatio: large.peakRssMiB / small.peakRssMiB,
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
