// examples/library/demo.mjs: run it in the clone with `node examples/library/demo.mjs` (or in any project with edgesim installed)
import { InputError, loadProfile, plan, runFleet, runScenario, simProfile, simulate } from "edgesim";

const update = plan("scenarios/profiles/k3s-base.yaml", "scenarios/profiles/k3s-registry-change.yaml");
console.log(update.behavior, update.changes.map((c) => `${c.path}: ${c.rule}`));

const run = runScenario("scenarios/story-single-control-plane.yaml", { seed: 3 });
console.log(run.result, run.behavior, run.passed);

// The simulation on profiles you loaded; times are virtual ms.
const profiles = new Map();
for (const name of ["k3s-base", "k3s-stage-boot-change"]) {
  const profile = loadProfile(`scenarios/profiles/${name}.yaml`);
  profiles.set(profile.name, simProfile(profile));
}
const sim = simulate({
  seed: 7, controlPlanes: 1, workers: 2, initialProfile: "k3s-base", profiles,
  plan: (from, to) => plan(from, to),
  events: [{ at: 60_000, type: "update", profile: "k3s-stage-boot-change" }],
  timings: { rebootMs: 2 * 60_000 },
});
console.log(sim.result, sim.finalProfile, sim.durationMs);

const wave = await runFleet("scenarios/fleet/retail-wave-stops-on-failure.yaml");
console.log(wave.result, wave.clusters.map((c) => `${c.name}=${c.result}`).join(" "));

try {
  loadProfile("scenarios/profiles/missing.yaml");
} catch (error) {
  if (error instanceof InputError) console.log(error.diagnostics);
}
