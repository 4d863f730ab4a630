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
    raw: (path: JsonPath, bytes: Buffer, line: number, col: number) => {
      if (path.length !== 3 || bag.size > 0) return false;
      const fast = scanSeries(bytes);
      if (!fast) return false;
      series++;
      const where = `data.result[${String(path[2])}]`;
      const header = seriesHeader(file, where, fast.metric, line, col, store, bag, options);
      if (header && fast.runs.length > 0) {
        const source = store.source({ file, where: `${where} ${header.labels}`, line, col });
        store.addRuns(header.site, header.node, header.signal, fast.runs, fast.stepMs, source);
      }
      if (bag.size >= 10) bag.throwIfAny();
      return true;
    },
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

/** A series' labels checked: the signal it gives, its site and node; undefined when skipped or wrong. */
function seriesHeader(
  file: string,
  path: string,
  metric: unknown,
  line: number,
  col: number,
  store: HistoryStore,
  bag: DiagnosticBag,
  options: PromOptions,
): { labels: string; site: string; node: string; signal: Signal } | undefined {
  const at = (message: string, where = path) => bag.add({ file, line, col, path: where, message });
  if (typeof metric !== "object" || metric === null) {
    at("a series without `metric` labels");
    return undefined;
  }
  const m = metric as Record<string, unknown>;
  const name = m.__name__;
  let signal: Signal;
  if (name === "kube_node_spec_unschedulable") signal = "cordoned";
  else if (name === "kube_node_status_condition") {
    if (m.condition !== "Ready" || m.status !== "true") {
      store.skip(`kube_node_status_condition series other than condition="Ready",status="true"`);
      return undefined;
    }
    signal = "ready";
  } else {
    store.skip(`series of other metrics (${String(name ?? "no __name__")})`);
    return undefined;
  }
  const labels = labelsText(m);
  const siteLabel = [options.siteLabel, ...SITE_LABELS].find(
    (l) => l !== undefined && typeof m[l] === "string",
  );
  const node = m.node;
  if (siteLabel === undefined || typeof node !== "string") {
    at(
      `${labels}: no ${siteLabel === undefined ? `site label (${[options.siteLabel, ...SITE_LABELS].filter(Boolean).join(" or ")})` : "node label"}`,
      `${path}.metric`,
    );
    return undefined;
  }
  return { labels, site: m[siteLabel] as string, node, signal };
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
  const at = (message: string, where = path) => bag.add({ file, line, col, path: where, message });
  const header = seriesHeader(file, path, s.metric, line, col, store, bag, options);
  if (!header) return;
  const { labels, site, node, signal } = header;
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

/**
 * The fast path for a series in the usual shape, `{"metric": {…}, "values": [[seconds, "0"|"1"], …]}`
 * (whitespace allowed, seconds with at most three decimals, times rising): the points are read from the
 * bytes into runs without making an object per point. Anything else (other keys, other values, a point
 * out of order) returns undefined, and the series is parsed and checked the ordinary way, which places
 * the error.
 */
function scanSeries(b: Buffer): { metric: unknown; runs: number[]; stepMs: number } | undefined {
  const n = b.length;
  let i = 0;
  const ws = () => {
    while (i < n) {
      const c = b[i] as number;
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
  };
  ws();
  if (b[i] !== 123) return undefined;
  i++;
  let metric: unknown;
  let runs: number[] | undefined;
  let stepMs = Number.POSITIVE_INFINITY;
  for (;;) {
    ws();
    if (b[i] !== 34) return undefined;
    const keyEnd = b.indexOf(34, i + 1);
    if (keyEnd < 0) return undefined;
    const key = b.toString("latin1", i + 1, keyEnd);
    i = keyEnd + 1;
    ws();
    if (b[i] !== 58) return undefined;
    i++;
    ws();
    if (key === "metric" && metric === undefined) {
      if (b[i] !== 123) return undefined;
      const from = i;
      let inString = false;
      for (i++; i < n; i++) {
        const c = b[i] as number;
        if (inString) {
          if (c === 92) i++;
          else if (c === 34) inString = false;
        } else if (c === 34) inString = true;
        else if (c === 123 || c === 91) return undefined;
        else if (c === 125) break;
      }
      if (i >= n) return undefined;
      i++;
      try {
        metric = JSON.parse(b.toString("utf8", from, i));
      } catch {
        return undefined;
      }
    } else if (key === "values" && runs === undefined) {
      if (b[i] !== 91) return undefined;
      i++;
      runs = [];
      let previous = Number.NEGATIVE_INFINITY;
      let count = 0;
      ws();
      if (b[i] === 93) i++;
      else
        for (;;) {
          ws();
          if (b[i] !== 91) return undefined;
          i++;
          ws();
          // Seconds: digits, then at most three decimals; the milliseconds are exact integers.
          let whole = 0;
          let digits = 0;
          if (b[i] === 48 && (b[i + 1] as number) >= 48 && (b[i + 1] as number) <= 57) return undefined;
          while (i < n && (b[i] as number) >= 48 && (b[i] as number) <= 57) {
            whole = whole * 10 + ((b[i] as number) - 48);
            i++;
            digits++;
          }
          if (digits === 0 || digits > 12) return undefined;
          let ms = whole * 1000;
          if (b[i] === 46) {
            i++;
            let scale = 100;
            let places = 0;
            while (i < n && (b[i] as number) >= 48 && (b[i] as number) <= 57) {
              if (places === 3) return undefined;
              ms += ((b[i] as number) - 48) * scale;
              scale /= 10;
              places++;
              i++;
            }
            if (places === 0) return undefined;
          }
          ws();
          if (b[i] !== 44) return undefined;
          i++;
          ws();
          if (b[i] !== 34 || b[i + 2] !== 34) return undefined;
          const digit = b[i + 1] as number;
          if (digit !== 48 && digit !== 49) return undefined;
          const v = digit - 48;
          i += 3;
          ws();
          if (b[i] !== 93) return undefined;
          i++;
          if (ms <= previous) return undefined;
          const silence = ms - previous;
          if (count > 0 && silence < stepMs) stepMs = silence;
          const k = runs.length;
          // As in readSeries: a silence of several steps ends the run even when the value is the same.
          if (k > 0 && runs[k - 3] === v && silence <= GAP_STEPS * stepMs) runs[k - 1] = ms;
          else runs.push(v, ms, ms);
          previous = ms;
          count++;
          ws();
          if (b[i] === 44) {
            i++;
            continue;
          }
          if (b[i] === 93) {
            i++;
            break;
          }
          return undefined;
        }
    } else return undefined;
    ws();
    if (b[i] === 44) {
      i++;
      continue;
    }
    if (b[i] === 125) {
      i++;
      break;
    }
    return undefined;
  }
  ws();
  if (i !== n || metric === undefined || runs === undefined) return undefined;
  return { metric, runs, stepMs };
}
