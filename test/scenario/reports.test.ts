import { describe, expect, it } from "vitest";
import { escapeXml, renderJUnit } from "../../src/report/junit.js";
import {
  formatGoldenTimeline,
  formatRunText,
  formatTimelineLines,
  type TimelineReport,
} from "../../src/report/timeline-text.js";
import type { TimelineEntry } from "../../src/sim/types.js";

/**
 * A strict-enough XML check for what renderJUnit emits: one prolog, balanced elements, attributes
 * quoted, no raw `<` or `&` outside markup and entities.
 */
function assertWellFormed(xml: string): { name: string; attributes: Record<string, string>; text: string }[] {
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
  const body = xml.slice(xml.indexOf("?>") + 2);
  const stack: { name: string; attributes: Record<string, string>; text: string }[] = [];
  const elements: { name: string; attributes: Record<string, string>; text: string }[] = [];
  const token = /<(\/?)([A-Za-z][\w-]*)((?:\s+[\w-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let match: RegExpExecArray | null;
  let consumed = 0;
  for (match = token.exec(body); match; match = token.exec(body)) {
    consumed = token.lastIndex;
    const [, closing, name, attrs, selfClosing, text] = match;
    if (text !== undefined) {
      expect(text).not.toMatch(/&(?!(amp|lt|gt|quot|apos);)/);
      const open = stack.at(-1);
      if (open) open.text += text;
      continue;
    }
    if (closing) {
      expect(stack.pop()?.name).toBe(name);
      continue;
    }
    const attributes: Record<string, string> = {};
    for (const [, key, value] of (attrs ?? "").matchAll(/([\w-]+)="([^"]*)"/g)) {
      expect(value).not.toMatch(/&(?!(amp|lt|gt|quot|apos);)/);
      attributes[key as string] = value as string;
    }
    const element = { name: name as string, attributes, text: "" };
    elements.push(element);
    if (!selfClosing) stack.push(element);
  }
  expect(consumed).toBe(body.length);
  expect(stack).toEqual([]);
  return elements;
}

describe("JUnit XML", () => {
  it("is well formed, counts failures, and escapes names and messages", () => {
    const xml = renderJUnit([
      { name: "plain", file: "scenarios/a.yaml", passed: true, seconds: 0.01 },
      {
        name: `tricky <&> "quotes" 'apostrophes'`,
        file: "scenarios/b&c.yaml",
        passed: false,
        seconds: 0.02,
        message: "order: expected [cp-1] got <nothing>",
        detail: "line one & two\nline \u0007three",
      },
    ]);
    const elements = assertWellFormed(xml);
    const suites = elements.find((e) => e.name === "testsuites");
    expect(suites?.attributes).toMatchObject({ tests: "2", failures: "1", errors: "0" });
    const cases = elements.filter((e) => e.name === "testcase");
    expect(cases.map((c) => c.attributes.name)).toEqual([
      "plain",
      "tricky &lt;&amp;&gt; &quot;quotes&quot; &apos;apostrophes&apos;",
    ]);
    const failure = elements.find((e) => e.name === "failure");
    expect(failure?.attributes.message).toBe("order: expected [cp-1] got &lt;nothing&gt;");
    expect(failure?.text).toBe("line one &amp; two\nline three");
  });

  it("escapes the five XML specials", () => {
    expect(escapeXml(`<a href="x">&'`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&apos;");
  });
});

describe("text timeline", () => {
  const report: TimelineReport = {
    name: "demo",
    result: "converged",
    behavior: "reboot",
    finalProfile: "next",
    durationMs: 330_000,
    timeline: [
      { t: 60_000, event: "update-received", profile: "next" },
      { t: 61_500, node: "worker-10", event: "action-started", action: "reboot", services: [] },
      { t: 390_000, node: "cp-1", event: "node-rejoined", reason: "two words" },
    ] as unknown as TimelineEntry[],
    expectations: [
      { name: "result", passed: true, message: "result is converged" },
      { name: "order", passed: false, message: "expected [a], got [b]" },
    ],
  };

  it("puts one entry per line in aligned columns with key=value details", () => {
    expect(formatTimelineLines(report.timeline)).toEqual([
      "00:01:00                 update-received  profile=next",
      "00:01:01.500  worker-10  action-started   action=reboot services=[]",
      '00:06:30      cp-1       node-rejoined    reason="two words"',
    ]);
  });

  it("golden text is the timeline and the summary, without expectations", () => {
    const golden = formatGoldenTimeline(report);
    expect(golden.endsWith("duration       5m30s\n")).toBe(true);
    expect(golden).not.toContain("expectations");
    expect(golden).toContain("final profile  next");
  });

  it("the run text adds the expectations with ✓ and ✗", () => {
    const text = formatRunText(report);
    expect(text.startsWith(formatGoldenTimeline(report))).toBe(true);
    expect(text).toContain("  ✓ result: result is converged\n  ✗ order: expected [a], got [b]\n");
  });
});
