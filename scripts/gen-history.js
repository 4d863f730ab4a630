#!/usr/bin/env node
// Generates examples/history/: a fleet's history of reboot rollouts from known parameters, in the three
// formats `edgesim calibrate` reads, so that the fit can be checked against the truth.
//
//   node scripts/gen-history.js [OUT_DIR] [--sites N] [--rollouts N] [--seed N]
//
// Known parameters (printed to OUT_DIR/truth.json):
//   drain (cordon → node down):           log-normal, median 90 s, p90 3 m
//   reboot (node down → Ready again):     log-normal, median 6 m,  p90 9 m
//   failure per reboot attempt:           5 % (a failed attempt comes back, then goes down again)
// Every rollout reboots the nodes of its sites one at a time (sites in parallel). The first rollouts are
// written as Prometheus query_range responses (30 s scrape, each rollout's range split across two files
// per metric, so intervals cross file boundaries), the next as Kubernetes events (NDJSON, as an event
// exporter writes them), the rest as an intervals CSV. NotReady is seen 40 s after the node goes down
// (the node controller's grace period), as in a real cluster.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const out = args[0] && !args[0].startsWith("--") ? args[0] : "examples/history";
const SITES = option("--sites", 100);
const ROLLOUTS = option("--rollouts", 20);
const SEED = option("--seed", 20261105);
const NODES = 4;
const SITES_PER_ROLLOUT = 25;
const PROM_ROLLOUTS = Math.round(ROLLOUTS * 0.15);
const EVENT_ROLLOUTS = Math.round(ROLLOUTS * 0.5);
const SCRAPE = 30_000;
const NOT_READY_DELAY = 40_000;
const Z90 = 1.2815515655446004;
const truth = {
  drain: { medianMs: 90_000, p90Ms: 180_000 },
  reboot: { medianMs: 360_000, p90Ms: 540_000 },
  failureRate: { reboot: 0.05 },
};

