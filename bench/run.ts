import { benchCalibrate } from "./calibrate.js";
import { benchFleet } from "./fleet.js";
import { benchLarge } from "./large.js";
import { benchLoad } from "./load.js";
import { benchMutate } from "./mutate.js";
import { benchPath } from "./path.js";
import { benchPlan } from "./plan.js";
import { benchQuizScaling } from "./quiz.js";
import { benchServe } from "./serve.js";
import { benchScaling, benchSimulation } from "./sim.js";
import { benchStartup, printStartup } from "./startup.js";
import { benchTelco } from "./telco.js";
import { benchTemplate, TEMPLATE_SITES } from "./template.js";

// Prints one table per benchmark; numbers vary by machine, so nothing here asserts.
// `npm run bench -- fleet` runs only the fleet section (EDGESIM_BENCH_100K=1 adds 100,000 clusters to it);
// `npm run bench -- telco` only the telco-scale targets (half an hour or more; in the whole run with EDGESIM_BENCH_TELCO=1);
// `npm run bench -- template` only the cluster-template figure; `npm run bench -- path` only the upgrade-path search; `npm run bench -- serve` only the workbench server; `npm run bench -- mutate` only mutation testing over the bundled library; `npm run bench -- large` only the large valid inputs; `npm run bench -- core` only plan, simulation,
// loading, quiz and start-up; `npm run bench -- calibrate` only calibration over a generated Prometheus history
// at a quarter of the sites, at all of them, and at a quarter with 4× the rollouts (EDGESIM_BENCH_CALIBRATE_SITES
// sets the sites, 10,000 by default).
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const only = process.argv[2];
const SECTIONS = ["core", "fleet", "telco", "large", "template", "path", "serve", "mutate", "calibrate"];
if (only !== undefined && !SECTIONS.includes(only)) {
  console.error(`bench: unknown section "${only}" (expected one of ${SECTIONS.join(", ")}, or none for all)`);
  process.exit(1);
}

if (only === undefined || only === "core") await core();
if (only === undefined || only === "large") large();
if (only === undefined || only === "fleet") fleet();
if (only === "telco" || (only === undefined && process.env.EDGESIM_BENCH_TELCO === "1")) telco();
if (only === undefined || only === "template") template();
if (only === undefined || only === "path") path();
if (only === undefined || only === "serve") await serve();
if (only === undefined || only === "mutate") mutate();
if (only === undefined || only === "calibrate") calibrate();

function calibrate(): void {
  const sites = Number(process.env.EDGESIM_BENCH_CALIBRATE_SITES ?? 10_000);
  console.log(
    `\nedgesim calibrate: a generated Prometheus history (30 s scrape) of sites × 4 nodes × rollouts (reboots), in a temporary folder; target ≤ 30 s for 10,000 sites × 20 rollouts on 2 cores, memory not growing with the history`,
  );
  // The history grows along two axes: more sites (the same rollouts), and more rollouts (the same sites,
  // a 4× longer time span). A quarter of the sites × 20 rollouts is the base of both.
  const quarterSites = Math.max(1, Math.round(sites / 4));
  const quarter = benchCalibrate(quarterSites, 20);
  const full = quarterSites === sites ? quarter : benchCalibrate(sites, 20);
  const longer = benchCalibrate(quarterSites, 80);
  const rows: Record<string, Record<string, string>> = {};
  // The target is for 10,000 sites: a smaller run scales its CPU time linearly to say where it would land.
  const scale = 10_000 / full.sites;
  for (const f of [quarter, full, longer]) {
    rows[`${fmt(f.sites)} sites × ${f.rollouts} rollouts`] = {
      files: fmt(f.files),
      "history MB": fmt(f.bytes / 1e6),
      "generate s": (f.generateMs / 1000).toFixed(1),
      "calibrate wall s": (f.wallMs / 1000).toFixed(2),
      "CPU s": (f.cpuMs / 1000).toFixed(2),
      "peak RSS MiB": fmt(f.peakRssMiB),
      target:
        f === full
          ? `≤ 30 s on 2 cores${scale === 1 ? "" : ` (at 10,000 sites: about ${((f.cpuMs * scale) / 1000).toFixed(0)} s of CPU)`}`
          : "",
    };
  }
  console.table(rows);
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  console.log(
    `4× the history, by rollouts (${fmt(quarterSites)} sites, 80 rollouts / 20): CPU ${ratio(longer.cpuMs, quarter.cpuMs)} (4× is linear), peak RSS ${ratio(longer.peakRssMiB, quarter.peakRssMiB)} (target: about 1×)`,
  );
  if (full !== quarter)
    console.log(
      `4× the history, by sites (${fmt(sites)} sites / ${fmt(quarterSites)}, 20 rollouts): CPU ${ratio(full.cpuMs, quarter.cpuMs)} (4× is linear), peak RSS ${ratio(full.peakRssMiB, quarter.peakRssMiB)} (target: about 1×; what calibrate keeps per node — its name, an entry in its site's map, about a hundred bytes of columns — and the inventory and rollouts grow with the sites)`,
    );
  console.log(
    `wall ${(full.wallMs / 1000).toFixed(1)} s at ${fmt(full.sites)} sites against ≤ 30 s: ${full.sites >= 10_000 && full.wallMs <= 30_000 ? "met" : full.sites >= 10_000 ? "not met (compare CPU time on a shared machine)" : "not measured at full size"}`,
  );
}

