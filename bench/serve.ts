import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startServer } from "../src/serve/server.js";

export interface ServeBench {
  requests: number;
  concurrency: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  wallMs: number;
}

/** `edgesim serve` over the bundled scenarios: N plan requests, all at once, over HTTP on loopback. */
export async function benchServe(requests = 200): Promise<ServeBench> {
  let root = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(root, "package.json")) && dirname(root) !== root) root = dirname(root);
  const scenarios = join(root, "scenarios");
  const server = await startServer({ dir: scenarios, port: 0, host: "127.0.0.1" });
  const base = readFileSync(join(scenarios, "profiles/k3s-base.yaml"), "utf8");
  const origin = server.url.replace(/\/$/, "");
  const one = async (i: number): Promise<{ ms: number; ok: boolean }> => {
    // Every request plans a different edit, so no answer is reused.
    const to = base.replace("system.customTag: retail", `system.customTag: retail-${i}`);
    const started = performance.now();
    try {
      const response = await fetch(`${origin}/api/plan`, {
        method: "POST",
        headers: { "content-type": "application/json", origin },
        body: JSON.stringify({ from: { text: base }, to: { text: to } }),
      });
      const body = (await response.json()) as { behavior?: string };
      return { ms: performance.now() - started, ok: response.status === 200 && body.behavior === "repave" };
    } catch {
      return { ms: performance.now() - started, ok: false };
    }
  };
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: requests }, (_, i) => one(i)));
  const wallMs = performance.now() - started;
  await server.close();
  const sorted = results.map((r) => r.ms).sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
  return {
    requests,
    concurrency: requests,
    p50Ms: at(50),
    p99Ms: at(99),
    errors: results.filter((r) => !r.ok).length,
    wallMs,
  };
}