// mulberry32: a small seeded generator, so the same seed writes the same bytes.
let state = SEED >>> 0;
const uniform = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const normal = () => {
  const u = Math.max(uniform(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
};
const draw = ({ medianMs, p90Ms }) =>
  Math.round(medianMs * Math.exp((Math.log(p90Ms / medianMs) / Z90) * normal()));

const site = (i) => `store-${String(i + 1).padStart(3, "0")}`;
const iso = (ms) => new Date(ms).toISOString().replace(".000Z", "Z");
const second = (ms) => Math.floor(ms / 1000) * 1000;
const START = Date.UTC(2026, 9, 1, 2, 0, 0);

mkdirSync(out, { recursive: true });
const rollouts = [];
const promFiles = {};
const events = [];
const csv = ["site,node,step,start,end,outcome,resolution"];
let uid = 0;

for (let r = 0; r < ROLLOUTS; r++) {
  const from = START + r * 2 * 86_400_000;
  const first = (r * SITES_PER_ROLLOUT) % SITES;
  const sites = Array.from({ length: Math.min(SITES_PER_ROLLOUT, SITES) }, (_, k) =>
    site((first + k) % SITES),
  );
  const kind = r < PROM_ROLLOUTS ? "prometheus" : r < PROM_ROLLOUTS + EVENT_ROLLOUTS ? "events" : "intervals";
  // Per node: cordoned spell [c0, c1), NotReady spells (as seen) [[d, u], ...].
  const spells = [];
  let end = from;
  for (const name of sites) {
    let t = from + Math.round(uniform() * 120_000);
    for (let n = 0; n < NODES; n++) {
      const node = `${name}-n${n + 1}`;
      const cordon = t;
      const drain = draw(truth.drain);
      let down = cordon + drain;
      const cycles = [];
      for (;;) {
        const reboot = draw(truth.reboot);
        const up = down + reboot;
        const failed = uniform() < truth.failureRate.reboot;
        cycles.push({ down, up, failed });
        if (!failed) break;
        down = up + 20_000 + Math.round(uniform() * 40_000);
      }
      const last = cycles[cycles.length - 1];
      const uncordon = last.up + 10_000;
      spells.push({ site: name, node, cordon, drain, cycles, uncordon });
      t = uncordon + 20_000;
    }
    end = Math.max(end, t);
  }
  const until = end + 15 * 60_000;
  rollouts.push({ name: `os-patch-${String(r + 1).padStart(2, "0")}`, sites, from, until, kind });

  if (kind === "prometheus") {
    const t0 = Math.ceil(from / SCRAPE) * SCRAPE;
    const t1 = Math.floor(until / SCRAPE) * SCRAPE;
    const mid = t0 + Math.floor((t1 - t0) / SCRAPE / 2) * SCRAPE;
    for (const [part, a, b] of [
      [1, t0, mid],
      [2, mid + SCRAPE, t1],
    ]) {
      for (const metric of ["unschedulable", "ready"]) {
        const result = spells.map((s) => {
          const values = [];
          for (let t = a; t <= b; t += SCRAPE) {
            let v;
            if (metric === "unschedulable") v = t >= s.cordon && t < s.uncordon ? 1 : 0;
            else v = s.cycles.some((c) => t >= c.down + NOT_READY_DELAY && t < c.up) ? 0 : 1;
            values.push([t / 1000, String(v)]);
          }
          const labels =
            metric === "unschedulable"
              ? { __name__: "kube_node_spec_unschedulable", cluster: s.site, node: s.node }
              : {
                  __name__: "kube_node_status_condition",
                  cluster: s.site,
                  node: s.node,
                  condition: "Ready",
                  status: "true",
                };
          return { metric: labels, values };
        });
        const file = `prometheus-${metric}-r${String(r + 1).padStart(2, "0")}-${part}.json`;
        promFiles[file] = JSON.stringify({ status: "success", data: { resultType: "matrix", result } });
      }
    }
  } else if (kind === "events") {
    for (const s of spells) {
      const ev = (reason, ms) => {
        uid++;
        events.push(
          JSON.stringify({
            cluster: s.site,
            metadata: { name: `${s.node}.${uid.toString(16)}`, namespace: "default", uid: `e-${uid}` },
            involvedObject: { kind: "Node", name: s.node },
            reason,
            count: 1,
            firstTimestamp: iso(second(ms)),
            lastTimestamp: iso(second(ms)),
            type: "Normal",
          }),
        );
      };
      ev("NodeNotSchedulable", s.cordon);
      for (const c of s.cycles) {
        ev("NodeNotReady", c.down + NOT_READY_DELAY);
        ev("NodeReady", c.up);
      }
      ev("NodeSchedulable", s.uncordon);
    }
  } else {
    for (const s of spells) {
      const at = (ms) => iso(second(ms));
      csv.push(`${s.site},${s.node},drain,${at(s.cordon)},${at(s.cordon + s.drain)},ok,1s`);
      for (const c of s.cycles)
        csv.push(`${s.site},${s.node},reboot,${at(c.down)},${at(c.up)},${c.failed ? "failed" : "ok"},1s`);
    }
  }
}

for (const [file, text] of Object.entries(promFiles)) writeFileSync(join(out, file), `${text}\n`);
writeFileSync(join(out, "events.ndjson"), `${events.join("\n")}\n`);
writeFileSync(join(out, "intervals.csv"), `${csv.join("\n")}\n`);
const yaml = [
  "# Which update each stretch of the history belongs to (written by scripts/gen-history.js).",
  "rollouts:",
  ...rollouts.flatMap((r) => [
    `  - name: ${r.name}  # ${r.kind}`,
    `    sites: [${r.sites.join(", ")}]`,
    `    from: ${iso(r.from)}`,
    `    until: ${iso(r.until)}`,
    "    behavior: reboot",
  ]),
];
writeFileSync(join(out, "rollouts.yaml"), `${yaml.join("\n")}\n`);
const inventory = ["name,timeZone,shape,labels"];
for (let i = 0; i < SITES; i++) inventory.push(`${site(i)},UTC,1+3,hardware=${i % 2 === 0 ? "nuc" : "xeon"}`);
writeFileSync(join(out, "inventory.csv"), `${inventory.join("\n")}\n`);
writeFileSync(
  join(out, "truth.json"),
  `${JSON.stringify({ seed: SEED, sites: SITES, rollouts: ROLLOUTS, nodes: NODES, notReadyDelayMs: NOT_READY_DELAY, scrapeMs: SCRAPE, ...truth }, null, 2)}\n`,
);
