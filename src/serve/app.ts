import { timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { renderEdit } from "../quiz/render.js";
import type { Question } from "../quiz/types.js";
import { type Diagnostic, isInputError } from "../shared/diagnostics.js";
import { readTextFile, writeOutput } from "../shared/files.js";
import { planText } from "./engine.js";
import type { Job, JobResult } from "./jobs.js";
import { listFiles, PathRefused, pathUnder, refuseSaveTarget } from "./paths.js";
import { JobStopped, runOnThread } from "./worker-run.js";

export interface AppOptions {
  /** The served folder: every path the page names is under it. */
  dir: string;
  /**
   * `Host` values the server answers (`127.0.0.1:8080`, `localhost:8080`…; read at each request, so the
   * list may be filled once the port is known); anything else is refused. "any" only with a token.
   */
  hosts: readonly string[] | "any";
  /** When set, every request must carry it (header `x-edgesim-token`, cookie, or `?token=` once). */
  token?: string;
  /** The quiz's results file (`--results`), appended to as `edgesim quiz --results` does. */
  results?: string;
  operator?: string;
  /** Largest request body, bytes. */
  maxBody?: number;
  /** Longest run, milliseconds. */
  runTimeoutMs?: number;
  /** Runs at once; more are refused (429) rather than queued. */
  maxRuns?: number;
  /** The heap one run may use, MiB (past it: 413). */
  runHeapMb?: number;
}

export const DEFAULT_MAX_BODY = 1024 * 1024;
export const DEFAULT_RUN_TIMEOUT_MS = 120_000;
const TOKEN_COOKIE = "edgesim_token";

/** The JSON API and the page, as one Hono app (started by `startServer`, or called directly in tests). */
export function createApp(options: AppOptions): Hono {
  const dir = resolve(options.dir);
  if (options.hosts === "any" && options.token === undefined)
    throw new Error("serving any Host name needs a token");
  const hostAllowed = (host: string) =>
    options.hosts === "any" ? host !== "" : options.hosts.some((h) => h.toLowerCase() === host);
  const maxRuns = options.maxRuns ?? 2;
  const timeoutMs = options.runTimeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
  const running = new Map<string, AbortController>();
  const quizzes = new Map<string, QuizSession>();
  const app = new Hono();

  // Host first (DNS rebinding: a name that resolves here is still not ours), then Origin, then the token.
  app.use("*", async (c, next) => {
    const host = (c.req.header("host") ?? "").toLowerCase();
    if (!hostAllowed(host)) return c.json({ error: `Host ${host || "(none)"} is not served here` }, 421);
    const origin = c.req.header("origin");
    const write = !["GET", "HEAD", "OPTIONS"].includes(c.req.method);
    if (origin !== undefined && origin !== `http://${host}`)
      return c.json({ error: `Origin ${origin} may not use this server` }, 403);
    if (write && origin === undefined && c.req.header("sec-fetch-site") !== "same-origin")
      return c.json({ error: "a request that changes something must come from the page (Origin)" }, 403);
    if (c.req.header("sec-fetch-site") === "cross-site")
      return c.json({ error: "cross-site requests are refused" }, 403);
    c.header("x-content-type-options", "nosniff");
    c.header("referrer-policy", "no-referrer");
    c.header("cross-origin-resource-policy", "same-origin");
    if (options.token !== undefined) {
      const given =
        c.req.header("x-edgesim-token") ??
        cookieOf(c.req.header("cookie"), TOKEN_COOKIE) ??
        c.req.query("token");
      if (given === undefined || !sameSecret(given, options.token))
        return c.json({ error: "a token is required: open the URL the server printed" }, 401);
      if (c.req.query("token") !== undefined && c.req.method === "GET")
        c.header("set-cookie", `${TOKEN_COOKIE}=${options.token}; Path=/; HttpOnly; SameSite=Strict`);
    }
    await next();
  });
  app.use(
    "/api/*",
    bodyLimit({
      maxSize: options.maxBody ?? DEFAULT_MAX_BODY,
      onError: (c) =>
        c.json({ error: `request body over ${options.maxBody ?? DEFAULT_MAX_BODY} bytes` }, 413),
    }),
  );

  app.get("/api/files", async (c) => c.json({ files: await listFiles(dir) }));

  app.get("/api/file", (c) => {
    const full = pathUnder(dir, c.req.query("path"));
    return c.json({ path: c.req.query("path"), text: readTextFile(full) });
  });

  app.post("/api/plan", async (c) => {
    const body = await jsonBody(c);
    const side = (which: "from" | "to") => {
      const v = body[which] as { path?: unknown; text?: unknown } | undefined;
      if (v && typeof v.text === "string")
        return { name: typeof v.path === "string" ? v.path : which, text: v.text };
      if (v && v.path !== undefined) {
        const full = pathUnder(dir, v.path);
        return { name: v.path as string, text: readTextFile(full) };
      }
      throw new BadRequest(`${which}: give {"path": …} or {"text": …}`);
    };
    const from = side("from");
    const to = side("to");
    return c.body(await planText(from, to), 200, { "content-type": "application/json; charset=utf-8" });
  });

  const runJob = async (c: Context, kind: Job["kind"]) => {
    const body = await jsonBody(c);
    const full = pathUnder(dir, body.path);
    if (body.text !== undefined && typeof body.text !== "string")
      throw new BadRequest("text: expected a string");
    const site = kind === "fleet-site" ? shortString(body.site, "site") : undefined;
    const strategy = kind === "fleet-site" ? optionalShortString(body.strategy, "strategy") : undefined;
    if (running.size >= maxRuns)
      return c.json({ error: `${maxRuns} runs are going: try again shortly` }, 429);
    const id = typeof body.id === "string" && body.id.length <= 64 ? body.id : crypto.randomUUID();
    const controller = new AbortController();
    running.set(id, controller);
    c.req.raw.signal.addEventListener("abort", () => controller.abort(), { once: true });
    try {
      const result: JobResult = await runOnThread(
        {
          kind,
          file: full,
          name: body.path as string,
          root: dir,
          ...(typeof body.text === "string" ? { text: body.text } : {}),
          ...(site !== undefined ? { site } : {}),
          ...(strategy !== undefined ? { strategy } : {}),
        },
        {
          timeoutMs,
          signal: controller.signal,
          ...(options.runHeapMb !== undefined ? { heapMb: options.runHeapMb } : {}),
        },
      );
      if (!result.ok) return c.json({ diagnostics: relativeDiagnostics(result.diagnostics, dir) }, 422);
      if (kind !== "fleet-plan")
        return c.body(result.json, 200, { "content-type": "application/json; charset=utf-8" });
      // `json` is the text of `edgesim fleet FILE --json` as it is, byte for byte, first in the answer.
      return c.body(
        `{"json":${result.json},"html":${JSON.stringify(result.html ?? "")},"sites":${JSON.stringify(result.sites ?? [])}}`,
        200,
        { "content-type": "application/json; charset=utf-8" },
      );
    } catch (error) {
      if (error instanceof JobStopped)
        return c.json(
          { error: error.message },
          error.reason === "timeout" ? 408 : error.reason === "memory" ? 413 : 409,
        );
      throw error;
    } finally {
      running.delete(id);
    }
  };
  app.post("/api/run", (c) => runJob(c, "scenario"));
  app.post("/api/fleet", (c) => runJob(c, "fleet-plan"));
  app.post("/api/fleet/site", (c) => runJob(c, "fleet-site"));
  app.post("/api/cancel", async (c) => {
    const body = await jsonBody(c);
    const controller = typeof body.id === "string" ? running.get(body.id) : undefined;
    controller?.abort();
    return c.json({ cancelled: controller !== undefined });
  });

  app.post("/api/save", async (c) => {
    const body = await jsonBody(c);
    const full = pathUnder(dir, body.path);
    if (typeof body.text !== "string") throw new BadRequest("text: expected a string");
    if (!/\.ya?ml$/i.test(full)) throw new BadRequest("only a .yaml or .yml file is saved");
    const why = refuseSaveTarget(full);
    if (why) throw new PathRefused(`${body.path as string} ${why}`);
    if (!existsSync(dirname(full))) throw new BadRequest(`${body.path as string}: its folder does not exist`);
    // Only a profile is saved: the text must read as one, so a save never writes something unreadable.
    const { parseProfile } = await import("../profile/parse.js");
    parseProfile(body.text, body.path as string, { variables: {} });
    writeOutput({ file: full }, body.text);
    return c.json({ saved: body.path });
  });

  app.post("/api/quiz/start", async (c) => {
    const body = await jsonBody(c);
    const seed = Number.isSafeInteger(body.seed)
      ? (body.seed as number)
      : Math.floor(Date.now() / 86_400_000);
    const count =
      Number.isInteger(body.count) && (body.count as number) >= 1 ? Math.min(body.count as number, 20) : 5;
    const session = await startQuiz(seed, count);
    if (quizzes.size >= 50) quizzes.delete(quizzes.keys().next().value as string);
    const id = crypto.randomUUID();
    quizzes.set(id, session);
    return c.json({
      id,
      seed,
      count,
      question: session.current ? publicQuestion(session.current) : undefined,
    });
  });

  app.post("/api/quiz/answer", async (c) => {
    const body = await jsonBody(c);
    const session = typeof body.id === "string" ? quizzes.get(body.id) : undefined;
    if (!session) return c.json({ error: "no such quiz: start one" }, 404);
    const question = session.current;
    if (!question) return c.json({ error: "the quiz is over" }, 409);
    const choice = question.choices.find((ch) => ch.id === body.choice);
    if (!choice) throw new BadRequest(`choice: one of ${question.choices.map((ch) => ch.id).join(", ")}`);
    const right = choice.id === question.answer;
    session.answers.push({
      question: question.id,
      topic: question.topic,
      distribution: question.distribution,
      given: choice.id,
      answer: question.answer,
      right,
    });
    await session.advance();
    const done = session.current === undefined;
    let recorded: string | undefined;
    if (done && options.results !== undefined) {
      recorded = await recordAttempt(options.results, options.operator ?? "operator", session);
      quizzes.delete(body.id as string);
    }
    return c.json({
      right,
      answer: question.answer,
      explanation: question.explanation,
      rules: [...new Set(question.plan?.changes.map((ch) => ch.rule) ?? [])],
      score: session.answers.filter((a) => a.right).length,
      asked: session.answers.length,
      next: session.current ? publicQuestion(session.current) : undefined,
      ...(recorded ? { recorded } : {}),
    });
  });

  app.get("/favicon.ico", (c) => c.body(null, 204));
  app.get("/", (c) => asset(c, "index.html", options.token));
  app.get("/assets/:name", (c) => asset(c, c.req.param("name"), undefined));

  app.onError((error, c) => {
    if (error instanceof PathRefused) return c.json({ error: tellUnder(error.message, dir) }, 403);
    if (error instanceof BadRequest) return c.json({ error: error.message }, 400);
    if (isInputError(error)) return c.json({ diagnostics: relativeDiagnostics(error.diagnostics, dir) }, 422);
    return c.json({ error: tellUnder(error instanceof Error ? error.message : String(error), dir) }, 500);
  });
  return app;
}

class BadRequest extends Error {}

/** A name the page sends (a site, a strategy): a non-empty string of at most 256 characters. */
function shortString(value: unknown, what: string): string {
  if (typeof value !== "string" || value === "" || value.length > 256)
    throw new BadRequest(`${what}: expected a name of 1 to 256 characters`);
  return value;
}

function optionalShortString(value: unknown, what: string): string | undefined {
  return value === undefined ? undefined : shortString(value, what);
}

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  let value: unknown;
  try {
    value = await c.req.json();
  } catch {
    throw new BadRequest("expected a JSON object body");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new BadRequest("expected a JSON object body");
  return value as Record<string, unknown>;
}

/**
 * Messages name files as the page does, under the served folder: the folder's own place on the machine is
 * not told to the browser, nor the command-line options (`--root`, `--allow-outside`) the server has not.
 */
export function relativeDiagnostics(diagnostics: readonly Diagnostic[], dir: string): Diagnostic[] {
  const prefix = `${dir}/`;
  const tell = (text: string) => tellUnder(text, dir);
  return diagnostics.map((d) => ({
    ...d,
    file: d.file.startsWith(prefix) ? d.file.slice(prefix.length) : d.file,
    message: tell(d.message),
  }));
}

/** A message as the browser is told it: paths under the served folder relative to it, and no CLI hint. */
function tellUnder(text: string, dir: string): string {
  return text
    .replaceAll(`${dir}/`, "")
    .replaceAll(dir, "the served folder")
    .replace(/: pass --root DIR or --allow-outside to follow it$/, "");
}

function cookieOf(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return rest.join("=");
  }
  return undefined;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The page's files, bundled at build time into dist/web/ (no network, no CDN at run time). */
export function webDir(): string {
  return fileURLToPath(new URL("../../dist/web/", import.meta.url));
}

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  png: "image/png",
};