async function serve(): Promise<void> {
  const bench = await benchServe(200);
  console.log(
    "\nedgesim serve: 200 plan requests at once over loopback HTTP (each a different edit); target: no errors",
  );
  console.table({
    "POST /api/plan": {
      "p50 ms": bench.p50Ms.toFixed(1),
      "p99 ms": bench.p99Ms.toFixed(1),
      "wall s": (bench.wallMs / 1000).toFixed(2),
      errors: bench.errors,
    },
  });
}

function mutate(): void {
  const bench = benchMutate();
  console.log(
    `\nmutation testing: edgesim test scenarios --mutate (${bench.files} files, ${bench.total} mutants, ${bench.cores} core(s)); target ≤ 3 min on 2 cores`,
  );
  console.table({
    "edgesim test --mutate --json (whole process)": {
      "wall s": (bench.wallMs / 1000).toFixed(2),
      "CPU s": (bench.cpuMs / 1000).toFixed(2),
      "peak RSS MiB": fmt(bench.peakRssMiB),
      killed: `${bench.killed}/${bench.total - bench.equivalent}`,
      equivalent: bench.equivalent,
    },
  });
  console.log(bench.groups.map((g) => `${g.group} ${g.killed}/${g.total - g.equivalent}`).join(", "));
}

function path(): void {
  const bench = benchPath();
  console.log(
    "\nupgrade paths: 1.30.5 → 1.36.2 (six minors), three OS images, a pool of 4 that may skip worker updates; target ≤ 2 s",
  );
  console.table({
    "edgesim path --json (whole process)": {
      "wall s": (bench.wallMs / 1000).toFixed(2),
      "CPU s": (bench.cpuMs / 1000).toFixed(2),
      "peak RSS MiB": fmt(bench.peakRssMiB),
      "paths considered": fmt(bench.considered),
      recommended: `${bench.steps} steps, ${bench.repavesPerNode} repaves/node`,
    },
  });
}

function template(): void {
  const bench = benchTemplate();
  const ratio = bench.template.wallMs / bench.waves.wallMs;
  console.log(
    `\ncluster template: ${fmt(TEMPLATE_SITES)} sites over a year of weekly 4 h UTC windows, three published versions (${fmt(3 * TEMPLATE_SITES)} site simulations), ${bench.cores} core(s); target ≤ 10 s`,
  );
  console.table({
    "palette template": {
      "wall s": (bench.template.wallMs / 1000).toFixed(2),
      "CPU s": (bench.template.cpuMs / 1000).toFixed(2),
      "peak RSS MiB": fmt(bench.template.peakRssMiB),
      result: bench.template.result,
    },
    "waves (same inventory, last version)": {
      "wall s": (bench.waves.wallMs / 1000).toFixed(2),
      "CPU s": (bench.waves.cpuMs / 1000).toFixed(2),
      "peak RSS MiB": fmt(bench.waves.peakRssMiB),
      result: bench.waves.result,
    },
  });
  console.log(
    `template / waves wall time: ${ratio.toFixed(2)}× (the template simulates three rollouts per site, the wave one)`,
  );
}

