import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createSimLogger } from "../../src/log/logger.js";
import { logTimeline } from "../../src/log/policy.js";
import type { Plan } from "../../src/rules/types.js";
import { createBus } from "../../src/sim/bus.js";
import { VirtualClock } from "../../src/sim/clock.js";
import { simulate } from "../../src/sim/simulate.js";
import { fakePlan, makeInput } from "./fixtures.js";

describe("createSimLogger", () => {
  it("writes one NDJSON line per timeline entry, stamped with virtual time", () => {
    const file = join(mkdtempSync(join(tmpdir(), "edgesim-log-")), "run.ndjson");
    const clock = new VirtualClock();
    const bus = createBus();
    logTimeline(bus, createSimLogger(file, clock));
    const result = simulate(makeInput(), { clock, bus });
    const lines = readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(result.timeline.length);
    const first = result.timeline[0];
    expect(lines[0]).toMatchObject({ level: "info", time: first?.t, vt: "00:01:00", msg: "update-received" });
    expect(lines.map((l) => l.time)).toEqual(result.timeline.map((e) => e.t));
    expect(lines.at(-1)).toMatchObject({ event: "rollout-finished", profile: "next" });
  });

  it("logs failures at warn and a halted rollout at error", () => {
    const file = join(mkdtempSync(join(tmpdir(), "edgesim-log-")), "run.ndjson");
    const clock = new VirtualClock();
    const input = makeInput({
      retries: 0,
      events: [
        { at: 60_000, type: "update", profile: "next" },
        { at: 60_000, type: "node-fail", node: "worker-1", action: "reboot" },
      ],
    });
    const bus = createBus();
    logTimeline(bus, createSimLogger(file, clock));
    const result = simulate(input, { clock, bus });
    expect(result.result).toBe("failed");
    const levels = new Map(
      readFileSync(file, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
        .map((l) => [l.msg, l.level]),
    );
    expect(levels.get("action-failed")).toBe("warn");
    expect(levels.get("rollout-halted")).toBe("error");
    expect(levels.get("update-received")).toBe("info");
  });

  it("logs an update refused when published, at its virtual time and at warn, in the timeline's order", () => {
    const file = join(mkdtempSync(join(tmpdir(), "edgesim-log-")), "run.ndjson");
    const clock = new VirtualClock();
    const refusedPlan = {
      ...fakePlan("next", "latest", "service-restart"),
      unsupported: [] as Plan["unsupported"],
    };
    refusedPlan.unsupported.push({ layer: "network", reason: "CNI pack switch", rule: "network.@pack" });
    // base → next reboots from 1m; next → latest, published at 2h (after the rollout), is refused then.
    const input = makeInput({
      table: { "base->next": "reboot", "next->latest": refusedPlan },
      events: [
        { at: 60_000, type: "update", profile: "next" },
        { at: 7_200_000, type: "update", profile: "latest" },
      ],
    });
    const bus = createBus();
    logTimeline(bus, createSimLogger(file, clock));
    const result = simulate(input, { clock, bus });
    expect(result.refused.map((r) => [r.t, r.profile, r.rule])).toEqual([
      [7_200_000, "latest", "network.@pack"],
    ]);
    const lines = readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    // Every entry of the timeline is a line, the refusal too, each at its own time.
    expect(lines.map((l) => [l.time, l.msg])).toEqual(result.timeline.map((e) => [e.t, e.event]));
    expect(lines.at(-1)).toMatchObject({
      level: "warn",
      time: 7_200_000,
      vt: "02:00:00",
      msg: "update-refused",
      profile: "latest",
      rule: "network.@pack",
      reason: "CNI pack switch",
    });
    // The same run without a listener: the same result.
    expect(simulate(input)).toEqual(result);
  });

  it("is silent without a destination", () => {
    const logger = createSimLogger(undefined, new VirtualClock());
    expect(logger.isLevelEnabled("info")).toBe(false);
  });
});