function asset(c: Context, name: string, _token: string | undefined) {
  if (!/^[a-z0-9-]+\.(html|js|css|png)$/.test(name)) return c.json({ error: "not found" }, 404);
  const file = join(webDir(), name);
  if (!existsSync(file)) return c.json({ error: `${name} is not built: run npm run build` }, 404);
  const ext = name.slice(name.lastIndexOf(".") + 1);
  c.header(
    "content-security-policy",
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-src 'self' blob: data:; connect-src 'self'",
  );
  return c.body(readFileSync(file), 200, { "content-type": TYPES[ext] ?? "application/octet-stream" });
}

interface QuizSession {
  seed: number;
  count: number;
  current: Question | undefined;
  answers: import("../quiz/results.js").QuizAnswer[];
  advance(): Promise<void>;
}

async function startQuiz(seed: number, count: number): Promise<QuizSession> {
  const [{ drawQuestions }, { TOPICS }] = await Promise.all([
    import("../quiz/questions.js"),
    import("../quiz/topics.js"),
  ]);
  const profiles = fileURLToPath(new URL("../../scenarios/profiles/", import.meta.url));
  const { readdirSync } = await import("node:fs");
  const bases = readdirSync(profiles)
    .filter((name) => /base\.ya?ml$/.test(name))
    .sort()
    .map((name) => ({ file: join(profiles, name), text: readTextFile(join(profiles, name)) }));
  const questions = drawQuestions(bases, { seed, topics: [...TOPICS] });
  const session: QuizSession = {
    seed,
    count,
    current: undefined,
    answers: [],
    async advance() {
      if (session.answers.length >= count) {
        session.current = undefined;
        return;
      }
      const next = await questions.next();
      session.current = next.done ? undefined : next.value;
    },
  };
  await session.advance();
  return session;
}

function publicQuestion(q: Question) {
  return {
    id: q.id,
    topic: q.topic,
    distribution: q.distribution,
    situation: q.situation,
    // The change as the terminal quiz shows it: where it is, and the value before and after.
    change: q.change ? renderEdit(q.change) : [],
    ask: q.ask,
    choices: q.choices,
  };
}

async function recordAttempt(file: string, operator: string, session: QuizSession): Promise<string> {
  const [{ parseResults, appendAttempt }, { TOPICS }] = await Promise.all([
    import("../quiz/results.js"),
    import("../quiz/topics.js"),
  ]);
  const results = parseResults(existsSync(file) ? readTextFile(file) : "", file);
  writeOutput(
    { file, option: "--results" },
    appendAttempt(results, {
      operator,
      finishedAt: new Date().toISOString(),
      seed: session.seed,
      topics: [...TOPICS],
      count: session.count,
      asked: session.answers.length,
      score: session.answers.filter((a) => a.right).length,
      answers: session.answers,
    }),
  );
  return file;
}
