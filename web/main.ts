// The workbench's page: four views over the server's JSON API (src/serve/app.ts; the JSON's shapes it reads
// are in api.ts). Bundled by scripts/bundle-web.js into dist/web/ with its editor (CodeMirror 6): nothing is
// fetched from elsewhere.
import { yaml } from "@codemirror/lang-yaml";
import { type Diagnostic, setDiagnostics } from "@codemirror/lint";
import { basicSetup, EditorView } from "codemirror";
import type {
  ActionStarted,
  Answer,
  ApiDiagnostic,
  FileText,
  FleetAnswer,
  Listed,
  ListedFiles,
  PlanAnswer,
  PlanEstimate,
  QuizQuestion,
  QuizStart,
  QuizVerdict,
  Replay,
  Saved,
  ScenarioRun,
  SiteReplay,
  SiteRollout,
  SiteRow,
  TimelineEntry,
} from "./api.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const esc = (s: unknown) => String(s ?? "").replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** An endpoint's status and JSON; `T` is the JSON it answers with status 200 (see api.ts). */
async function api<T = unknown>(
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<{ status: number; data: Answer<T> }> {
  const response = await fetch(path, {
    method: body === undefined ? "GET" : "POST",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    ...(signal ? { signal } : {}),
    credentials: "same-origin",
  });
  const data: unknown = await response.json();
  return { status: response.status, data: data as Answer<T> };
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0
    ? `${h}h${String(m).padStart(2, "0")}m${String(r).padStart(2, "0")}s`
    : m > 0
      ? `${m}m${String(r).padStart(2, "0")}s`
      : `${r}s`;
}

// ---------- pages ----------
const PAGES = ["plan", "replay", "fleet", "train"] as const;
function show(page: string) {
  const name = (PAGES as readonly string[]).includes(page) ? page : "plan";
  for (const p of PAGES) $(`page-${p}`).hidden = p !== name;
  for (const a of document.querySelectorAll<HTMLAnchorElement>("nav a"))
    a.toggleAttribute("aria-current", a.dataset.page === name) || a.removeAttribute("aria-current");
  for (const a of document.querySelectorAll<HTMLAnchorElement>("nav a"))
    if (a.dataset.page === name) a.setAttribute("aria-current", "page");
}
window.addEventListener("hashchange", () => show(location.hash.slice(1).split("/")[0] ?? ""));

let files: Listed[] = [];
function fillSelect(id: string, kind: string | string[], placeholder: string) {
  const select = $<HTMLSelectElement>(id);
  const kinds = Array.isArray(kind) ? kind : [kind];
  const options = files.filter((f) => f.kind !== undefined && kinds.includes(f.kind));
  select.innerHTML = `<option value="">${esc(placeholder)}</option>${options
    .map((f) => `<option value="${esc(f.path)}">${esc(f.path)}</option>`)
    .join("")}`;
}

// ---------- Plan ----------
function editor(parent: HTMLElement, label: string, onChange?: () => void): EditorView {
  return new EditorView({
    parent,
    doc: "",
    extensions: [
      basicSetup,
      yaml(),
      EditorView.lineWrapping,
      EditorView.contentAttributes.of({ "aria-label": label }),
      EditorView.updateListener.of((u) => {
        if (u.docChanged) onChange?.();
      }),
    ],
  });
}

let planTimer: ReturnType<typeof setTimeout> | undefined;
let planSeq = 0;
const schedulePlan = () => {
  clearTimeout(planTimer);
  planTimer = setTimeout(() => void updatePlan(), 300);
};
const fromEditor = editor($("from-editor"), "FROM profile YAML", schedulePlan);
const toEditor = editor($("to-editor"), "TO profile YAML", schedulePlan);
const names = { from: "from", to: "to" };

function setText(view: EditorView, text: string) {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
}

async function loadInto(select: string, view: EditorView, side: "from" | "to") {
  const path = $<HTMLSelectElement>(select).value;
  if (!path) return;
  const { data } = await api<FileText>(`/api/file?path=${encodeURIComponent(path)}`);
  names[side] = path;
  if (side === "to") $<HTMLInputElement>("save-path").value = path;
  setText(view, data.text ?? "");
}
$("from-file").addEventListener("change", () => void loadInto("from-file", fromEditor, "from"));
$("to-file").addEventListener("change", () => void loadInto("to-file", toEditor, "to"));

function editorDiagnostics(view: EditorView, name: string, list: ApiDiagnostic[]) {
  const doc = view.state.doc;
  const mine: Diagnostic[] = list
    .filter((d) => d.file === name)
    .map((d) => {
      const line = doc.line(Math.min(Math.max(d.line ?? 1, 1), doc.lines));
      const from = Math.min(line.from + Math.max((d.col ?? 1) - 1, 0), line.to);
      return {
        from,
        to: Math.max(from, line.to),
        severity: "error",
        message: `${d.line ?? 1}:${d.col ?? 1} ${d.path ? `${d.path}: ` : ""}${d.message}`,
      };
    });
  view.dispatch(setDiagnostics(view.state, mine));
}

async function updatePlan() {
  const from = fromEditor.state.doc.toString();
  const to = toEditor.state.doc.toString();
  if (!from.trim() || !to.trim()) return;
  const seq = ++planSeq;
  $("plan-status").textContent = "Planning…";
  const { status, data } = await api<PlanAnswer>("/api/plan", {
    from: { path: names.from, text: from },
    to: { path: names.to, text: to },
  });
  if (seq !== planSeq) return;
  const list: ApiDiagnostic[] = data.diagnostics ?? [];
  editorDiagnostics(fromEditor, names.from, list);
  editorDiagnostics(toEditor, names.to, list);
  if (status !== 200) {
    $("plan-status").textContent =
      list.length > 0
        ? `${list.length} input ${list.length === 1 ? "error" : "errors"}`
        : (data.error ?? `error ${status}`);
    $("plan-result").innerHTML = `<ul class="error" id="plan-errors">${list
      .map(
        (d) =>
          `<li>${esc(d.file)}:${d.line ?? "?"}:${d.col ?? "?"}: ${d.path ? `${esc(d.path)}: ` : ""}${esc(d.message)}</li>`,
      )
      .join("")}${data.error ? `<li>${esc(data.error)}</li>` : ""}</ul>`;
    return;
  }
  $("plan-status").textContent = `Plan: ${data.behavior}`;
  const changes = data.changes
    .map(
      (c) =>
        `<tr><td>${esc(c.layer)}</td><td>${esc(c.path)}</td><td class="behavior">${esc(c.behavior)}</td><td>${esc(c.rule)}</td><td>${esc(c.reason)}</td><td>${esc(c.assumption ?? "")}</td></tr>`,
    )
    .join("");
  const estimate = data.estimate;
  const gantt = estimate ? ganttHtml(estimate) : "<p>No estimate: the update is refused.</p>";
  $("plan-result").innerHTML = `
    <p>Behavior: <strong id="plan-behavior" class="behavior">${esc(data.behavior)}</strong> (${esc(data.distribution)})</p>
    ${data.unsupported.length ? `<p class="error">Refused: ${esc(JSON.stringify(data.unsupported))}</p>` : ""}
    ${data.warnings.map((w) => `<p>Warning: ${esc(w)}</p>`).join("")}
    <table id="plan-changes"><caption>Changes</caption><thead><tr><th scope="col">Layer</th><th scope="col">Path</th><th scope="col">Behavior</th><th scope="col">Rule</th><th scope="col">Reason</th><th scope="col">Assumption</th></tr></thead><tbody>${changes || '<tr><td colspan="6">No changes</td></tr>'}</tbody></table>
    <h3>Estimated rollout (${esc(estimate ? duration(estimate.durationMs) : "-")})</h3>${gantt}`;
}

function ganttHtml(estimate: PlanEstimate) {
  const total = Math.max(estimate.durationMs, 1);
  return `<div class="gantt" role="list" aria-label="Estimated rollout per node">${estimate.nodes
    .map((n) => {
      const left = (n.startMs / total) * 100;
      const width = Math.max(((n.readyMs - n.startMs) / total) * 100, 0.5);
      return `<div class="lane" role="listitem"><span class="name">${esc(n.node)}</span><span class="track"><span class="bar" style="left:${left}%;width:${width}%" title="${esc(n.action)} ${duration(n.startMs)} → ${duration(n.readyMs)}"></span></span><span class="visually-hidden" style="position:absolute;left:-9999px">${esc(n.action)} from ${duration(n.startMs)} to ${duration(n.readyMs)}</span></div>`;
    })
    .join("")}</div>`;
}

$("save").addEventListener("click", async () => {
  const path = $<HTMLInputElement>("save-path").value.trim();
  const { status, data } = await api<Saved>("/api/save", { path, text: toEditor.state.doc.toString() });
  $("save-status").textContent =
    status === 200
      ? `Saved ${data.saved}`
      : `Not saved: ${data.error ?? (data.diagnostics ?? []).map((d: ApiDiagnostic) => d.message).join("; ")}`;
});

// ---------- Replay ----------
const scenarioEditor = editor($("scenario-editor"), "Scenario YAML");
let scenarioEdited = false;
let scenarioLoaded = "";
scenarioEditor.dom.addEventListener("input", () => {
  scenarioEdited = true;
});
let replay: Replay | undefined;
let runController: AbortController | undefined;
let playing: ReturnType<typeof setInterval> | undefined;

$("scenario-file").addEventListener("change", async () => {
  const path = $<HTMLSelectElement>("scenario-file").value;
  if (!path) return;
  if (siteReplay) showSite(undefined);
  const { data } = await api<FileText>(`/api/file?path=${encodeURIComponent(path)}`);
  scenarioLoaded = data.text ?? "";
  setText(scenarioEditor, scenarioLoaded);
  scenarioEdited = false;
});

async function runScenario(path: string) {
  runController?.abort();
  const controller = new AbortController();
  runController = controller;
  const id = crypto.randomUUID();
  $<HTMLButtonElement>("cancel").disabled = false;
  $("cancel").onclick = () => {
    void api("/api/cancel", { id });
    controller.abort();
  };
  $("run-status").textContent = "Running…";
  const text = scenarioEditor.state.doc.toString();
  const edited = scenarioEdited || (text !== scenarioLoaded && text.trim() !== "");
  try {
    const { status, data } = await api<ScenarioRun>(
      "/api/run",
      { path, id, ...(edited ? { text } : {}) },
      controller.signal,
    );
    // An input error of the edited text is marked in the editor at its line:col, as on the Plan page.
    editorDiagnostics(scenarioEditor, path, data.diagnostics ?? []);
    if (status !== 200) {
      $("run-status").textContent =
        data.error ??
        (data.diagnostics ?? [])
          .map((d: ApiDiagnostic) => `${d.file}:${d.line ?? "?"}:${d.col ?? "?"}: ${d.message}`)
          .join("; ");
      return;
    }
    showSite(undefined);
    $("run-status").textContent =
      `${data.name}: ${data.result}, ${data.passed ? "expectations pass" : "expectations fail"}`;
    loadReplay(data);
    $("expectations").innerHTML = `<h3>Expectations</h3><ul>${data.expectations
      .map((e) => `<li class="${e.passed ? "pass" : "error"}">${e.passed ? "✓" : "✗"} ${esc(e.message)}</li>`)
      .join("")}</ul>`;
  } catch {
    $("run-status").textContent = "Cancelled";
  } finally {
    $<HTMLButtonElement>("cancel").disabled = true;
  }
}
/** Shows a run on the lanes: the scrubber spans it and stands at its end. */
function loadReplay(run: Replay) {
  stopPlaying();
  replay = run;
  const end = Math.max(run.durationMs, ...run.timeline.map((e) => e.t));
  const scrubber = $<HTMLInputElement>("scrubber");
  // Whole seconds (the scrubber's step), rounded up so its end is the run's end.
  scrubber.max = String(Math.ceil(end / 1000) * 1000);
  scrubber.value = scrubber.max;
  $("lane-chart").innerHTML = lanesChart(run, Number(scrubber.max));
  renderAt(Number(scrubber.max));
}

$("run").addEventListener("click", () => {
  const path = $<HTMLSelectElement>("scenario-file").value;
  if (path) void runScenario(path);
  else $("run-status").textContent = "Pick a scenario first";
});

const NODE_STATE: Record<string, string> = {
  "node-cordoned": "cordoned",
  "node-draining": "draining",
  "node-drain-skipped": "not drained",
  "node-drained": "drained",
  "node-waiting": "waiting (Kubernetes down)",
  "node-rejoin-waiting": "waiting to rejoin (Kubernetes down)",
  "action-finished": "rejoining",
  "action-failed": "action failed",
  "action-retried": "retrying",
  "image-fallback": "fell back to its old image",
  "node-ready": "Ready",
  "node-adopted": "Ready",
  "node-rejoined": "Ready",
};
const DOING: Record<string, string> = {
  repave: "repaving",
  reboot: "rebooting",
  "service-restart": "restarting services",
  "config-reload": "reloading configuration",
};

/** An `action-started` line, which names the action its node begins. */
const startsAction = (e: TimelineEntry): e is ActionStarted => e.event === "action-started";

/** The kind of a lane state, for its colour on the chart. */
function phaseOf(state: string): string {
  if (state === "Ready") return "ready";
  if (/^(cordoned|draining|drained|not drained)$/.test(state)) return "drain";
  if (state === "rejoining") return "rejoin";
  if (/failed|fell back/.test(state)) return "failed";
  if (state.startsWith("waiting")) return "wait";
  return "action";
}

const PHASES: [string, string][] = [
  ["drain", "cordoned, draining"],
  ["action", "repave, reboot, restart, reload"],
  ["rejoin", "rejoining"],
  ["wait", "waiting"],
  ["failed", "failed"],
  ["down", "Kubernetes down"],
  ["paused", "agent paused or blocked"],
];

/**
 * The run as lanes over virtual time: a row per node with a bar for each state away from Ready, a row for
 * Kubernetes (down) and one for the agent (paused, blocked), and a cursor at the scrubber's time.
 */
function lanesChart(run: Replay, end: number): string {
  const spans: { lane: string; from: number; to: number; phase: string; label: string }[] = [];
  const open = new Map<string, { from: number; state: string }>();
  const move = (lane: string, t: number, state: string, phase: string) => {
    const was = open.get(lane);
    if (was && was.state === state) return;
    if (was) spans.push({ lane, from: was.from, to: t, phase, label: was.state });
    open.delete(lane);
    if (state !== "") open.set(lane, { from: t, state });
  };
  const nodeStates = new Map<string, string>();
  for (const e of run.timeline) {
    if (e.node !== undefined && run.nodes.some((n) => n.name === e.node)) {
      const state = startsAction(e) ? (DOING[e.action] ?? e.action) : (NODE_STATE[e.event] ?? undefined);
      if (state !== undefined && state !== nodeStates.get(e.node)) {
        nodeStates.set(e.node, state);
        const was = open.get(e.node);
        if (was)
          spans.push({ lane: e.node, from: was.from, to: e.t, phase: phaseOf(was.state), label: was.state });
        open.delete(e.node);
        if (state !== "Ready") open.set(e.node, { from: e.t, state });
      }
    }
    if (e.event === "kubernetes-down") move("kubernetes", e.t, "down", "down");
    if (e.event === "kubernetes-up") move("kubernetes", e.t, "", "down");
    if (e.event === "rollout-paused") move("agent", e.t, "paused", "paused");
    if (e.event === "agent-blocked") move("agent", e.t, "blocked", "paused");
    if (e.event === "rollout-resumed" || e.event === "agent-resumed" || e.event === "rollout-finished")
      move("agent", e.t, "", "paused");
  }
  for (const [lane, was] of open)
    spans.push({
      lane,
      from: was.from,
      to: end,
      phase: lane === "kubernetes" ? "down" : lane === "agent" ? "paused" : phaseOf(was.state),
      label: was.state,
    });
  const total = Math.max(end, 1);
  const lanes = ["agent", "kubernetes", ...run.nodes.map((n) => n.name)];
  const rows = lanes
    .map(
      (lane) =>
        `<div class="lane"><span class="name">${esc(lane)}</span><span class="track">${spans
          .filter((sp) => sp.lane === lane)
          .map(
            (sp) =>
              `<span class="bar phase-${sp.phase}" style="left:${(sp.from / total) * 100}%;width:${Math.max(((sp.to - sp.from) / total) * 100, 0.4)}%" title="${esc(lane)} ${esc(sp.label)} ${duration(sp.from)} → ${duration(sp.to)}"></span>`,
          )
          .join("")}</span></div>`,
    )
    .join("");
  return `<div class="lanes-chart" role="img" aria-label="${esc(`Lanes over ${duration(end)} of virtual time: ${lanes.length - 2} nodes, Kubernetes and the agent; the table below reads them at the scrubber's time`)}">${rows}<div class="axis"><span>0s</span><span>${esc(duration(end))}</span></div><span class="cursor" id="lane-cursor"></span></div><ul class="legend" aria-hidden="true">${PHASES.map(([phase, label]) => `<li><span class="swatch phase-${phase}"></span>${esc(label)}</li>`).join("")}</ul>`;
}

/** Each node's state, the agent's, and Kubernetes up/down at virtual time t: folded from the timeline. */
export function stateAt(run: Replay, t: number) {
  const nodes = new Map<string, string>();
  for (const n of run.nodes) nodes.set(n.name, "Ready");
  let agent = "idle";
  let kubernetes = "up";
  const so: TimelineEntry[] = [];
  for (const e of run.timeline) {
    if (e.t > t) break;
    so.push(e);
    if (e.node !== undefined && nodes.has(e.node)) {
      if (startsAction(e)) nodes.set(e.node, DOING[e.action] ?? e.action);
      else if (NODE_STATE[e.event] !== undefined) nodes.set(e.node, NODE_STATE[e.event] as string);
    }
    if (e.event === "kubernetes-down") kubernetes = "down";
    if (e.event === "kubernetes-up") kubernetes = "up";
    if (e.event === "update-received" && agent === "idle") agent = "update received";
    if (e.event === "rollout-started" || e.event === "rollout-resumed") agent = "rolling out";
    if (e.event === "rollout-paused") agent = "paused";
    if (e.event === "rollout-finished") agent = "finished";
    if (e.event === "update-refused") agent = "refused an update";
    if (e.event === "update-rejected") agent = "rejected an update";
    if (e.event === "rollout-halted") agent = "halted";
    if (e.event === "agent-blocked") agent = `blocked (${e.reason ?? "waiting"})`;
    if (e.event === "agent-resumed") agent = `resumed (${e.state ?? "idle"})`;
    if (e.event === "agent-restart") agent = "restarting";
  }
  return { nodes, agent, kubernetes, events: so };
}

function renderAt(t: number) {
  if (!replay) return;
  const s = stateAt(replay, t);
  const cursor = document.getElementById("lane-cursor");
  const max = Number($<HTMLInputElement>("scrubber").max);
  if (cursor) cursor.style.left = `calc(7rem + (100% - 7rem) * ${max > 0 ? t / max : 0})`;
  const rollout = siteReplay?.rollouts[siteRollout];
  $("clock").textContent =
    siteReplay && rollout
      ? `${duration(t)} (${localClock(rollout.startMs + t, siteReplay.timeZone)})`
      : duration(t);
  $("lanes").innerHTML =
    `<table id="lane-table"><caption>At ${esc(duration(t))}: agent ${esc(s.agent)}, Kubernetes ${esc(s.kubernetes)}</caption>
    <thead><tr><th scope="col">Node</th><th scope="col">State</th></tr></thead><tbody>
    <tr><th scope="row">agent</th><td class="lane-state" data-lane="agent">${esc(s.agent)}</td></tr>
    <tr><th scope="row">kubernetes</th><td class="lane-state" data-lane="kubernetes">${esc(s.kubernetes)}</td></tr>
    ${[...s.nodes].map(([n, st]) => `<tr><th scope="row">${esc(n)}</th><td class="lane-state" data-lane="${esc(n)}">${esc(st)}</td></tr>`).join("")}
    </tbody></table>`;
  $("events").innerHTML = s.events
    .map((e) => `<li>${esc(duration(e.t))} ${e.node ? `${esc(e.node)} ` : ""}${esc(e.event)}</li>`)
    .join("");
}
// A click on the chart's tracks moves the scrubber there (the keyboard has the scrubber itself).
$("lane-chart").addEventListener("click", (event) => {
  const track = (event.target as HTMLElement).closest(".lane")?.querySelector<HTMLElement>(".track");
  if (!track || !replay) return;
  const box = track.getBoundingClientRect();
  const scrubber = $<HTMLInputElement>("scrubber");
  const share = Math.min(Math.max((event.clientX - box.left) / box.width, 0), 1);
  scrubber.value = String(Math.round((share * Number(scrubber.max)) / 1000) * 1000);
  renderAt(Number(scrubber.value));
});
$("scrubber").addEventListener("input", () => renderAt(Number($<HTMLInputElement>("scrubber").value)));
function stopPlaying() {
  if (!playing) return;
  clearInterval(playing);
  playing = undefined;
  $("play").textContent = "Play";
  $("play").setAttribute("aria-pressed", "false");
}
$("play").addEventListener("click", () => {
  const button = $("play");
  if (playing) {
    stopPlaying();
    return;
  }
  const scrubber = $<HTMLInputElement>("scrubber");
  if (Number(scrubber.value) >= Number(scrubber.max)) scrubber.value = "0";
  button.textContent = "Pause";
  button.setAttribute("aria-pressed", "true");
  playing = setInterval(() => {
    const step = Math.max(Number(scrubber.max) / 200, 1000);
    const next = Math.min(Number(scrubber.value) + step, Number(scrubber.max));
    scrubber.value = String(next);
    renderAt(next);
    if (next >= Number(scrubber.max)) $("play").click();
  }, 100);
});

// ---------- Fleet ----------
$("fleet-run").addEventListener("click", async () => {
  const path = $<HTMLSelectElement>("fleet-file").value;
  if (!path) {
    $("fleet-status").textContent = "Pick a fleet plan first";
    return;
  }
  $("fleet-status").textContent = "Planning the fleet…";
  const { status, data } = await api<FleetAnswer>("/api/fleet", { path });
  if (status !== 200) {
    $("fleet-status").textContent =
      data.error ?? (data.diagnostics ?? []).map((d: ApiDiagnostic) => `${d.file}: ${d.message}`).join("; ");
    return;
  }
  fleetPath = path;
  $("fleet-status").textContent = `${data.sites.length} site ${data.sites.length === 1 ? "row" : "rows"}`;
  $<HTMLIFrameElement>("fleet-charts").srcdoc = data.html;
  fleetSites = data.sites;
  $<HTMLInputElement>("site-filter").value = "";
  $("site-find").hidden = false;
  renderSites();
  $("fleet-site").innerHTML = "";
});
let fleetSites: SiteRow[] = [];
let fleetPath = "";
const SITE_ROWS = 500;

/** The site rows whose name, wave or result holds the filter's text (the first 500 of them). */
function renderSites() {
  const filter = $<HTMLInputElement>("site-filter").value.trim().toLowerCase();
  const shown = fleetSites
    .map((site, index) => ({ site, index }))
    .filter(({ site }) =>
      [site.name, site.wave, site.result].some((v) =>
        String(v ?? "")
          .toLowerCase()
          .includes(filter),
      ),
    );
  const caption =
    shown.length > SITE_ROWS
      ? `The first ${SITE_ROWS} of ${shown.length} sites (the first trial): type to narrow them`
      : `${shown.length} of ${fleetSites.length} sites (the first trial)`;
  $("fleet-sites").innerHTML =
    `<table id="site-table"><caption>${esc(caption)}</caption><thead><tr><th scope="col">Site</th><th scope="col">Strategy</th><th scope="col">Wave</th><th scope="col">Start (local)</th><th scope="col">Result</th></tr></thead><tbody>${shown
      .slice(0, SITE_ROWS)
      .map(
        ({ site: s, index }) =>
          `<tr><td><button type="button" class="site" data-index="${index}">${esc(s.name)}</button></td><td>${esc(s.strategy)}</td><td>${esc(s.wave)}</td><td>${esc(s.startLocal)}</td><td>${esc(s.result ?? "")}</td></tr>`,
      )
      .join("")}</tbody></table>`;
}
$("site-filter").addEventListener("input", renderSites);
$("fleet-sites").addEventListener("click", (event) => {
  const button = (event.target as HTMLElement).closest<HTMLButtonElement>("button.site");
  const s = button ? fleetSites[Number(button.dataset.index)] : undefined;
  if (!s) return;
  $("fleet-site").innerHTML =
    `<h3 id="site-title" tabindex="-1">Site ${esc(s.name)}</h3><p id="site-replay-status" role="status"></p><dl>${Object.entries(
      s,
    )
      .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(typeof v === "object" ? JSON.stringify(v) : v)}</dd>`)
      .join("")}</dl>`;
  $("site-title").focus();
  if (s.state === "rolled") void openSiteReplay(s);
  else
    $("site-replay-status").textContent =
      `Nothing to replay: the site was ${s.state} (${s.why || "not rolled"}).`;
});

// ---------- a fleet site's replay ----------
let siteReplay: SiteReplay | undefined;
let siteRollout = 0;
let siteRow: SiteRow | undefined;

/** The site's own rollout, simulated by the fleet engine, shown on the Replay page's lanes. */
async function openSiteReplay(s: SiteRow) {
  $("site-replay-status").textContent = `Replaying ${String(s.name)}…`;
  const { status, data } = await api<SiteReplay>("/api/fleet/site", {
    path: fleetPath,
    site: s.name,
    strategy: s.strategy,
  });
  if (status !== 200 || data.rollouts.length === 0) {
    $("site-replay-status").textContent =
      status === 200
        ? `Nothing to replay: the site was ${data.state}.`
        : (data.error ??
          (data.diagnostics ?? []).map((d: ApiDiagnostic) => `${d.file}: ${d.message}`).join("; "));
    return;
  }
  $("site-replay-status").textContent = "";
  siteRow = s;
  location.hash = "replay";
  show("replay");
  showSite(data);
  $("replay-site-title").focus();
}

/** The Replay page's account of the fleet site it shows (undefined: a scenario is shown). */
function showSite(data: SiteReplay | undefined) {
  siteReplay = data;
  siteRollout = 0;
  $("replay-site").hidden = data === undefined;
  $("scenario-details").hidden = data !== undefined;
  if (!data) return;
  const many = data.rollouts.length > 1;
  $("replay-rollout-row").hidden = !many;
  $<HTMLSelectElement>("replay-rollout").innerHTML = data.rollouts
    .map((r, i) => `<option value="${i}">${esc(r.from)} → ${esc(r.to)}, ${esc(r.startLocal)}</option>`)
    .join("");
  $("replay-site-title").textContent = `Site ${data.site} of ${data.fleet}`;
  $<HTMLSelectElement>("scenario-file").value = "";
  showRollout(0);
}

function showRollout(index: number) {
  siteRollout = index;
  // Shown by showSite, whose rollouts fill the select: there is a replay, and a rollout at the index.
  const site = siteReplay as SiteReplay;
  const r = site.rollouts[index] as SiteRollout;
  const row = siteRow ?? {};
  $("replay-site-detail").textContent = [
    `${new Set(fleetSites.map((f) => f.strategy)).size > 1 ? `strategy ${site.strategy}, ` : ""}wave ${site.wave}`,
    `started ${r.startLocal} (${r.startUtc})`,
    `${r.run.result}, ${r.run.behavior} in ${duration(r.run.durationMs)}`,
    row.overranWindow ? "ran past its window" : "",
    `faults: ${site.faults.length ? site.faults.join("; ") : "none"}`,
  ]
    .filter(Boolean)
    .join(" · ");
  $("run-status").textContent = `${r.run.name}: ${r.run.result}`;
  $("expectations").innerHTML = `<h3>Outcome</h3><ul>${[
    `result ${r.run.result}`,
    `behavior ${r.run.behavior}`,
    `final profile ${r.run.finalProfile}`,
    ...(r.run.failure
      ? [`failed: ${r.run.failure.node} ${r.run.failure.action}: ${r.run.failure.reason}`]
      : []),
  ]
    .map((line) => `<li>${esc(line)}</li>`)
    .join("")}</ul>`;
  loadReplay(r.run);
}
$("replay-rollout").addEventListener("change", () =>
  showRollout(Number($<HTMLSelectElement>("replay-rollout").value)),
);

/** A virtual instant on the site's own clock as local wall time in its zone. */
function localClock(ms: number, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      timeZoneName: "short",
    })
      .format(new Date(ms))
      .replace(",", "");
  } catch {
    return new Date(ms).toISOString();
  }
}

// ---------- Train ----------
let quiz: { id: string; question?: QuizQuestion } | undefined;
let asked = 0;
let quizCount = 0;
function showQuestion(q: QuizQuestion) {
  $("quiz").hidden = false;
  $("quiz-next").hidden = true;
  $("quiz-ask").textContent = q.ask;
  $("quiz-progress").textContent = `Question ${asked + 1} of ${quizCount} · ${q.topic}`;
  $("quiz-situation").innerHTML = q.situation.map((s) => `<li>${esc(s)}</li>`).join("");
  const change = q.change ?? [];
  $("quiz-change").hidden = change.length === 0;
  $("quiz-change").textContent = change.map((line) => line.trimEnd()).join("\n");
  $("quiz-choices").innerHTML = q.choices
    .map(
      (c, i) =>
        `<label><input type="radio" name="choice" value="${esc(c.id)}"${i === 0 ? " required" : ""}> ${esc(c.label)}</label>`,
    )
    .join("");
  $<HTMLButtonElement>("quiz-answer").disabled = false;
  $<HTMLInputElement>("quiz-choices").querySelector<HTMLInputElement>("input")?.focus();
}
$("quiz-start").addEventListener("click", async () => {
  const { data } = await api<QuizStart>("/api/quiz/start", { count: 5 });
  quiz = data;
  asked = 0;
  quizCount = data.count;
  $("quiz-feedback").textContent = "";
  if (data.question) showQuestion(data.question);
  else $("quiz-feedback").textContent = "No questions";
});
$("quiz").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!quiz) return;
  const choice = new FormData($<HTMLFormElement>("quiz")).get("choice");
  const { data } = await api<QuizVerdict>("/api/quiz/answer", { id: quiz.id, choice });
  $<HTMLButtonElement>("quiz-answer").disabled = true;
  $("quiz-feedback").innerHTML =
    `<p id="quiz-verdict" class="${data.right ? "pass" : "error"}">${data.right ? "Correct" : `Not quite: the answer is ${esc(data.answer)}`}.</p>
    <p>${esc(data.explanation)}</p>${data.rules?.length ? `<p>Rule: ${data.rules.map(esc).join(", ")}</p>` : ""}
    <p>Score ${data.score}/${data.asked}${data.recorded ? " — recorded" : ""}</p>`;
  quiz.question = data.next;
  asked = data.asked;
  if (data.next) {
    $("quiz-next").hidden = false;
    $("quiz-next").focus();
  } else $("quiz").hidden = true;
});
$("quiz-next").addEventListener("click", () => quiz?.question && showQuestion(quiz.question));

// ---------- start ----------
async function start() {
  show(location.hash.slice(1).split("/")[0] ?? "");
  const { data } = await api<ListedFiles>("/api/files");
  files = data.files ?? [];
  fillSelect("from-file", "profile", "Pick a FROM profile, or paste one below");
  fillSelect("to-file", "profile", "Pick a TO profile, or paste one below");
  fillSelect("scenario-file", "scenario", "Pick a scenario");
  fillSelect("fleet-file", ["fleet-plan", "fleet"], "Pick a fleet plan");
  document.body.dataset.ready = "true";
}
void start();