async function core(): Promise<void> {
  const plan = benchPlan();
  console.log("plan (k3s-base → k3s-registry-change)");
  console.table({
    "parse both + plan": { "per second": fmt(plan.plansPerSecond) },
    "planUpdate only": { "per second": fmt(plan.classifyPerSecond) },
    "YAML parse only (both)": { "per second": fmt(plan.yamlPairsPerSecond) },
  });
  console.log(
    `profiles of ${plan.profileLines.join(" and ")} lines; a plan costs ${plan.ratioToYaml.toFixed(2)}× the YAML parsing alone; ` +
      `diff + rules take ${(plan.classifyShare * 100).toFixed(1)}% of it (the rest is reading the profiles)`,
  );

  const sim = benchSimulation();
  console.log(
    `\nsimulation (${sim.controlPlanes} control planes + ${sim.workers} workers, ${sim.maxUnavailable} at a time)`,
  );
  console.table({
    simulate: {
      "wall ms": sim.wallMs.toFixed(1),
      events: fmt(sim.events),
      "events/s": fmt(sim.eventsPerSecond),
      speedup: `${fmt(sim.speedup)}×`,
      result: sim.result,
    },
  });

  const scaling = benchScaling();
  console.log("\nscaling (workers 1/40 of the nodes at a time)");
  console.table(
    Object.fromEntries(
      scaling.sizes.map((size) => [
        `${fmt(size.nodes)} nodes`,
        { "wall ms": size.wallMs.toFixed(1), "heap held by the result (MiB)": size.heapMiB },
      ]),
    ),
  );
  console.log(
    `time grows ${scaling.timeGrowthPerNodeGrowth.toFixed(2)}× as fast as the node count (1.00 = linear); ` +
      `${scaling.heapKiBPerNode.toFixed(1)} KiB of heap per node`,
  );

  printStartup(await benchStartup());

  const quizScaling = await benchQuizScaling();
  console.log("\nquiz on large base profiles (in process)");
  console.table(
    Object.fromEntries(
      quizScaling.sizes.map((size) => [
        `${size.kib.toFixed(0)} KiB base`,
        { "first question ms": size.firstMs.toFixed(1), "ten questions ms": size.tenMs.toFixed(1) },
      ]),
    ),
  );
  console.log(
    `ten questions' time grows as size^${quizScaling.exponent.toFixed(2)} (1.00 = linear, 2.00 = quadratic)`,
  );

  const load = benchLoad();
  console.log("\nplan time vs profile size (two profiles of N keys, one value differs)");
  console.table(
    Object.fromEntries(
      load.map((size, i) => {
        const previous = load[i - 1];
        // The exponent k of time ∝ keys^k between this size and the one before: 1 is linear, 2 quadratic.
        const exponent = previous
          ? (Math.log(size.ms / previous.ms) / Math.log(size.keys / previous.keys)).toFixed(2)
          : "-";
        return [
          `${fmt(size.keys)} keys`,
          {
            MB: size.megabytes.toFixed(1),
            "plan ms": size.ms.toFixed(0),
            "µs per key": ((size.ms * 1000) / size.keys).toFixed(1),
            "growth exponent": exponent,
          },
        ];
      }),
    ),
  );
}

