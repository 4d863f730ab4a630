import type { HistoryStore, NodeSignals, Transition } from "../history/store.js";
import type { TimedStep } from "../shared/timing-distribution.js";
import type { NodeAction } from "../shared/types.js";
import type { Rollout } from "./rollouts.js";

/**
 * From signal changes to step intervals, using only what each signal can tell (docs/calibration.md):
 * - cordon → NotReady is the drain (with the cordon itself, and the action's shutdown);
 * - NotReady → Ready is the action and the rejoin together (no signal separates them);
 * - a second NotReady cycle in the same cordon spell is a retry: the attempt before it failed;
 * - NotReady is seen only after the node controller's grace period (`notReadyDelayMs`, 40 s by default,
 *   kube-controller-manager's --node-monitor-grace-period): that much is moved from the drain to the action;
 * - every change is known only to an interval (between samples, or to the second for events), and so is
 *   every duration: each comes out as [lo, hi], for an interval-censored fit;
 * - a single control plane's reboot stops its API server: NotReady may never be scraped, only a gap.
 *   A cordon spell with a gap and no NotReady is a cycle inside the gap, censored to it;
 * - cordons and NotReady spells in no rollout's window (maintenance, flaps) are counted, never guessed.
 */
export interface Observation {
  step: TimedStep;
  behavior: NodeAction;
  site: string;
  node: string;
  rollout: number;
  /** When the interval began (ms since epoch), for the train/test split. */
  atMs: number;
  loMs: number;
  hiMs: number;
  /** Both ends seen by the same sampling (equal widths): the length's kernel is triangular. */
  triangular: boolean;
}

export interface Attempts {
  behavior: NodeAction;
  site: string;
  rollout: number;
  atMs: number;
  attempts: number;
  failures: number;
}

/** A site's whole rollout as seen: first cordon to last Ready (or uncordon), midpoints. */
export interface SiteActual {
  rollout: number;
  site: string;
  startMs: number;
  endMs: number;
}

/** When a node's part of a site's rollout began (its cordon) and ended (Ready again), each as an interval. */
interface NodeSpan {
  node: string;
  behavior: NodeAction;
  rollout: number;
  site: string;
  startLo: number;
  startHi: number;
  endLo: number;
  endHi: number;
}

export interface Note {
  kind: string;
  count: number;
  example: string;
}

export interface Extracted {
  observations: Observation[];
  attempts: Attempts[];
  actuals: SiteActual[];
  notes: Note[];
}

export interface ExtractOptions {
  notReadyDelayMs: number;
  /** A NotReady spell longer than this is no update step (a dead node): reported, left out. */
  maxSpellMs: number;
}

export const DEFAULT_NOT_READY_DELAY_MS = 40_000;
export const DEFAULT_MAX_SPELL_MS = 2 * 86_400_000;

const ACTION_STEP: Record<NodeAction, TimedStep> = {
  repave: "repave",
  reboot: "reboot",
  "service-restart": "serviceRestart",
  "config-reload": "configReload",
};

export function extract(
  store: HistoryStore,
  rollouts: readonly Rollout[],
  options: ExtractOptions,
): Extracted {
  const out: Extracted = { observations: [], attempts: [], actuals: [], notes: [] };
  const notes = new Map<string, Note>();
  const note = (kind: string, example: string) => {
    const n = notes.get(kind);
    if (n) n.count++;
    else notes.set(kind, { kind, count: 1, example });
  };
  const bySite = new Map<string, Rollout[]>();
  for (const r of rollouts)
    for (const s of r.sites)
      bySite.set(
        s,
        [...(bySite.get(s) ?? []), r].sort((a, b) => a.fromMs - b.fromMs),
      );
  const actuals = new Map<string, SiteActual>();
  const spans = new Map<string, NodeSpan[]>();
  const span = (x: NodeSpan) => {
    const key = `${x.rollout}\u0000${x.site}`;
    const list = spans.get(key) ?? [];
    const same = list.find((o) => o.node === x.node);
    if (!same) list.push(x);
    else {
      if (x.startHi < same.startHi) [same.startLo, same.startHi] = [x.startLo, x.startHi];
      if (x.endHi > same.endHi) [same.endLo, same.endHi] = [x.endLo, x.endHi];
    }
    spans.set(key, list);
  };
  const describe = (t: Transition) => {
    const s = store.sources[t.source];
    return s ? `${s.file}${s.line !== undefined ? `:${s.line}:${s.col ?? 1}` : ""} ${s.where}` : "";
  };
  const stamp = (ms: number) => new Date(ms).toISOString().replace(":00.000Z", "Z");

  for (const node of store.nodeSignals()) {
    const siteRollouts = bySite.get(node.site) ?? [];
    extractNode(node, siteRollouts, options, out, note, describe, stamp, actuals, span);
  }
  for (const g of store.given) {
    const r = (bySite.get(g.site) ?? []).find((x) => g.startMs >= x.fromMs && g.startMs <= x.untilMs);
    if (!r) {
      note("intervals in no rollout's window", `${g.site}/${g.node} ${g.step} at ${stamp(g.startMs)}`);
      continue;
    }
    out.observations.push({
      step: g.step,
      behavior: r.behavior,
      site: g.site,
      node: g.node,
      rollout: r.index,
      atMs: g.startMs,
      loMs: g.loMs,
      hiMs: g.hiMs,
      triangular: false,
    });
    // The site's span as seen: from its first interval's start to its last interval's end.
    const key = `${r.index}\u0000${g.site}`;
    const end = g.startMs + (g.loMs + g.hiMs) / 2;
    span({
      node: g.node,
      behavior: r.behavior,
      rollout: r.index,
      site: g.site,
      startLo: g.startMs,
      startHi: g.startMs,
      endLo: g.startMs + g.loMs,
      endHi: g.startMs + g.hiMs,
    });
    const actual = actuals.get(key);
    if (!actual) actuals.set(key, { rollout: r.index, site: g.site, startMs: g.startMs, endMs: end });
    else {
      actual.startMs = Math.min(actual.startMs, g.startMs);
      actual.endMs = Math.max(actual.endMs, end);
    }
    if (g.step === ACTION_STEP[r.behavior])
      out.attempts.push({
        behavior: r.behavior,
        site: g.site,
        rollout: r.index,
        atMs: g.startMs,
        attempts: 1,
        failures: g.failed ? 1 : 0,
      });
  }
  out.observations.push(...paceBetweenNodes(spans));
  out.actuals = [...actuals.values()].sort((a, b) => a.rollout - b.rollout || a.site.localeCompare(b.site));
  out.notes = [...notes.values()];
  return out;
}

