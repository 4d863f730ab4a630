import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "../fixtures/cli.js";

const ROOT = resolve(import.meta.dirname, "../..");

/** `edgesim serve DIR ARGS` as a user starts it: the printed URL lines, and the process to stop. */
async function serve(dir: string, args: string[]): Promise<{ child: ChildProcess; lines: string[] }> {
  const child = spawn(process.execPath, [join(ROOT, "bin/edgesim.js"), "serve", dir, ...args], {
    env: { ...process.env, NO_COLOR: "1" },
  });
  let out = "";
  const lines = await new Promise<string[]>((done, fail) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("(Ctrl-C to stop)")) done(out.trim().split("\n"));
    });
    child.once("exit", (code) => fail(new Error(`serve exited (${code}): ${out}`)));
  });
  return { child, lines };
}

/** A raw HTTP request (fetch may not set Host): status and body. */
function http(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = request(url, { method: options.method ?? "GET", headers: options.headers ?? {} }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on("end", () => done({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", fail);
    req.end(options.body);
  });
}

const listing = (dir: string) => readdirSync(dir, { recursive: true }).map(String).sort().join("\n");

describe("edgesim serve from the command line", { timeout: 60_000 }, () => {
  let dir: string;
  let running: ChildProcess | undefined;
  beforeAll(() => {
    ensureBuilt();
    dir = join(mkdtempSync(join(tmpdir(), "edgesim-serve-cli-")), "served");
    cpSync(join(ROOT, "scenarios"), dir, { recursive: true });
  });
  afterEach(() => {
    running?.kill();
    running = undefined;
  });

  it("listens on loopback by default, serves the page, and refuses another Host", async () => {
    const { child, lines } = await serve(dir, ["--port", "0"]);
    running = child;
    const url = lines[0]?.replace("edgesim serve: ", "") as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await http(url);
    expect(page.status).toBe(200);
    expect(page.body).toContain("edgesim workbench");
    const port = new URL(url).port;
    expect((await http(`${url}api/files`, { headers: { host: `rebound.example:${port}` } })).status).toBe(
      421,
    );
  });

  it("on 0.0.0.0 prints URLs a browser can open, with a generated token; without it every request is refused", async () => {
    const { child, lines } = await serve(dir, ["--port", "0", "--host", "0.0.0.0"]);
    running = child;
    const urls = lines
      .filter((line) => line.includes("http://"))
      .map((line) => line.trim().split(" ").at(-1));
    expect(urls[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
    for (const url of urls) expect(url).not.toContain("0.0.0.0");
    const withToken = new URL(urls[0] as string);
    const token = withToken.searchParams.get("token") as string;
    const base = `${withToken.origin}/`;
    const before = listing(dir);
    expect((await http(base)).status).toBe(401);
    expect((await http(`${base}api/files`)).status).toBe(401);
    expect((await http(`${base}api/file?path=profiles/k3s-base.yaml`)).status).toBe(401);
    const save = await http(`${base}api/save`, {
      method: "POST",
      headers: { origin: withToken.origin, "content-type": "application/json" },
      body: JSON.stringify({
        path: "profiles/planted.yaml",
        text: readFileSync(join(dir, "profiles/k3s-base.yaml"), "utf8"),
      }),
    });
    expect(save.status).toBe(401);
    expect(listing(dir)).toBe(before);
    expect((await http(`${base}api/files`, { headers: { "x-edgesim-token": token } })).status).toBe(200);
    expect((await http(urls[0] as string)).status).toBe(200);
  });
});
