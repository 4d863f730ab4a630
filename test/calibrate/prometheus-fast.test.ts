import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readHistory } from "../../src/history/load.js";

/*
 * The Prometheus reader reads a series of the usual shape straight from its bytes; any other shape goes
 * through JSON.parse. Both must give the same signal changes, and a bad point its placed error.
 */
const dir = mkdtempSync(join(tmpdir(), "edgesim-prom-fast-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const values = (from: number, pattern: string) =>
  [...pattern].map((v, i) => [from + i * 30 + (i === 3 ? 0.5 : 0), v] as [number, string]);
const series = [
  {
    metric: { __name__: "kube_node_spec_unschedulable", cluster: "s1", node: "n1" },
    values: values(1000, "0011100"),
  },
  {
    metric: {
      __name__: "kube_node_status_condition",
      cluster: "s1",
      node: "n1",
      condition: "Ready",
      status: "true",
    },
    values: values(1000, "1110011"),
  },
];
const write = (name: string, result: unknown, space?: number) => {
  const file = join(dir, name);
  writeFileSync(
    file,
    JSON.stringify({ status: "success", data: { resultType: "matrix", result } }, null, space),
  );
  return file;
};
const changes = (file: string) => [...readHistory([file]).nodeSignals()];

describe("the Prometheus reader's fast path", () => {
  it("gives the same changes as the ordinary parse, compact or indented", () => {
    const fast = changes(write("compact.json", series));
    // An extra key takes the ordinary path.
    const slow = changes(
      write(
        "slow.json",
        series.map((s) => ({ ...s, extra: true })),
      ),
    );
    expect(fast).toEqual(slow);
    expect(changes(write("indented.json", series, 2))).toEqual(fast);
    expect(fast[0]?.cordoned.map((t) => [t.to, t.loMs, t.hiMs])).toEqual([
      [0, Number.NEGATIVE_INFINITY, 1_000_000],
      [1, 1_030_000, 1_060_000],
      [0, 1_120_000, 1_150_000],
    ]);
  });

  it("places a point out of order", () => {
    const bad = [
      {
        ...series[0],
        values: [
          [1030, "0"],
          [1000, "1"],
        ],
      },
    ];
    expect(() => changes(write("order.json", bad))).toThrow(/samples out of order/);
    expect(() => changes(write("value.json", [{ ...series[0], values: [[1000, "2"]] }]))).toThrow(
      /not 0 or 1/,
    );
  });

  it("names a series by its file, place and labels, read back from the file only when asked", () => {
    // Each series is longer than a read chunk (4 MiB), so each is gathered across chunks, the second
    // from its start in the second chunk to the third: each is named by where its labels are in the file.
    const long = values(1000, "0".repeat(320_000));
    const file = write("named.json", [
      { ...series[0], values: long },
      { ...series[1], values: long },
    ]);
    const second = readFileSync(file, "utf8").lastIndexOf('{"metric"');
    expect(second).toBeGreaterThan(4 * 1024 * 1024);
    const named = (f: string) => {
      const store = readHistory([f]);
      const out = new Set<string>();
      store.finish((n) => {
        for (const t of [...n.cordoned, ...n.ready]) out.add(store.describe(t.source));
      });
      return [...out];
    };
    expect(named(file)).toEqual([
      `${file}:1:61 data.result[0] kube_node_spec_unschedulable{cluster="s1",node="n1"}`,
      `${file}:1:${second + 1} data.result[1] kube_node_status_condition{cluster="s1",node="n1",condition="Ready",status="true"}`,
    ]);
    // Read straight from a chunk, or by the ordinary parse: named the same way.
    const fast = write("named-fast.json", series, 2);
    const slow = write(
      "named-slow.json",
      series.map((s) => ({ ...s, extra: true })),
      2,
    );
    expect(named(fast)).toEqual([
      `${fast}:6:7 data.result[0] kube_node_spec_unschedulable{cluster="s1",node="n1"}`,
      `${fast}:43:7 data.result[1] kube_node_status_condition{cluster="s1",node="n1",condition="Ready",status="true"}`,
    ]);
    expect(named(slow)).toEqual([
      `${slow}:6:7 data.result[0] kube_node_spec_unschedulable{cluster="s1",node="n1"}`,
      `${slow}:44:7 data.result[1] kube_node_status_condition{cluster="s1",node="n1",condition="Ready",status="true"}`,
    ]);
  });
});
