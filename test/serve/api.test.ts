import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/serve/app.js";
import type { SiteReplay as SentSiteReplay } from "../../src/serve/fleet-site.js";
import type { SiteReplay } from "../../web/api.js";
import { ensureBuilt, spawnEdgesim } from "../fixtures/cli.js";

const ROOT = resolve(import.meta.dirname, "../..");
const HOST = "127.0.0.1:4321";
const ORIGIN = `http://${HOST}`;

/**
 * A fleet site's replay as the server sends it, read as the workbench page reads it: the page declares the
 * shape apart (its build must not see the server's types), so tsc fails here when the two part.
 */
function asRead(sent: SentSiteReplay): SiteReplay {
  return sent;
}

/** A copy of the bundled scenarios, a file outside it, a link out of it and a FIFO in it. */
function workspace() {
  const top = mkdtempSync(join(tmpdir(), "edgesim-serve-"));
  const dir = join(top, "served");
  cpSync(join(ROOT, "scenarios"), dir, { recursive: true });
  writeFileSync(join(top, "secret.yaml"), "secret: outside\n");
  symlinkSync(join(top, "secret.yaml"), join(dir, "link-out.yaml"));
  execFileSync("mkfifo", [join(dir, "pipe.yaml")]);
  return { top, dir };
}

/** Every file's path, size and content hash (FIFOs by type only): "nothing changed on disk". */
function snapshot(top: string): string {
  const lines: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile())
        lines.push(
          `${path} ${createHash("sha256").update(readFileSync(path)).digest("hex")} ${statSync(path).mode}`,
        );
      else lines.push(`${path} ${entry.isSymbolicLink() ? "link" : "special"}`);
    }
  };
  walk(top);
  return lines.join("\n");
}

function client(app: ReturnType<typeof createApp>, base: Record<string, string> = {}) {
  const headers = { host: HOST, ...base };
  return {
    get: (path: string, extra: Record<string, string> = {}) =>
      app.request(path, { headers: { ...headers, ...extra } }),
    post: (path: string, body: unknown, extra: Record<string, string> = {}) =>
      app.request(path, {
        method: "POST",
        headers: { ...headers, origin: ORIGIN, "content-type": "application/json", ...extra },
        body: typeof body === "string" ? body : JSON.stringify(body),
      }),
  };
}