function large(): void {
  const inputs = benchLarge();
  console.log(
    "\nlarge valid inputs, each at 1× and 4× its size (the built CLI in a child process each; " +
      "work = one main() call after a warm-up on a tenth of the 1× input; best of 3 interleaved rounds, 2 for the largest)",
  );
  console.table(
    Object.fromEntries(
      inputs.flatMap((input) =>
        [input.small, input.large].map((run) => [
          `${input.command}: ${input.name}, ${fmt(run.size)} ${input.unit}`,
          {
            "input MB": (run.bytes / 1e6).toFixed(2),
            "wall s": (run.wallMs / 1000).toFixed(2),
            "work s": (run.workMs / 1000).toFixed(2),
            "work CPU s": (run.workCpuMs / 1000).toFixed(2),
            "peak RSS MiB": fmt(run.peakRssMiB),
          },
        ]),
      ),
    ),
  );
  for (const input of inputs) {
    console.log(
      `${input.command}: ${input.name}: ${input.sizeRatio.toFixed(0)}× the ${input.unit} → ` +
        `${input.cpuRatio.toFixed(2)}× the work's CPU, ${input.workRatio.toFixed(2)}× its wall time, ` +
        `${input.rssRatio.toFixed(2)}× the peak RSS (linear: ${input.sizeRatio.toFixed(0)}, quadratic: ${(input.sizeRatio ** 2).toFixed(0)})`,
    );
  }
}

function telco(): void {
  const bench = benchTelco();
  console.log(
    `\nrisk at telco scale: each target beside its figure from this run, ${bench.cores} core(s)${bench.scale > 1 ? `, sizes divided by ${bench.scale} (EDGESIM_TELCO_SCALE): the targets hold at full size only` : ""}`,
  );
  console.table(
    Object.fromEntries(
      bench.targets.map((t) => [t.what, { figure: t.figure, target: t.target, met: t.met ? "yes" : "NO" }]),
    ),
  );
  console.table(
    Object.fromEntries(
      Object.entries(bench.runs).map(([name, r]) => [
        name,
        {
          "wall s": (r.wallMs / 1000).toFixed(1),
          "CPU s": (r.cpuMs / 1000).toFixed(1),
          "peak RSS MiB": fmt(r.peakRssMiB),
          ...("note" in r && r.note ? { note: r.note } : {}),
        },
      ]),
    ),
  );
}

function fleet(): void {
  const bench = benchFleet({ large: process.env.EDGESIM_BENCH_100K === "1" });
  console.log(
    `\nfleets: edgesim fleet --clusters N (1 control plane + 3 workers each, an OS change: every node repaved), ${bench.cores} core(s)`,
  );
  console.table(
    Object.fromEntries(
      bench.sizes.map((size) => [
        `${fmt(size.clusters)} clusters (${fmt(size.nodes)} nodes)`,
        {
          "wall s": (size.wallMs / 1000).toFixed(2),
          "CPU s": (size.cpuMs / 1000).toFixed(2),
          "peak RSS MiB": fmt(size.peakRssMiB),
          "CPU µs/node": fmt(size.usPerNode),
          "marginal µs/node": size.marginalUsPerNode === undefined ? "-" : fmt(size.marginalUsPerNode),
          "RSS bytes/node": fmt(size.bytesPerNode),
          "events/CPU s": fmt(size.eventsPerSecond),
          "bare xstate CPU s": (size.bareCpuMs / 1000).toFixed(2),
          "× bare": size.ratio.toFixed(1),
          result: size.result,
        },
      ]),
    ),
  );
  console.log(
    `marginal CPU per node (the cost of the nodes added, start-up aside) ${bench.perNodeGrowth.toFixed(2)}× from the first step to the last (1.00 = flat); ` +
      `"× bare": the command's CPU over that of a bare loop of as many xstate actors through the six node states, same run`,
  );
  if (bench.threads)
    console.log(
      `10,000 clusters on ${bench.threads.many.threads} threads: ${(bench.threads.many.wallMs / 1000).toFixed(2)} s wall, ` +
        `${(bench.threads.many.cpuMs / 1000).toFixed(2)} s CPU, ${bench.threads.speedup.toFixed(2)}× the speed of 1 thread (${(bench.threads.one.wallMs / 1000).toFixed(2)} s), peak RSS ${fmt(bench.threads.many.peakRssMiB)} MiB`,
    );
  console.log(
    `--trials 100 over 1,000 clusters (${bench.trials.threads} threads): ${(bench.trials.wallMs / 1000).toFixed(2)} s wall, ` +
      `${(bench.trials.cpuMs / 1000).toFixed(2)} s CPU, peak RSS ${fmt(bench.trials.peakRssMiB)} MiB, result ${bench.trials.result}`,
  );
}
