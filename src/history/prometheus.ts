import { DiagnosticBag, InputError } from "../shared/diagnostics.js";
import { type JsonPath, JsonSplitter } from "./json-split.js";
import { fileChunks } from "./read.js";
import { GAP_STEPS, type HistoryStore, labelsText, type Signal } from "./store.js";

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

/** Runs of the series being read (value, first ms, last ms; flat), reused from series to series. */
let scratch = new Float64Array(3 * 1024);

export function readPrometheusFile(file: string, store: HistoryStore, options: PromOptions = {}): undefined {
  let resultType: unknown;
  let status: unknown;
  let series = 0;
  const bag = new DiagnosticBag();
  /** `offset`: where `bytes` begins in the file. */
  const fast = (
    path: JsonPath,
    bytes: Buffer,
    at: number,
    line: number,
    col: number,
    offset: number,
    whole: boolean,
  ) => {
    if (path.length !== 3 || bag.size > 0) return -1;
    const read = scanSeries(bytes, at);
    if (!read) return -1;
    if (whole) {
      for (let i = read.end; i < bytes.length; i++) {
        const c = bytes[i] as number;
        if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return -1;
      }
    }
    const header = headerOf(bytes, read.metricFrom, read.metricTo, options.siteLabel);
    if (!header) return -1;
    series++;
    if ("skip" in header) store.skip(header.skip);
    else if (read.count > 0) {
      const source = store.seriesSource(
        file,
        path[2] as number,
        offset + read.metricFrom,
        read.metricTo - read.metricFrom,
        line,
        col,
      );
      store.addRuns(header.site, header.node, header.signal, scratch, read.count, read.stepMs, source);
    }
    if (bag.size >= 10) bag.throwIfAny();
    return read.end;
  };
  const splitter = new JsonSplitter(file, {
    capture: (path) => path.length === 3 && path[0] === "data" && path[1] === "result",
    scan: (path, chunk, at, line, col, offset) => fast(path, chunk, at, line, col, offset, false),
    raw: (path: JsonPath, bytes: Buffer, line: number, col: number, offset: number) =>
      fast(path, bytes, 0, line, col, offset, true) >= 0,
    value: (path: JsonPath, value: unknown, line: number, col: number) => {
      if (path.length === 1 && path[0] === "status") status = value;
      else if (path.length === 2 && path[0] === "data" && path[1] === "resultType") {
        resultType = value;
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
  for (const chunk of fileChunks(file, undefined, true)) splitter.push(chunk);
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
}

/**
 * The first sample's time (ms) in the first bytes of a Prometheus response, to read the files in time
 * order; undefined when the head shows none.
 */
export function firstSampleMs(head: string): number | undefined {
  const match = /"values"\s*:\s*\[\s*\[\s*(\d+(?:\.\d+)?)\s*,/.exec(head);
  return match ? Math.round(Number(match[1]) * 1000) : undefined;
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
): { site: string; node: string; signal: Signal } | undefined {
  const at = (message: string, where = path) => bag.add({ file, line, col, path: where, message });
  if (typeof metric !== "object" || metric === null) {
    at("a series without `metric` labels");
    return undefined;
  }
  const m = metric as Record<string, unknown>;
  const name = m.__name__;
  let signal: Signal;
  if (name === CORDONED) signal = "cordoned";
  else if (name === CONDITION) {
    if (m.condition !== "Ready" || m.status !== "true") {
      store.skip(SKIP_CONDITION);
      return undefined;
    }
    signal = "ready";
  } else {
    store.skip(skipOther(String(name ?? "no __name__")));
    return undefined;
  }
  const siteLabel = [options.siteLabel, ...SITE_LABELS].find(
    (l) => l !== undefined && typeof m[l] === "string",
  );
  const node = m.node;
  if (siteLabel === undefined || typeof node !== "string") {
    at(
      `${labelsText(m)}: no ${siteLabel === undefined ? `site label (${[options.siteLabel, ...SITE_LABELS].filter(Boolean).join(" or ")})` : "node label"}`,
      `${path}.metric`,
    );
    return undefined;
  }
  return { site: m[siteLabel] as string, node, signal };
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
  const { site, node, signal } = header;
  const labels = labelsText(s.metric as Record<string, unknown>);
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
  const source = store.source({ file, where: `${path} ${labels}`, line, col }, true);
  store.addRuns(site, node, signal, runs, runs.length, stepMs, source);
}

/**
 * The fast path for a series in the usual shape, `{"metric": {…}, "values": [[seconds, "0"|"1"], …]}`
 * (whitespace allowed, seconds with at most three decimals, times rising): the points are read from the
 * bytes into runs without making an object per point. Anything else (other keys, other values, a point
 * out of order) returns undefined, and the series is parsed and checked the ordinary way, which places
 * the error.
 */
function scanSeries(
  b: Buffer,
  start: number,
): { metricFrom: number; metricTo: number; count: number; stepMs: number; end: number } | undefined {
  const n = b.length;
  let i = start;
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
  let metricFrom = -1;
  let metricTo = -1;
  let count = -1;
  let stepMs = Number.POSITIVE_INFINITY;
  for (;;) {
    ws();
    if (b[i] !== 34) return undefined;
    const keyEnd = b.indexOf(34, i + 1);
    if (keyEnd < 0) return undefined;
    const key = i + 1;
    i = keyEnd + 1;
    ws();
    if (b[i] !== 58) return undefined;
    i++;
    ws();
    if (metricFrom < 0 && bytesAre(b, key, keyEnd, "metric")) {
      if (b[i] !== 123) return undefined;
      metricFrom = i;
      // Label values are plain strings: no escapes, no nesting (else the ordinary parse).
      for (i++; i < n; i++) {
        const c = b[i] as number;
        if (c === 92 || c === 123 || c === 91) return undefined;
        if (c === 34) {
          const close = b.indexOf(34, i + 1);
          if (close < 0) return undefined;
          i = close;
        } else if (c === 125) break;
      }
      if (i >= n) return undefined;
      i++;
      metricTo = i;
    } else if (count < 0 && bytesAre(b, key, keyEnd, "values")) {
      if (b[i] !== 91) return undefined;
      i++;
      count = 0;
      let previous = Number.NEGATIVE_INFINITY;
      let points = 0;
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
          if (points > 0 && silence < stepMs) stepMs = silence;
          // As in readSeries: a silence of several steps ends the run even when the value is the same.
          if (count > 0 && scratch[count - 3] === v && silence <= GAP_STEPS * stepMs) scratch[count - 1] = ms;
          else {
            if (count + 3 > scratch.length) {
              const grown = new Float64Array(scratch.length * 2);
              grown.set(scratch);
              scratch = grown;
            }
            scratch[count] = v;
            scratch[count + 1] = ms;
            scratch[count + 2] = ms;
            count += 3;
          }
          previous = ms;
          points++;
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
  if (metricFrom < 0 || count < 0) return undefined;
  return { metricFrom, metricTo, count, stepMs, end: i };
}

/** The bytes [from, to) spell `text` (ASCII). */
function bytesAre(b: Buffer, from: number, to: number, text: string): boolean {
  if (to - from !== text.length) return false;
  for (let k = 0; k < text.length; k++) if (b[from + k] !== text.charCodeAt(k)) return false;
  return true;
}

const CORDONED = "kube_node_spec_unschedulable";
const CONDITION = "kube_node_status_condition";
const SKIP_CONDITION = `kube_node_status_condition series other than condition="Ready",status="true"`;
const skipOther = (name: string) => `series of other metrics (${name})`;

/**
 * A series' labels read from their bytes (`{"k":"v",…}`, plain strings, as scanSeries checked): the
 * signal, site and node, or the kind of series skipped; undefined when anything is amiss (a missing label,
 * a value not a string), so the ordinary parse gives its placed message.
 */
function headerOf(
  b: Buffer,
  from: number,
  to: number,
  siteLabel: string | undefined,
): { signal: Signal; site: string; node: string } | { skip: string } | undefined {
  let name = -1;
  let nameEnd = -1;
  let ready = 0; // condition="Ready" and status="true" (1 bit each)
  let conditionSeen = false;
  let statusSeen = false;
  let node: string | undefined;
  let own: string | undefined;
  let cluster: string | undefined;
  let site: string | undefined;
  let i = from + 1;
  for (;;) {
    while (i < to && (b[i] === 32 || b[i] === 10 || b[i] === 13 || b[i] === 9 || b[i] === 44)) i++;
    if (i >= to || b[i] === 125) break;
    if (b[i] !== 34) return undefined;
    const k0 = i + 1;
    const k1 = b.indexOf(34, k0);
    i = k1 + 1;
    while (i < to && (b[i] === 32 || b[i] === 10 || b[i] === 13 || b[i] === 9)) i++;
    if (b[i] !== 58) return undefined;
    i++;
    while (i < to && (b[i] === 32 || b[i] === 10 || b[i] === 13 || b[i] === 9)) i++;
    if (b[i] !== 34) return undefined;
    const v0 = i + 1;
    const v1 = b.indexOf(34, v0);
    if (v1 < 0 || v1 >= to) return undefined;
    i = v1 + 1;
    if (bytesAre(b, k0, k1, "__name__")) {
      name = v0;
      nameEnd = v1;
    } else if (bytesAre(b, k0, k1, "condition")) {
      conditionSeen = true;
      ready = bytesAre(b, v0, v1, "Ready") ? ready | 1 : ready & ~1;
    } else if (bytesAre(b, k0, k1, "status")) {
      statusSeen = true;
      ready = bytesAre(b, v0, v1, "true") ? ready | 2 : ready & ~2;
    } else if (bytesAre(b, k0, k1, "node")) node = b.toString("utf8", v0, v1);
    else if (bytesAre(b, k0, k1, "cluster")) cluster = b.toString("utf8", v0, v1);
    else if (bytesAre(b, k0, k1, "site")) site = b.toString("utf8", v0, v1);
    if (siteLabel !== undefined && b.toString("utf8", k0, k1) === siteLabel) own = b.toString("utf8", v0, v1);
  }
  let signal: Signal;
  if (name >= 0 && bytesAre(b, name, nameEnd, CORDONED)) signal = "cordoned";
  else if (name >= 0 && bytesAre(b, name, nameEnd, CONDITION)) {
    if (!conditionSeen || !statusSeen || ready !== 3) return { skip: SKIP_CONDITION };
    signal = "ready";
  } else return { skip: skipOther(name >= 0 ? b.toString("utf8", name, nameEnd) : "no __name__") };
  const siteName = own ?? cluster ?? site;
  if (siteName === undefined || node === undefined) return undefined;
  return { signal, site: siteName, node };
}
