import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { createActor, setup } from "xstate";
import { loadFleetPlanYaml } from "../src/fleet/load.js";
import { siteInput } from "../src/fleet/map.js";
import { cachedPlanner } from "../src/rules/plan-cache.js";
import { parseYamlFile } from "../src/shared/yaml.js";
import { VirtualClock } from "../src/sim/clock.js";
import { simulate } from "../src/sim/simulate.js";

/**
 * Fleets at scale: `edgesim fleet --clusters N` (1 control plane + 3 workers per site, an OS image
 * change that repaves every node, real profiles and plans) run as a child process per figure, so
 * its wall time and peak RSS are the command's own; beside it, in the same run, a bare loop of as
 * many xstate actors through the same six node states, the floor that orchestration is measured
 * against.
 */
const root = fileURLToPath(new URL("../../../", import.meta.url));
const UPDATE = `${root}scenarios/profiles/k3s-registry-change.yaml`;
const NODES_PER_SITE = 4;

export interface FleetFigure {
  clusters: number;
  nodes: number;
  threads: number;
  trials: number;
  wallMs: number;
  cpuMs: number;
  peakRssMiB: number;
  result: string;
}

/** One `edgesim fleet` in a child: wall time from here, CPU and peak RSS (threads included) from the child. */
export function runFleetCommand(clusters: number, threads: number, trials = 1): FleetFigure {
  const args = [
    "fleet",
    "--clusters",
    String(clusters),
    "--update",
    UPDATE,
    "--json",
    "--threads",
    String(threads),
  ];
  if (trials > 1) args.push("--trials", String(trials));
  return { clusters, nodes: clusters * NODES_PER_SITE, threads, trials, ...runEdgesimChild(args) };
}

/** `edgesim ARGS` (a `--json` run) in a child: wall time from here, CPU and peak RSS (threads included) from the child. */
export function runEdgesimChild(
  args: readonly string[],
): Pick<FleetFigure, "wallMs" | "cpuMs" | "peakRssMiB" | "result"> {
  const script = `
    import { main } from ${JSON.stringify(`${root}dist/bundle/edgesim.js`)};
    let out = "";
    const io = { stdout: (t) => { if (out.length < 4096) out += t.slice(0, 4096); }, stderr: (t) => process.stderr.write(t), cwd: process.cwd(), isTTY: false };
    const code = await main(${JSON.stringify(args)}, io);
    const usage = process.resourceUsage();
    const result = /"result": "([a-z]+)"/.exec(out)?.[1] ?? "?";
    process.stderr.write("\\n@@" + JSON.stringify({ code, result, maxRSS: usage.maxRSS, cpu: usage.userCPUTime + usage.systemCPUTime }) + "\\n");
  `;
  const started = performance.now();
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  const wallMs = performance.now() - started;
  const line = /@@(.*)$/m.exec(child.stderr)?.[1];
  if (!line) throw new Error(`bench fleet child failed: ${child.stderr.slice(-2000)}`);
  const stats = JSON.parse(line) as { code: number; result: string; maxRSS: number; cpu: number };
  return {
    wallMs,
    cpuMs: stats.cpu / 1000,
    peakRssMiB: stats.maxRSS / 1024,
    result: stats.result,
  };
}

/**
 * `count` xstate actors, each through the six states of a node's repave (Ready → Cordoned → Draining →
 * Repaving → Rejoining → Ready) by events: what xstate itself costs for as many nodes, without
 * timers, the controller or the timeline.
 */
