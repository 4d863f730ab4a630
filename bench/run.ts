import { benchLoad } from "./load.js";
import { benchPlan } from "./plan.js";
import { benchQuizScaling } from "./quiz.js";
import { benchScaling, benchSimulation } from "./sim.js";
import { benchStartup, printStartup } from "./startup.js";

// Prints one table per benchmark; numbers vary by machine, so nothing here asserts.
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

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

const quizScaling = benchQuizScaling();
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
