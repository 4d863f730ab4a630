import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultThreads } from "../src/shared/threads.js";
import { type FleetFigure, runEdgesimChild } from "./fleet.js";

/**
 * A Palette cluster template at scale: 10,000 generated sites (1 control plane + 3 workers) over a
 * year of weekly 4 h UTC windows with three published versions (a reboot, a Kubernetes upgrade that
 * repaves, a service restart) — 30,000 site simulations — against the same inventory under one wave
 * rolling the last version, in the same run. Target: ≤ 10 s on 2 cores.
 */
const root = fileURLToPath(new URL("../../../", import.meta.url));
const VERSIONS = `${root}scenarios/fleet-plans/template-profiles`;
export const TEMPLATE_SITES = 10_000;

function planYaml(strategy: string): string {
  return `name: bench-template
start: 2026-12-07T00:00Z
from: ${VERSIONS}/retail-1.0.0.yaml
update: ${VERSIONS}/retail-4.0.0.yaml
inventory: { generate: { clusters: ${TEMPLATE_SITES}, prefix: store } }
windows: { default: "daily 01:00-05:00", horizon: 365d }
${strategy}`;
}

const TEMPLATE = `strategy:
  palette:
    policy: { schedules: [weekly], windowHours: 4 }
    concurrency: 2000
    versions:
      - { at: 2027-01-05T10:00Z, profile: ${VERSIONS}/retail-2.0.0.yaml }
      - { at: 2027-05-04T10:00Z, profile: ${VERSIONS}/retail-3.0.0.yaml }
      - { at: 2027-09-07T10:00Z, profile: ${VERSIONS}/retail-4.0.0.yaml }
`;
const WAVES = `strategy:
  waves: [{ name: all, rest: true, concurrency: 2000 }]
`;

export interface TemplateBench {
  cores: number;
  template: Pick<FleetFigure, "wallMs" | "cpuMs" | "peakRssMiB" | "result">;
  waves: Pick<FleetFigure, "wallMs" | "cpuMs" | "peakRssMiB" | "result">;
}

export function benchTemplate(): TemplateBench {
  const dir = mkdtempSync(join(tmpdir(), "edgesim-bench-template-"));
  try {
    const template = join(dir, "template.yaml");
    const waves = join(dir, "waves.yaml");
    writeFileSync(template, planYaml(TEMPLATE));
    writeFileSync(waves, planYaml(WAVES));
    return {
      cores: defaultThreads(),
      template: runEdgesimChild(["fleet", template, "--json"]),
      waves: runEdgesimChild(["fleet", waves, "--json"]),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
