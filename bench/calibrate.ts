import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runEdgesimChild } from "./fleet.js";

export interface CalibrateFigure {
  sites: number;
  rollouts: number;
  files: number;
  bytes: number;
  generateMs: number;
  wallMs: number;
  cpuMs: number;
  peakRssMiB: number;
}

const NODES = 4;
const SCRAPE_S = 30;
const SITES_PER_FILE = 1000;

/** mulberry32: seeded, so the same history every run. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A fleet's history as Prometheus query_range responses: `sites` sites of 4 nodes, each in every one of
 * `rollouts` reboot rollouts (nodes one after another: a drain of ~90 s, a reboot of ~6 m), scraped every
 * 30 s. Each series holds its node's span and a few minutes either side (absent samples elsewhere, as
 * Prometheus returns them); one file per rollout, metric and 1,000 sites. Written into `dir`.
 */
export function generatePrometheusHistory(
  dir: string,
  sites: number,
  rollouts: number,
): { files: number; bytes: number } {
  const random = generator(20261205);
  const lognormal = (median: number, sigma: number) => {
    const u = Math.max(random(), 1e-12);
    return median * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random()));
  };
  const start = Date.UTC(2026, 0, 5, 2) / 1000;
  const rolloutLines = ["rollouts:"];
  let files = 0;
  let bytes = 0;
  for (let r = 0; r < rollouts; r++) {
    const from = start + r * 2 * 86_400;
    const until = from + 4 * 3600;
    rolloutLines.push(
      `  - name: r${r + 1}`,
      "    select: { labels: { fleet: bench } }",
      `    from: ${new Date(from * 1000).toISOString()}`,
      `    until: ${new Date(until * 1000).toISOString()}`,
      "    behavior: reboot",
    );
    for (let first = 0; first < sites; first += SITES_PER_FILE) {
      const ready: string[] = [];
      const cordoned: string[] = [];
      for (let s = first; s < Math.min(sites, first + SITES_PER_FILE); s++) {
        let t = from + Math.floor(random() * 600);
        for (let n = 0; n < NODES; n++) {
          const cordon = t;
          const down = cordon + lognormal(90, 0.54);
          const up = down + lognormal(360, 0.32);
          const uncordon = up + 10;
          const a = Math.floor((cordon - 180) / SCRAPE_S) * SCRAPE_S;
          const b = Math.ceil((uncordon + 180) / SCRAPE_S) * SCRAPE_S;
          const r1: string[] = [];
          const c1: string[] = [];
          for (let x = a; x <= b; x += SCRAPE_S) {
            r1.push(`[${x},"${x >= down + 40 && x < up ? 0 : 1}"]`);
            c1.push(`[${x},"${x >= cordon && x < uncordon ? 1 : 0}"]`);
          }
          const labels = `"cluster":"site-${s}","node":"site-${s}-n${n + 1}"`;
          ready.push(
            `{"metric":{"__name__":"kube_node_status_condition",${labels},"condition":"Ready","status":"true"},"values":[${r1.join(",")}]}`,
          );
          cordoned.push(
            `{"metric":{"__name__":"kube_node_spec_unschedulable",${labels}},"values":[${c1.join(",")}]}`,
          );
          t = uncordon + 20;
        }
      }
      for (const [metric, result] of [
        ["ready", ready],
        ["unschedulable", cordoned],
      ] as const) {
        const text = `{"status":"success","data":{"resultType":"matrix","result":[${result.join(",")}]}}\n`;
        writeFileSync(join(dir, `${metric}-r${r + 1}-${first}.json`), text);
        files++;
        bytes += text.length;
      }
    }
  }
  writeFileSync(join(dir, "rollouts.yaml"), `${rolloutLines.join("\n")}\n`);
  const inventory = ["name,timeZone,shape,labels"];
  for (let s = 0; s < sites; s++) inventory.push(`site-${s},UTC,1+3,fleet=bench`);
  writeFileSync(join(dir, "inventory.csv"), `${inventory.join("\n")}\n`);
  return { files, bytes };
}

/**
 * Generates a history of `sites` sites × `rollouts` rollouts (one every two days) into a temporary folder,
 * calibrates it in a child process, removes the folder.
 */
export function benchCalibrate(sites: number, rollouts: number): CalibrateFigure {
  const dir = mkdtempSync(join(tmpdir(), "edgesim-bench-calibrate-"));
  try {
    const started = performance.now();
    const { files, bytes } = generatePrometheusHistory(dir, sites, rollouts);
    const generateMs = performance.now() - started;
    const history = readdirSync(dir)
      .filter((f) => f.endsWith(".json"))
      .map((f) => join(dir, f));
    const out = join(dir, "timings.yaml");
    const figure = runEdgesimChild([
      "calibrate",
      ...history,
      "--rollouts",
      join(dir, "rollouts.yaml"),
      "--inventory",
      join(dir, "inventory.csv"),
      "-o",
      out,
      "--json",
    ]);
    if (statSync(out).size === 0) throw new Error("bench calibrate: no timings written");
    return { sites, rollouts, files, bytes, generateMs, ...figure };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