const mid = (t: Transition) => (Number.isFinite(t.loMs) ? (t.loMs + t.hiMs) / 2 : t.hiMs);

function extractNode(
  node: NodeSignals,
  rollouts: readonly Rollout[],
  options: ExtractOptions,
  out: Extracted,
  note: (kind: string, example: string) => void,
  describe: (t: Transition) => string,
  stamp: (ms: number) => string,
  actuals: Map<string, SiteActual>,
  span: (x: NodeSpan) => void,
): void {
  const where = `${node.site}/${node.node}`;
  const inRollout = (ms: number) => rollouts.find((r) => ms >= r.fromMs && ms <= r.untilMs);
  const used = new Set<Transition>();
  const cordons = node.cordoned;
  for (let i = 0; i < cordons.length; i++) {
    const c = cordons[i] as Transition;
    if (c.to !== 1 || !Number.isFinite(c.loMs)) continue;
    const uncordon = cordons.slice(i + 1).find((t) => t.to === 0);
    const rollout = inRollout(mid(c));
    if (!rollout) {
      note("cordons in no rollout's window (maintenance?)", `${where} at ${stamp(c.hiMs)}: ${describe(c)}`);
      continue;
    }
    const endMs = Math.min(uncordon ? uncordon.hiMs : Number.POSITIVE_INFINITY, rollout.untilMs);
    const spell = node.ready.filter((t) => t.hiMs > c.loMs && t.loMs < endMs && Number.isFinite(t.loMs));
    for (const t of spell) used.add(t);
    // Cycles: each NotReady with the first Ready after it.
    const cycles: { down: Transition; up?: Transition }[] = [];
    for (const t of spell) {
      if (t.to === 0) cycles.push({ down: t });
      else if (t.to === 1) {
        const open = cycles[cycles.length - 1];
        if (open && !open.up) open.up = t;
      }
    }
    let lastReadyMs: number | undefined;
    let lastReady: [number, number] | undefined;
    const action = ACTION_STEP[rollout.behavior];
    const disrupts = rollout.behavior === "repave" || rollout.behavior === "reboot";
    if (!disrupts) {
      note(
        `cordon spells of ${rollout.behavior} rollouts (no NotReady: the metrics cannot time their steps; use the intervals file)`,
        `${where} in ${rollout.name}`,
      );
    } else if (cycles.length === 0) {
      const gap = spell.find((t) => t.to === -1);
      if (gap) {
        note(
          "cycles seen only as a gap in scraping (a single control plane's reboot takes the API server down)",
          `${where} in ${rollout.name} at ${stamp(gap.loMs)}`,
        );
        push(out, rollout, node, "drain", c.hiMs, gap.loMs - c.hiMs, gap.hiMs - c.loMs, false);
        push(out, rollout, node, action, gap.loMs, 0, gap.hiMs - gap.loMs, false);
        out.attempts.push({
          behavior: rollout.behavior,
          site: node.site,
          rollout: rollout.index,
          atMs: c.hiMs,
          attempts: 1,
          failures: 0,
        });
        lastReadyMs = gap.hiMs;
        lastReady = [gap.loMs, gap.hiMs];
      } else {
        note(
          `cordon spells of reboot/repave rollouts with no NotReady and no gap (not counted)`,
          `${where} in ${rollout.name} at ${stamp(c.hiMs)}`,
        );
      }
    } else {
      const delay = options.notReadyDelayMs;
      const first = cycles[0] as { down: Transition };
      const last = cycles[cycles.length - 1] as { down: Transition; up?: Transition };
      const spellTooLong = cycles.find((k) => (k.up ? k.up.hiMs : endMs) - k.down.loMs > options.maxSpellMs);
      if (spellTooLong) {
        const length = (spellTooLong.up ? spellTooLong.up.hiMs : endMs) - spellTooLong.down.loMs;
        note(
          `NotReady spells longer than ${Math.round(options.maxSpellMs / 3_600_000)}h (a dead node, not an update step; left out)`,
          `${where}: NotReady for ${Math.round(length / 3_600_000)}h from ${stamp(spellTooLong.down.hiMs)}: ${describe(spellTooLong.down)}`,
        );
        continue;
      }
      push(
        out,
        rollout,
        node,
        "drain",
        c.hiMs,
        first.down.loMs - c.hiMs - delay,
        first.down.hiMs - c.loMs - delay,
        sameWidth(c, first.down),
      );
      if (last.up)
        push(
          out,
          rollout,
          node,
          action,
          last.down.hiMs,
          last.up.loMs - last.down.hiMs + delay,
          last.up.hiMs - last.down.loMs + delay,
          sameWidth(last.down, last.up),
        );
      out.attempts.push({
        behavior: rollout.behavior,
        site: node.site,
        rollout: rollout.index,
        atMs: c.hiMs,
        attempts: cycles.length,
        failures: cycles.length - (last.up ? 1 : 0),
      });
      if (last.up) {
        lastReadyMs = mid(last.up);
        lastReady = [last.up.loMs, last.up.hiMs];
      }
    }
    if (lastReady)
      span({
        node: node.node,
        behavior: rollout.behavior,
        rollout: rollout.index,
        site: node.site,
        startLo: c.loMs,
        startHi: c.hiMs,
        endLo: lastReady[0],
        endHi: lastReady[1],
      });
    const key = `${rollout.index}\u0000${node.site}`;
    const start = mid(c);
    const end = Math.max(
      lastReadyMs ?? start,
      uncordon && uncordon.hiMs <= rollout.untilMs ? mid(uncordon) : start,
    );
    const actual = actuals.get(key);
    if (!actual) actuals.set(key, { rollout: rollout.index, site: node.site, startMs: start, endMs: end });
    else {
      actual.startMs = Math.min(actual.startMs, start);
      actual.endMs = Math.max(actual.endMs, end);
    }
  }
  for (const t of node.ready) {
    if (t.to !== 0 || used.has(t) || !Number.isFinite(t.loMs)) continue;
    note(
      inRollout(mid(t))
        ? "NotReady spells without a cordon during a rollout (flaps?)"
        : "NotReady spells in no rollout's window (flaps?)",
      `${where} at ${stamp(t.hiMs)}: ${describe(t)}`,
    );
  }
}