describe("the serve API", () => {
  let ws: ReturnType<typeof workspace>;
  let api: ReturnType<typeof client>;
  let results: string;
  beforeAll(() => {
    ensureBuilt();
    ws = workspace();
    results = join(ws.top, "results.yaml");
    api = client(createApp({ dir: ws.dir, hosts: [HOST], results, operator: "tester" }));
  });

  it("lists the files under DIR by kind", async () => {
    const response = await api.get("/api/files");
    expect(response.status).toBe(200);
    const { files } = (await response.json()) as { files: { path: string; kind?: string }[] };
    const kind = (path: string) => files.find((f) => f.path === path)?.kind;
    expect(kind("profiles/k3s-base.yaml")).toBe("profile");
    expect(kind("story-kubernetes-down-mid-rollout.yaml")).toBe("scenario");
    expect(kind("fleet-plans/regional-stores.yaml")).toBe("fleet-plan");
    // Links are not followed and a FIFO is not read.
    expect(files.some((f) => f.path === "link-out.yaml" || f.path === "pipe.yaml")).toBe(false);
  });

  it("plans two files byte for byte as `edgesim plan FROM TO --json` in DIR", async () => {
    const [from, to] = ["profiles/k3s-base.yaml", "profiles/k3s-kubernetes-upgrade.yaml"];
    const response = await api.post("/api/plan", { from: { path: from }, to: { path: to } });
    expect(response.status).toBe(200);
    const cli = spawnEdgesim(["plan", from, to, "--json"], { cwd: ws.dir, timeoutMs: 30_000 });
    expect(cli.status).toBe(0);
    expect(await response.text()).toBe(cli.stdout);
    expect(JSON.parse(cli.stdout).behavior).toBe("repave");
  });

  it("plans pasted texts, and reports an input error at its line:col", async () => {
    const base = readFileSync(join(ws.dir, "profiles/k3s-base.yaml"), "utf8");
    const same = await api.post("/api/plan", { from: { text: base }, to: { text: base } });
    expect(((await same.json()) as { behavior: string }).behavior).toBe("no-op");
    const broken = await api.post("/api/plan", {
      from: { text: base },
      to: { path: "to", text: "name: [x\n" },
    });
    expect(broken.status).toBe(422);
    const { diagnostics } = (await broken.json()) as { diagnostics: { file: string; line?: number }[] };
    expect(diagnostics[0]?.file).toBe("to");
    expect(diagnostics[0]?.line).toBeGreaterThan(0);
  });

  it("runs a scenario off the request thread, byte for byte as `edgesim run FILE --json` in DIR", async () => {
    const file = "story-kubernetes-down-mid-rollout.yaml";
    const response = await api.post("/api/run", { path: file });
    expect(response.status).toBe(200);
    const cli = spawnEdgesim(["run", file, "--json"], { cwd: ws.dir, timeoutMs: 30_000 });
    expect(cli.status).toBe(0);
    expect(await response.text()).toBe(cli.stdout);
  });

  it("re-runs a scenario with edited events: no outage, no pause", async () => {
    const file = "story-kubernetes-down-mid-rollout.yaml";
    const text = readFileSync(join(ws.dir, file), "utf8")
      .replace("  - { at: 8m, kubernetes: down }\n", "")
      .replace("  - { at: 40m, kubernetes: up }\n", "");
    const response = await api.post("/api/run", { path: file, text });
    expect(response.status).toBe(200);
    const run = (await response.json()) as { timeline: { event: string }[] };
    expect(run.timeline.some((e) => e.event === "kubernetes-down")).toBe(false);
    const original = (await (await api.post("/api/run", { path: file })).json()) as typeof run;
    expect(original.timeline.some((e) => e.event === "kubernetes-down")).toBe(true);
  });

  it("cancels a run and stays responsive; a run over its time is stopped", async () => {
    const running = api.post("/api/run", { path: "story-kubernetes-down-mid-rollout.yaml", id: "r1" });
    await new Promise((r) => setTimeout(r, 20));
    expect((await api.get("/api/files")).status).toBe(200);
    const cancel = await api.post("/api/cancel", { id: "r1" });
    expect(((await cancel.json()) as { cancelled: boolean }).cancelled).toBe(true);
    expect((await running).status).toBe(409);
    const slow = client(createApp({ dir: ws.dir, hosts: [HOST], runTimeoutMs: 1 }));
    expect((await slow.post("/api/run", { path: "story-kubernetes-down-mid-rollout.yaml" })).status).toBe(
      408,
    );
  });

  it("stops a run past the heap one request may use (413), and keeps answering", async () => {
    const small = client(createApp({ dir: ws.dir, hosts: [HOST], runHeapMb: 16 }));
    const response = await small.post("/api/fleet", { path: "fleet-plans/retail-chain-2000.yaml" });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toMatch(/more memory/);
    expect((await small.get("/api/files")).status).toBe(200);
  });

  it("plans a fleet: the summary, the charts and one row per site", async () => {
    const response = await api.post("/api/fleet", { path: "fleet-plans/regional-stores.yaml" });
    expect(response.status).toBe(200);
    const text = await response.text();
    const data = JSON.parse(text) as {
      json: { sites: number };
      html: string;
      sites: { name: string }[];
    };
    expect(data.html).toContain("<svg");
    expect(data.sites.length).toBeGreaterThanOrEqual(9);
    const cli = spawnEdgesim(["fleet", "fleet-plans/regional-stores.yaml", "--json"], {
      cwd: ws.dir,
      timeoutMs: 60_000,
    });
    expect(cli.status).toBe(0);
    expect(text.startsWith(`{"json":${cli.stdout},`)).toBe(true);
    expect(data.json).toEqual(JSON.parse(cli.stdout));
    // A fleet file (fleet: + clusters:) as `edgesim fleet` takes it: the plan it stands for.
    const file = "fleet/retail-wave-kubernetes-outage-blocks-one-store.yaml";
    const fleetFile = await (await api.post("/api/fleet", { path: file })).text();
    const cliFile = spawnEdgesim(["fleet", file, "--json"], { cwd: ws.dir, timeoutMs: 60_000 });
    expect(fleetFile.startsWith(`{"json":${cliFile.stdout},`)).toBe(true);
  });

  it("replays a fleet site: the outcome the fleet reports for it, with its whole simulation", async () => {
    const path = "fleet-plans/regional-stores.yaml";
    const fleet = (await (await api.post("/api/fleet", { path })).json()) as {
      sites: { name: string; state: string; result: string; behavior: string; startUtc: string }[];
    };
    const rows = fleet.sites.filter((row) => row.state === "rolled");
    expect(rows.length).toBeGreaterThanOrEqual(8);
    for (const row of rows.slice(0, 3)) {
      const response = await api.post("/api/fleet/site", { path, site: row.name });
      expect(response.status).toBe(200);
      const replay = asRead((await response.json()) as SentSiteReplay);
      expect(replay.state).toBe("rolled");
      expect(replay.rollouts).toHaveLength(1);
      const run = replay.rollouts[0]?.run;
      expect([run?.result, run?.behavior, replay.rollouts[0]?.startUtc]).toEqual([
        row.result,
        row.behavior,
        row.startUtc,
      ]);
      expect(run?.timeline.at(-1)?.event).toBe("rollout-finished");
    }
    // A site no window can hold has nothing to replay, and says why.
    const kiosk = await api.post("/api/fleet/site", { path, site: "kiosk-001" });
    expect(await kiosk.json()).toMatchObject({ state: "unschedulable", rollouts: [] });
    expect((await api.post("/api/fleet/site", { path, site: "nowhere" })).status).toBe(422);
    expect((await api.post("/api/fleet/site", { path })).status).toBe(400);
    expect((await api.post("/api/fleet/site", { path: "../secret.yaml", site: "x" })).status).toBe(403);
  });

  it("replays a fleet file's blocked store, and each rollout of a cluster template's site", async () => {
    const blocked = asRead(
      (await (
        await api.post("/api/fleet/site", {
          path: "fleet/retail-wave-kubernetes-outage-blocks-one-store.yaml",
          site: "store-002",
        })
      ).json()) as SentSiteReplay,
    );
    expect(blocked.rollouts[0]?.run.result).toBe("blocked");
    expect(blocked.rollouts[0]?.run.timeline.map((e) => e.event)).toContain("agent-blocked");
    const template = asRead(
      (await (
        await api.post("/api/fleet/site", {
          path: "fleet-plans/template-update-during-rollout.yaml",
          site: "store-00001",
        })
      ).json()) as SentSiteReplay,
    );
    expect(template.wave).toBe("template");
    expect(template.rollouts.map((r) => `${r.from}→${r.to} ${r.run.result}`)).toEqual([
      "1.0.0→2.0.0 converged",
      "2.0.0→3.0.0 converged",
    ]);
  });

  it("saves an edited profile under DIR, and refuses text that is not a profile", async () => {
    const text = readFileSync(join(ws.dir, "profiles/k3s-base.yaml"), "utf8");
    const saved = await api.post("/api/save", { path: "profiles/edited.yaml", text });
    expect(saved.status).toBe(200);
    expect(readFileSync(join(ws.dir, "profiles/edited.yaml"), "utf8")).toBe(text);
    const before = snapshot(ws.top);
    expect((await api.post("/api/save", { path: "profiles/edited.yaml", text: "nope: [" })).status).toBe(422);
    expect(snapshot(ws.top)).toBe(before);
  });

  it("asks a quiz question, explains the answer with its rule, and records the attempt", async () => {
    const start = await api.post("/api/quiz/start", { seed: 7, count: 1 });
    const { id, question } = (await start.json()) as {
      id: string;
      question: { id: string; choices: { id: string }[]; change: string[] };
    };
    // The change is shown as the terminal quiz shows it: its layer and place, then the value.
    expect(question.change[0]).toMatch(/^ {2}\w+ layer/);
    const choice = question.choices[0]?.id;
    const answer = await api.post("/api/quiz/answer", { id, choice });
    const data = (await answer.json()) as {
      right: boolean;
      explanation: string;
      answer: string;
      recorded?: string;
    };
    expect(data.right).toBe(data.answer === choice);
    expect(data.explanation.length).toBeGreaterThan(0);
    expect(data.recorded).toBe(results);
    expect(readFileSync(results, "utf8")).toContain(`"operator": "tester"`);
  });

  it("refuses an edited reference out of DIR without telling where DIR is on the machine", async () => {
    const file = "story-kubernetes-down-mid-rollout.yaml";
    const text = readFileSync(join(ws.dir, file), "utf8").replace(
      "profile: profiles/k3s-base.yaml",
      "profile: ../../../etc/passwd",
    );
    const response = await api.post("/api/run", { path: file, text });
    expect(response.status).toBe(422);
    const body = await response.text();
    expect(body).toContain("resolves outside the served folder");
    expect(body).not.toContain(ws.dir);
    expect(body).not.toContain("--allow-outside");
  });

  describe("refuses hostile requests (4xx) and changes nothing on disk", () => {
    const hostile: [string, () => Response | Promise<Response>, number][] = [
      ["a path with ..", () => api.get("/api/file?path=../secret.yaml"), 403],
      ["an absolute path", () => api.get(`/api/file?path=${encodeURIComponent("/etc/passwd")}`), 403],
      ["a link out of DIR", () => api.get("/api/file?path=link-out.yaml"), 403],
      ["a FIFO", () => api.get("/api/file?path=pipe.yaml"), 422],
      [
        "a plan of a file outside",
        () => api.post("/api/plan", { from: { path: "../secret.yaml" }, to: { path: "x" } }),
        403,
      ],
      ["a save with ..", () => api.post("/api/save", { path: "../secret.yaml", text: "x: 1" }), 403],
      ["a save through a link", () => api.post("/api/save", { path: "link-out.yaml", text: "x: 1" }), 403],
      ["a save to a FIFO", () => api.post("/api/save", { path: "pipe.yaml", text: "x: 1" }), 403],
      ["a run outside", () => api.post("/api/run", { path: "../secret.yaml" }), 403],
      ["an oversize body", () => api.post("/api/plan", { from: { text: "x".repeat(2 * 1024 * 1024) } }), 413],
      ["a wrong Host (DNS rebinding)", () => api.get("/api/files", { host: "evil.example:4321" }), 421],
      [
        "a wrong Origin",
        () =>
          api.post("/api/save", { path: "profiles/x.yaml", text: "x" }, { origin: "http://evil.example" }),
        403,
      ],
      [
        "a POST without Origin",
        () =>
          api.post(
            "/api/save",
            { path: "profiles/x.yaml", text: "x" },
            { origin: "", "sec-fetch-site": "none" },
          ),
        403,
      ],
      ["a body that is not JSON", () => api.post("/api/plan", "{"), 400],
    ];
    for (const [what, request, status] of hostile) {
      it(what, async () => {
        const before = snapshot(ws.top);
        const response = await request();
        expect(response.status).toBe(status);
        expect(snapshot(ws.top)).toBe(before);
      });
    }

    it("without the token, when one is set; with it (header, or ?token= then the cookie) it answers", async () => {
      const app = createApp({ dir: ws.dir, hosts: "any", token: "s3cret" });
      const bare = client(app);
      const before = snapshot(ws.top);
      expect((await bare.get("/api/files")).status).toBe(401);
      expect((await bare.get("/api/files", { "x-edgesim-token": "wrong" })).status).toBe(401);
      expect((await bare.post("/api/save", { path: "profiles/y.yaml", text: "x" })).status).toBe(401);
      expect(snapshot(ws.top)).toBe(before);
      expect((await bare.get("/api/files", { "x-edgesim-token": "s3cret" })).status).toBe(200);
      const first = await bare.get("/?token=s3cret");
      const cookie = first.headers.get("set-cookie") ?? "";
      expect(cookie).toContain("HttpOnly");
      expect((await bare.get("/api/files", { cookie: cookie.split(";")[0] as string })).status).toBe(200);
    });
  });
});