export function bareXstateLoop(count: number): { wallMs: number; cpuMs: number } {
  const machine = setup({ types: { events: {} as { type: "next" } } }).createMachine({
    id: "bare-node",
    initial: "Ready",
    context: { attempts: 0 },
    states: {
      Ready: { on: { next: "Cordoned" } },
      Cordoned: { on: { next: "Draining" } },
      Draining: { on: { next: "Repaving" } },
      Repaving: { on: { next: "Rejoining" } },
      Rejoining: { on: { next: "Rejoined" } },
      Rejoined: { on: { next: "Ready" } },
    },
  });
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const actor = createActor(machine);
    actor.start();
    for (let k = 0; k < 6; k++) actor.send({ type: "next" });
    actor.stop();
  }
  const used = process.cpuUsage(cpu);
  return { wallMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
}

/** Clock events one site's rollout runs (fault-free, as every site of the what-if): for events per second. */
export function eventsPerSite(): number {
  const yaml = [
    "name: bench",
    `update: ${JSON.stringify(UPDATE)}`,
    `from: ${JSON.stringify(`${root}scenarios/profiles/k3s-base.yaml`)}`,
    'cluster: { shape: "1+3" }',
    "inventory: { generate: { clusters: 1 } }",
    "strategy: { waves: [ { name: all, rest: true, concurrency: 1 } ] }",
    "",
  ].join("\n");
  const plan = loadFleetPlanYaml(parseYamlFile(yaml, "<bench>"));
  const planner = cachedPlanner({ rke2Quirk: plan.rke2Quirk });
  const site = plan.sites[0] as (typeof plan.sites)[number];
  const clock = new VirtualClock();
  simulate(siteInput(plan, site, 1, [], planner), { clock });
  return clock.executedCount;
}

export interface FleetBench {
  cores: number;
  sizes: (FleetFigure & {
    bareCpuMs: number;
    /** The command's CPU over the bare loop's, same node count, same run (CPU: the machine may be shared). */
    ratio: number;
    usPerNode: number;
    /** CPU per node added since the previous size: the cost without the fixed start-up. */
    marginalUsPerNode?: number;
    bytesPerNode: number;
    eventsPerSecond: number;
  })[];
  threads?: { one: FleetFigure; many: FleetFigure; speedup: number };
  trials: FleetFigure;
  /** Marginal CPU per node of the last step (to the largest fleet) over that of the first (1,000 → 3,000): 1.00 = flat. */
  perNodeGrowth: number;
}

export function benchFleet(options: { large: boolean }): FleetBench {
  const cores = availableParallelism();
  const events = eventsPerSite();
  bareXstateLoop(4_000); // JIT warm-up for the bare loop
  const counts = options.large ? [1_000, 3_000, 10_000, 100_000] : [1_000, 3_000, 10_000];
  const sizes: FleetBench["sizes"] = [];
  for (const clusters of counts) {
    const figure = runFleetCommand(clusters, 1);
    const bare = bareXstateLoop(clusters * NODES_PER_SITE);
    const previous = sizes.at(-1);
    sizes.push({
      ...figure,
      bareCpuMs: bare.cpuMs,
      ratio: figure.cpuMs / bare.cpuMs,
      usPerNode: (figure.cpuMs * 1000) / figure.nodes,
      ...(previous
        ? { marginalUsPerNode: ((figure.cpuMs - previous.cpuMs) * 1000) / (figure.nodes - previous.nodes) }
        : {}),
      bytesPerNode: (figure.peakRssMiB * 1024 * 1024) / figure.nodes,
      eventsPerSecond: (events * clusters) / (figure.cpuMs / 1000),
    });
  }
  const many = cores > 1 ? runFleetCommand(10_000, cores) : undefined;
  const one = sizes.find((s) => s.clusters === 10_000) as FleetFigure;
  const trials = runFleetCommand(1_000, cores, 100);
  const second = sizes[1] as (typeof sizes)[number];
  const last = sizes[sizes.length - 1] as (typeof sizes)[number];
  return {
    cores,
    sizes,
    ...(many ? { threads: { one, many, speedup: one.wallMs / many.wallMs } } : {}),
    trials,
    perNodeGrowth: (last.marginalUsPerNode ?? 0) / (second.marginalUsPerNode ?? 1),
  };
}