function push(
  out: Extracted,
  rollout: Rollout,
  node: NodeSignals,
  step: TimedStep,
  atMs: number,
  loMs: number,
  hiMs: number,
  triangular: boolean,
): void {
  out.observations.push({
    step,
    behavior: rollout.behavior,
    site: node.site,
    node: node.node,
    rollout: rollout.index,
    atMs,
    // A plain interval cannot start below 0; a triangular one keeps its centre.
    loMs: triangular ? loMs : Math.max(0, loMs),
    hiMs: Math.max(loMs, hiMs, 1),
    triangular,
  });
}

/**
 * The pace between nodes: from a node being Ready again to the next node's cordon, at the same site in
 * the same rollout (nodes one after another; overlapping nodes are rolled in parallel and give none).
 * Fitted as the `cordon` step: the wait before a node is cordoned, which the simulation spends first.
 */
function paceBetweenNodes(spans: Map<string, NodeSpan[]>): Observation[] {
  const out: Observation[] = [];
  for (const list of spans.values()) {
    list.sort((a, b) => a.startHi - b.startHi);
    for (let i = 1; i < list.length; i++) {
      const prev = list[i - 1] as NodeSpan;
      const next = list[i] as NodeSpan;
      const lo = next.startLo - prev.endHi;
      const hi = next.startHi - prev.endLo;
      if (hi < 0) continue;
      out.push({
        step: "cordon",
        behavior: next.behavior,
        site: next.site,
        node: next.node,
        rollout: next.rollout,
        atMs: next.startHi,
        loMs: Math.max(0, lo),
        hiMs: Math.max(lo, hi, 1),
        triangular: false,
      });
    }
  }
  return out;
}

const sameWidth = (a: Transition, b: Transition) => Math.abs(a.hiMs - a.loMs - (b.hiMs - b.loMs)) < 1;
