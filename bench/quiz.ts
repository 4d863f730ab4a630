import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { drawQuestions, makeQuestions } from "../src/quiz/questions.js";

// dist/bench/bench/quiz.js → the repository root
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const bin = join(root, "bin/edgesim.js");

/** Wall ms from spawning `node ARGS` until its stdout shows `until` (or it exits). */
function timeToOutput(args: string[], until: string | undefined): Promise<number> {
  return new Promise((done, fail) => {
    const start = performance.now();
    const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "inherit"], cwd: root });
    let out = "";
    let seen = false;
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (!seen && until !== undefined && out.includes(until)) {
        seen = true;
        done(performance.now() - start);
        child.stdin.end();
      }
    });
    child.on("error", fail);
    child.on("exit", () => {
      if (!seen) done(performance.now() - start);
    });
  });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

export interface QuizStartBench {
  nodeMs: number;
  firstQuestionMs: number;
  ratio: number;
  runs: number;
}

/** `edgesim quiz` until its first prompt, against a bare `node -e 0`, interleaved, medians of `runs`. */
export async function benchQuizStart(runs = 9): Promise<QuizStartBench> {
  const node: number[] = [];
  const quiz: number[] = [];
  await timeToOutput([bin, "quiz", "--seed", "1"], "> "); // warm the file cache
  for (let i = 0; i < runs; i++) {
    node.push(await timeToOutput(["-e", "0"], undefined));
    quiz.push(await timeToOutput([bin, "quiz", "--seed", String(i + 1)], "> "));
  }
  const nodeMs = median(node);
  const firstQuestionMs = median(quiz);
  return { nodeMs, firstQuestionMs, ratio: firstQuestionMs / nodeMs, runs };
}

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
export function benchQuizScaling(stepCounts = [100, 400, 1600]): QuizScalingBench {
  const dir = mkdtempSync(join(tmpdir(), "edgesim-quiz-bench-"));
  // Warm up the loader, planner and simulation once, so the first size is not paying for the JIT.
  makeQuestions([{ file: "warm.yaml", text: largeBase(10) }], 10, { seed: 1 });
  const sizes = stepCounts.map((steps) => {
    const text = largeBase(steps);
    const file = join(dir, `large-${steps}-base.yaml`);
    writeFileSync(file, text);
    const bases = [{ file, text }];
    let start = performance.now();
    drawQuestions(bases, { seed: 1 }).next();
    const firstMs = performance.now() - start;
    start = performance.now();
    makeQuestions(bases, 10, { seed: 1 });
    const tenMs = performance.now() - start;
    return { kib: Buffer.byteLength(text) / 1024, firstMs, tenMs };
  });
  const small = sizes[0] as QuizScalingBench["sizes"][number];
  const large = sizes[sizes.length - 1] as QuizScalingBench["sizes"][number];
  return { sizes, exponent: Math.log(large.tenMs / small.tenMs) / Math.log(large.kib / small.kib) };
}
