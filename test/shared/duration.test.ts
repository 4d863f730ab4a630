import { describe, expect, it } from "vitest";
import { formatClock, formatDuration, parseDuration } from "../../src/shared/duration.js";

describe("formatDuration: the one format for a length of time", () => {
  it.each([
    [0, "0s"],
    [250, "250ms"],
    [1000, "1s"],
    [45_400, "45s"],
    [45_500, "46s"],
    [2_779_332, "46m19s"],
    [4_135_000, "1h8m55s"],
    [3_600_000, "1h"],
  ])("%d ms is %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("reads back through parseDuration to the rounded second", () => {
    for (const ms of [1000, 61_499, 2_779_332, 4_135_000]) {
      expect(parseDuration(formatDuration(ms))).toBe(Math.round(ms / 1000) * 1000);
    }
  });

  it("points in time keep the clock format", () => {
    expect(formatClock(2_899_332)).toBe("00:48:19.332");
  });
});
