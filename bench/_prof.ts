import { simulate } from "../src/sim/simulate.js";
import { benchInput } from "../bench/sim.js";
const n = Number(process.argv[2] ?? 10000);
const t0 = performance.now();
let events = 0;
for (let i = 0; i < n; i++) {
  const input = benchInput(1, 3, 1);
  input.seed = i + 1;
  const r = simulate(input);
  events += r.timeline.length;
}
console.log(`${n} clusters: ${(performance.now() - t0).toFixed(0)} ms, ${events} entries`);
