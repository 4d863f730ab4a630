import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The upgrade-path search at the size the path issue names: six Kubernetes minors (1.30.5 → 1.36.2),
 * three OS images (today's and two patches) and a worker pool whose "skip worker node update" the
 * search may turn on or off — every valid path planned step by step and ranked. Run as the CLI runs
 * (`edgesim path … --json`, a fresh process), timed whole. Target: ≤ 2 s on 2 cores.
 */
const root = fileURLToPath(new URL("../../../", import.meta.url));
const FROM = `${root}scenarios/profiles/pxk-e-base.yaml`;
// Images that name no Kubernetes version (a CanvOS tag names one, and ties the image to it: fewer paths).
const URI = "registry.retail.example.com/edge/ubuntu:pxk-e-patch2-retail";

export interface PathBench {
  wallMs: number;
  cpuMs: number;
  peakRssMiB: number;
  considered: number;
  steps: number;
  repavesPerNode: number;
}

export function benchPath(): PathBench {
  const dir = mkdtempSync(join(tmpdir(), "edgesim-bench-path-"));
  try {
    const versions = join(dir, "versions.yaml");
    writeFileSync(
      versions,
      [
        "kubernetes: [1.31.4, 1.32.6, 1.33.3, 1.34.1, 1.35.2, 1.36.2]",
        "osImages:",
        "  - registry.retail.example.com/edge/ubuntu:pxk-e-patch1-retail",
        `  - ${URI}`,
        "",
      ].join("\n"),
    );
    const args = [
      ...["path", FROM, "--kubernetes", "1.36.2", "--os-uri", URI, "--versions", versions],
      ...["--pool", "edge:4", "--limit", "1000", "--json"],
    ];
    const script = `
      import { main } from ${JSON.stringify(`${root}dist/bundle/edgesim.js`)};
      let out = "";
      const io = { stdout: (t) => { out += t; }, stderr: (t) => process.stderr.write(t), cwd: process.cwd(), isTTY: false };
      const code = await main(${JSON.stringify(args)}, io);
      const usage = process.resourceUsage();
      const json = JSON.parse(out);
      const best = json.paths[0];
      process.stderr.write("\\n@@" + JSON.stringify({ code, considered: json.considered, steps: best.steps.length, repavesPerNode: best.repavesPerNode, maxRSS: usage.maxRSS, cpu: usage.userCPUTime + usage.systemCPUTime }) + "\\n");
    `;
    const started = performance.now();
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: root,
      encoding: "utf8",
      maxBuffer: 256 << 20,
    });
    const wallMs = performance.now() - started;
    const line = /@@(.*)$/m.exec(child.stderr)?.[1];
    if (!line) throw new Error(`bench path child failed: ${child.stderr.slice(-2000)}`);
    const stats = JSON.parse(line) as {
      considered: number;
      steps: number;
      repavesPerNode: number;
      maxRSS: number;
      cpu: number;
    };
    return {
      wallMs,
      cpuMs: stats.cpu / 1000,
      peakRssMiB: stats.maxRSS / 1024,
      considered: stats.considered,
      steps: stats.steps,
      repavesPerNode: stats.repavesPerNode,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
