import { DiagnosticBag, InputError } from "../shared/diagnostics.js";
import { type JsonPath, JsonSplitter } from "./json-split.js";
import { fileChunks } from "./read.js";
import { GAP_STEPS, type HistoryStore, type Signal } from "./store.js";

/**
 * Reads the JSON that Prometheus's `/api/v1/query_range` returns (`resultType: matrix`) for the two
 * kube-state-metrics series the fit uses:
 * - `kube_node_spec_unschedulable{node}`: 1 while the node is cordoned;
 * - `kube_node_status_condition{node, condition="Ready", status="true"}`: 1 while the node is Ready
 *   (the `status="false"` and `"unknown"` series say the same thing and are skipped).
 * The site is the series' `cluster` label (else `site`, else the label given). Other series are counted
 * and skipped. Each series is checked (timestamps rising, values finite 0/1) and reduced to runs.
 */
export const SITE_LABELS = ["cluster", "site"] as const;

export interface PromOptions {
  /** A label naming the site, tried before `cluster` and `site`. */
  siteLabel?: string;
}

interface Series {
  metric?: Record<string, unknown>;
  values?: unknown;
  value?: unknown;
}

function labelsText(metric: Record<string, unknown>): string {
  const entries = Object.entries(metric)
    .filter(([k]) => k !== "__name__")
    .map(([k, v]) => `${k}="${String(v)}"`);
  return `${String(metric.__name__ ?? "")}{${entries.join(",")}}`;
}

export function readPrometheusFile(file: string, store: HistoryStore, options: PromOptions = {}): undefined {
  let resultType: unknown;
  let resultTypeAt: [number, number] | undefined;
  let status: unknown;
  let series = 0;
  const bag = new DiagnosticBag();
  const splitter = new JsonSplitter(file, {
    capture: (path) => path.length === 3 && path[0] === "data" && path[1] === "result",
    value: (path: JsonPath, value: unknown, line: number, col: number) => {
      if (path.length === 1 && path[0] === "status") status = value;
      else if (path.length === 2 && path[0] === "data" && path[1] === "resultType") {
        resultType = value;
        resultTypeAt = [line, col];
        if (value !== "matrix")
          throw new InputError([
            {
              file,
              line,
              col,
              path: "data.resultType",
              message: `is ${JSON.stringify(value)}; edgesim reads range queries (resultType "matrix", from /api/v1/query_range)`,
            },
          ]);
      } else if (path.length === 3) {
        series++;
        readSeries(file, `data.result[${String(path[2])}]`, value as Series, line, col, store, bag, options);
        if (bag.size >= 10) bag.throwIfAny();
      }
    },
  });
  for (const chunk of fileChunks(file)) splitter.push(chunk);
  splitter.end();
  bag.throwIfAny();
  if (status !== undefined && status !== "success")
    throw new InputError([{ file, path: "status", message: `is ${JSON.stringify(status)}, not "success"` }]);
  if (resultType === undefined && series === 0)
    throw new InputError([
      { file, message: "not a Prometheus query_range response (no data.resultType, no data.result)" },
    ]);
  if (resultType === undefined)
    throw new InputError([{ file, path: "data.resultType", message: 'missing; expected "matrix"' }]);
  void resultTypeAt;
}

function readSeries(
  file: string,
  path: string,
  s: Series,
  line: number,
  col: number,
  store: HistoryStore,
  bag: DiagnosticBag,
  options: PromOptions,
): void {
  const metric = s.metric;
  const at = (message: string, where = path) => bag.add({ file, line, col, path: where, message });
  if (typeof metric !== "object" || metric === null) {
    at("a series without `metric` labels");
    return;
  }
  const name = metric.__name__;
  let signal: Signal;
  if (name === "kube_node_spec_unschedulable") signal = "cordoned";
  else if (name === "kube_node_status_condition") {
    if (metric.condition !== "Ready" || metric.status !== "true") {
      store.skip(`kube_node_status_condition series other than condition="Ready",status="true"`);
      return;
    }
    signal = "ready";
  } else {
    store.skip(`series of other metrics (${String(name ?? "no __name__")})`);
    return;
  }
  const labels = labelsText(metric);
  const siteLabel = [options.siteLabel, ...SITE_LABELS].find(
    (l) => l !== undefined && typeof metric[l] === "string",
  );
  const node = metric.node;
  if (siteLabel === undefined || typeof node !== "string") {
    at(
      `${labels}: no ${siteLabel === undefined ? `site label (${[options.siteLabel, ...SITE_LABELS].filter(Boolean).join(" or ")})` : "node label"}`,
      `${path}.metric`,
    );
    return;
  }
  const site = metric[siteLabel] as string;
  if (!Array.isArray(s.values)) {
    at(`${labels}: no \`values\` array (an instant vector? edgesim reads range queries)`, `${path}.values`);
    return;
  }
  const values = s.values as unknown[];
  const runs: number[] = [];
  let previous = Number.NEGATIVE_INFINITY;
  let stepMs = Number.POSITIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const point = values[i];
    const where = `${path}.values[${i}]`;
    if (!Array.isArray(point) || point.length !== 2) {
      at(`${labels}: expected [timestamp, "value"]`, where);
      return;
    }
    const t = point[0];
    const v = typeof point[1] === "string" ? Number(point[1]) : Number.NaN;
    if (typeof t !== "number" || !Number.isFinite(t) || t < 0) {
      at(`${labels}: timestamp ${JSON.stringify(t)} is not a finite number of seconds`, where);
      return;
    }
    if (!Number.isFinite(v) || (v !== 0 && v !== 1)) {
      at(
        `${labels}: value ${JSON.stringify(point[1])} is not 0 or 1 (non-finite or not this metric's)`,
        where,
      );
      return;
    }
    const ms = Math.round(t * 1000);
    if (ms <= previous) {
      at(
        `${labels}: timestamp ${t} is not after the one before (${previous / 1000}): samples out of order`,
        where,
      );
      return;
    }
    const silence = ms - previous;
    if (i > 0 && silence < stepMs) stepMs = silence;
    const n = runs.length;
    // A silence of several steps ends the run even when the value is the same: a gap stays visible.
    if (n > 0 && runs[n - 3] === v && silence <= GAP_STEPS * stepMs) runs[n - 1] = ms;
    else runs.push(v, ms, ms);
    previous = ms;
  }
  if (runs.length === 0) return;
  const source = store.source({ file, where: `${path} ${labels}`, line, col });
  store.addRuns(site, node, signal, runs, stepMs, source);
}
