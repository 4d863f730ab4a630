import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { writeOutputStream } from "../../src/shared/files.js";
import { batched, jsonChunks } from "../../src/shared/json.js";

const text = (value: unknown, depth?: number) => [...jsonChunks(value, depth)].join("");

describe("jsonChunks", () => {
  it("is JSON.stringify(value, null, 2) and a newline, for any JSON value at any walk depth", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 5 }), (value, depth) => {
        expect(text(value, depth)).toBe(`${JSON.stringify(value, null, 2)}\n`);
      }),
      { numRuns: 300 },
    );
  });

  it("skips what JSON.stringify skips and calls toJSON", () => {
    const value = {
      a: undefined,
      b: () => 1,
      c: [undefined, () => 1, Number.NaN, -0, Number.POSITIVE_INFINITY],
      d: new Date(0),
      e: { toJSON: (key: string) => `key ${key}` },
      f: { nested: { deeper: { deepest: ["x\ny", { 'quo"te': "\u2028" }] } } },
      g: [],
      h: {},
    };
    for (const depth of [0, 1, 2, 3, 10])
      expect(text(value, depth)).toBe(`${JSON.stringify(value, null, 2)}\n`);
    expect(text(undefined)).toBe("");
  });

  it("streams a large array in pieces none of which holds the whole", () => {
    const big = { rows: Array.from({ length: 20_000 }, (_, i) => ({ i, name: `site-${i}` })) };
    const pieces = [...batched(jsonChunks(big), 4096)];
    expect(pieces.length).toBeGreaterThan(100);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(8192);
    expect(pieces.join("")).toBe(`${JSON.stringify(big, null, 2)}\n`);
  });
});

describe("writeOutputStream", () => {
  const dir = mkdtempSync(join(tmpdir(), "edgesim-stream-"));

  it("writes every piece, replacing the file only at the end", () => {
    const file = join(dir, "out.ndjson");
    writeFileSync(file, "old\n");
    writeOutputStream(
      file,
      (function* () {
        for (let i = 0; i < 50_000; i++) yield `{"i":${i}}\n`;
      })(),
    );
    const lines = readFileSync(file, "utf8").split("\n");
    expect(lines).toHaveLength(50_001);
    expect(lines[49_999]).toBe('{"i":49999}');
  });

  it("leaves the target as it was when making the pieces fails part-way", () => {
    const file = join(dir, "kept.txt");
    writeFileSync(file, "kept\n");
    expect(() =>
      writeOutputStream(
        file,
        (function* () {
          yield "x".repeat(3 << 20);
          throw new Error("boom");
        })(),
      ),
    ).toThrow("boom");
    expect(readFileSync(file, "utf8")).toBe("kept\n");
  });
});
