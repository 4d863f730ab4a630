import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, spawnEdgesim } from "../fixtures/cli.js";

/**
 * Every command that reads a file, given each kind it does not take: one sentence on stderr naming the
 * file, what it is, what the command takes and what to run instead; exit 1; nothing on stdout.
 */
const ROOT = resolve(import.meta.dirname, "../..");
const FILES = {
  scenario: "scenarios/story-single-control-plane.yaml",
  fleet: "scenarios/fleet/retail-wave-stops-on-failure.yaml",
  "fleet-plan": "scenarios/fleet-plans/regional-stores.yaml",
  profile: "scenarios/profiles/k3s-base.yaml",
  "fleet-part": "", // written in beforeAll by `fleet --shard`
} as const;
type Kind = keyof typeof FILES;
const WHAT: Record<Kind, RegExp> = {
  scenario: /this is a scenario \(cluster, profile, events\)/,
  fleet: /this is a fleet file \(fleet, update, clusters\)/,
  "fleet-plan": /this is a fleet plan \(inventory, strategy\)/,
  profile: /this is a profile \(name, layers\)/,
  "fleet-part": /this is a shard's part file/,
};

let dir: string;
const path = (kind: Kind) => (kind === "fleet-part" ? join(dir, "part-0-of-2.ndjson") : FILES[kind]);

const COMMANDS: { name: string; args: (file: string) => string[]; takes: Kind[] }[] = [
  { name: "run", args: (f) => ["run", f], takes: ["scenario", "fleet", "fleet-plan"] },
  {
    name: "report",
    args: (f) => ["report", f, "-o", join(dir, "never.html")],
    takes: ["scenario", "fleet-plan", "fleet"],
  },
  { name: "fleet", args: (f) => ["fleet", f], takes: ["fleet-plan", "fleet"] },
  {
    name: "fleet merge",
    args: (f) => ["fleet", "merge", f, join(dir, "part.ndjson")],
    takes: ["fleet-plan", "fleet"],
  },
  { name: "plan", args: (f) => ["plan", f, FILES.profile], takes: ["profile"] },
];

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), "edgesim-kinds-"));
  const shard = spawnEdgesim(["fleet", FILES["fleet-plan"], "--shard", "0/2", "--out", dir], {
    cwd: ROOT,
    timeoutMs: 60_000,
  });
  expect(shard.status, shard.stderr).toBe(0);
});

describe("the wrong kind of file gets one sentence, from every command", () => {
  const rows = COMMANDS.flatMap((command) =>
    (Object.keys(FILES) as Kind[])
      .filter(
        (kind) => !command.takes.includes(kind) && !(command.name === "fleet merge" && kind === "fleet-part"),
      )
      .map((kind) => ({ command, kind })),
  );
  it.each(rows)("$command.name given a $kind", ({ command, kind }) => {
    const run = spawnEdgesim(command.args(path(kind)), { cwd: ROOT, timeoutMs: 60_000 });
    expect(run.status, run.stderr).toBe(1);
    expect(run.stdout).toBe("");
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`error: ${path(kind)}: `);
    expect(lines[0]).toMatch(WHAT[kind]);
    expect(lines[0]).toContain(`\`edgesim ${command.name}\` takes`);
  });
});
