import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { calibrate, calibrationJson } from "../../src/calibrate/calibrate.js";

/*
 * calibrate reads the Prometheus files in time order and hands each node's finished stretches to the fit
 * as it goes. The result must not depend on that: files in any order, and a file that goes back before a
 * stretch already handed over (the history is then read again in one piece), give what one file holding
 * every series gives.
 */
const ROOT = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "edgesim-calibrate-stream-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.UTC(2026, 0, 1, 2) / 1000;
const STEP = 30;

/** A node's two series from `from` (s) for `minutes`: cordoned from minute 3 to 15, NotReady from 5 to 12. */
function node(site: string, name: string, from: number, minutes: number): unknown[] {
  const cordon: [number, string][] = [];
  const ready: [number, string][] = [];
  for (let t = from; t < from + minutes * 60; t += STEP) {
    const m = (t - from) / 60;
    cordon.push([t, m >= 3 && m < 15 ? "1" : "0"]);
    ready.push([t, m >= 5 && m < 12 ? "0" : "1"]);
  }
  const labels = { cluster: site, node: name };
  return [
    { metric: { __name__: "kube_node_spec_unschedulable", ...labels }, values: cordon },
    {
      metric: { __name__: "kube_node_status_condition", ...labels, condition: "Ready", status: "true" },
      values: ready,
    },
  ];
}

function write(name: string, result: unknown[]): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({ status: "success", data: { resultType: "matrix", result } }));
  return file;
}

const rollouts = join(dir, "rollouts.yaml");
writeFileSync(
  rollouts,
  `rollouts:\n${[0, 1, 2]
    .map(
      (i) =>
        `  - name: r${i}\n    sites: [a, b]\n    from: ${new Date((T0 + i * 7200 - 600) * 1000).toISOString()}\n    until: ${new Date((T0 + i * 7200 + 3000) * 1000).toISOString()}\n    behavior: reboot\n`,
    )
    .join("")}`,
);
const json = (files: string[]) => {
  const out = calibrationJson(calibrate(files, { rollouts })) as Record<string, unknown>;
  delete out.files;
  return out;
};

describe("calibrate's reading as it goes", () => {
  it("gives what one file of every series gives, when a later file goes back before a stretch read", () => {
    // The first file holds node a/n1's second rollout; the next starts later (b/n1's third rollout) but
    // also holds a/n1's first rollout, before what was already handed over.
    const first = write("first.json", node("a", "n1", T0 + 7200, 40));
    const second = write("second.json", [...node("b", "n1", T0 + 14400, 40), ...node("a", "n1", T0, 40)]);
    const whole = write("whole.json", [
      ...node("a", "n1", T0, 40),
      ...node("a", "n1", T0 + 7200, 40),
      ...node("b", "n1", T0 + 14400, 40),
    ]);
    const streamed = json([first, second]);
    expect(streamed).toEqual(json([whole]));
    expect(streamed).toEqual(json([second, first]));
    expect((streamed.failureInterval as { reboot: { attempts: number } }).reboot.attempts).toBe(3);
  });

  it("gives the same bytes for the bundled example's files in any order", () => {
    const example = join(ROOT, "examples/history");
    const files = readdirSync(example)
      .filter((f) => f.startsWith("prometheus-") || f === "events.ndjson" || f === "intervals.csv")
      .map((f) => join(example, f));
    const options = { rollouts: join(example, "rollouts.yaml") };
    const forward = calibrationJson(calibrate(files, options)) as Record<string, unknown>;
    const backward = calibrationJson(calibrate([...files].reverse(), options)) as Record<string, unknown>;
    delete forward.files;
    delete backward.files;
    expect(JSON.stringify(backward)).toBe(JSON.stringify(forward));
  });
});
