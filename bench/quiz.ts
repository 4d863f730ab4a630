import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { drawQuestions, makeQuestions } from "../src/quiz/questions.js";

// dist/bench/bench/quiz.js → the repository root
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * A large base profile: the bundled K3s base with `steps` more boot-stage steps in its OS layer, each
 * a file and a few commands (about 450 bytes), the way big site profiles grow.
 */
export function largeBase(steps: number): string {
  const base = readFileSync(join(root, "scenarios/profiles/k3s-base.yaml"), "utf8");
  const extra: string[] = [];
  for (let i = 0; i < steps; i++) {
    extra.push(
      `          - name: Site service ${i}`,
      "            files:",
      `              - path: /etc/systemd/system/site-${i}.service`,
      "                permissions: 420",
      "                content: |",
      "                  [Unit]",
      `                  Description=Site service ${i}`,
      "                  [Service]",
      `                  ExecStart=/usr/local/bin/site-agent --slot ${i} --config /etc/site/${i}.yaml`,
      "                  Restart=always",
      "            commands:",
      "              - systemctl daemon-reload",
      `              - systemctl enable --now site-${i}.service`,
    );
  }
  // Insert the steps at the end of the OS layer's boot stage (just before its network stage).
  const marker = "        network:\n          - name: Site hostname";
  if (!base.includes(marker)) throw new Error("k3s-base.yaml changed: update bench/quiz.ts's marker");
  return base.replace(marker, `${extra.join("\n")}\n${marker}`);
}

export interface QuizScalingBench {
  sizes: { kib: number; firstMs: number; tenMs: number }[];
  /** log(time ratio) / log(size ratio) between the smallest and largest size: 1 is linear, 2 quadratic. */
  exponent: number;
}

/** Time to the first question and to ten questions, in process, on ever larger base profiles. */
export async function benchQuizScaling(stepCounts = [100, 400, 1600]): Promise<QuizScalingBench> {
  const dir = mkdtempSync(join(tmpdir(), "edgesim-quiz-bench-"));
  // Warm up the loader, planner and simulation once, so the first size is not paying for the JIT.
  await makeQuestions([{ file: "warm.yaml", text: largeBase(10) }], 10, { seed: 1 });
  const sizes: QuizScalingBench["sizes"] = [];
  for (const steps of stepCounts) {
    const text = largeBase(steps);
    const file = join(dir, `large-${steps}-base.yaml`);
    writeFileSync(file, text);
    const bases = [{ file, text }];
    let start = performance.now();
    await drawQuestions(bases, { seed: 1 }).next();
    const firstMs = performance.now() - start;
    start = performance.now();
    await makeQuestions(bases, 10, { seed: 1 });
    const tenMs = performance.now() - start;
    sizes.push({ kib: Buffer.byteLength(text) / 1024, firstMs, tenMs });
  }
  const small = sizes[0] as QuizScalingBench["sizes"][number];
  const large = sizes[sizes.length - 1] as QuizScalingBench["sizes"][number];
  return { sizes, exponent: Math.log(large.tenMs / small.tenMs) / Math.log(large.kib / small.kib) };
}
