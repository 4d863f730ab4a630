import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, spawnEdgesim } from "../fixtures/cli.js";

/**
 * Every file kind, through every command that takes it, with one reference resolving outside the run's
 * root: refused (exit 1) at the reference, and nothing of the outside file is echoed. The outside
 * profiles carry a key no profile has, which a loader that read them would name.
 */
const PROFILES = resolve(import.meta.dirname, "../../scenarios/profiles");
const SECRET = "SECRET_TOKEN_9f2c";

type Kind = "scenario" | "fleet" | "fleet-plan" | "path";

interface Case {
  kind: Kind;
  /** What points outside. */
  reference: string;
  /** The file, in `root/`; `files` are more files to write beside it. */
  text: string;
  files?: Record<string, string>;
}

const inside = (name: string) => `profiles/${name}`;
const out = (name: string) => `../outside/${name}`;

const scenario = (base: string, update: string): string =>
  `name: s\ncluster: { controlPlanes: 1, workers: 1 }\nprofile: ${base}\nevents:\n  - { at: 0s, update: ${update} }\n`;
const fleet = (base: string, update: string): string =>
  `name: f\nfleet: { concurrency: 1 }\nupdate: ${update}\nclusters:\n  - { name: a, profile: ${base}, controlPlanes: 1, workers: 1 }\n`;
const plan = (inventory: string, from: string, update: string): string =>
  `name: p\nupdate: ${update}\nfrom: ${from}\ninventory: ${inventory}\nstrategy: { waves: [{ name: all, rest: true, concurrency: 2 }] }\n`;
const GENERATED = "{ generate: { clusters: 2 } }";
const pathFile = (from: string, to: string, fleet?: string): string =>
  `name: q\npath:\n  from: ${from}\n  to: ${to}\n${fleet ? `  fleet: ${fleet}\n` : ""}expect: { steps: 1 }\n`;
const CSV = "name,timeZone,profile\nstore-1,America/Chicago,\n";

const CASES: Case[] = [
  { kind: "scenario", reference: "profile", text: scenario(out("base.yaml"), inside("update.yaml")) },
  {
    kind: "scenario",
    reference: "events[0].update",
    text: scenario(inside("base.yaml"), out("update.yaml")),
  },
  { kind: "fleet", reference: "update", text: fleet(inside("base.yaml"), out("update.yaml")) },
  { kind: "fleet", reference: "clusters[0].profile", text: fleet(out("base.yaml"), inside("update.yaml")) },
  { kind: "fleet-plan", reference: "update", text: plan(GENERATED, inside("base.yaml"), out("update.yaml")) },
  { kind: "fleet-plan", reference: "from", text: plan(GENERATED, out("base.yaml"), inside("update.yaml")) },
  {
    kind: "fleet-plan",
    reference: "inventory.csv",
    text: plan("{ csv: ../outside/stores.csv }", inside("base.yaml"), inside("update.yaml")),
  },
  {
    kind: "fleet-plan",
    reference: "a CSV profile cell",
    text: plan("{ csv: stores.csv }", inside("base.yaml"), inside("update.yaml")),
    files: { "stores.csv": "name,timeZone,profile\nstore-1,America/Chicago,../outside/base.yaml\n" },
  },
  { kind: "path", reference: "path.from", text: pathFile(out("base.yaml"), inside("update.yaml")) },
  { kind: "path", reference: "path.to", text: pathFile(inside("base.yaml"), out("update.yaml")) },
  {
    kind: "path",
    reference: "path.fleet",
    text: pathFile(inside("base.yaml"), inside("update.yaml"), "../outside/plan.yaml"),
  },
];

/** The commands, and how each is given the file; which kinds each takes. */
const COMMANDS: { name: string; args: (file: string) => string[]; takes: Kind[] }[] = [
  { name: "run", args: (f) => ["run", f], takes: ["scenario", "fleet", "fleet-plan"] },
  { name: "test", args: () => ["test", "."], takes: ["scenario", "fleet", "fleet-plan", "path"] },
  {
    name: "report",
    args: (f) => ["report", f, "-o", "page.html"],
    takes: ["scenario", "fleet", "fleet-plan"],
  },
  { name: "fleet", args: (f) => ["fleet", f], takes: ["fleet", "fleet-plan"] },
  {
    name: "path --fleet",
    args: (f) => [
      "path",
      "profiles/base.yaml",
      "--kubernetes",
      "1.31.4",
      "--versions",
      "1.31.4",
      "--fleet",
      f,
    ],
    takes: ["fleet-plan"],
  },
];

let dir: string;

/** A fresh root/ holding the case's file and the inside profiles, beside outside/ holding the secrets. */
function layout(c: Case): string {
  const top = mkdtempSync(join(dir, "case-"));
  const root = join(top, "root");
  mkdirSync(join(root, "profiles"), { recursive: true });
  mkdirSync(join(top, "outside"));
  for (const [name, source] of [
    ["base.yaml", "k3s-base.yaml"],
    ["update.yaml", "k3s-os-uri-change.yaml"],
  ] as const) {
    const text = readFileSync(join(PROFILES, source), "utf8");
    writeFileSync(join(root, "profiles", name), text);
    writeFileSync(join(top, "outside", name), `${SECRET}: hunter2\n${text}`);
  }
  writeFileSync(join(top, "outside", "stores.csv"), `name,timeZone,${SECRET}\nstore-1,America/Chicago,x\n`);
  writeFileSync(join(top, "outside", "plan.yaml"), plan(GENERATED, inside("base.yaml"), `${SECRET}.yaml`));
  writeFileSync(join(root, "file.yaml"), c.text);
  for (const [name, text] of Object.entries(c.files ?? { "stores.csv": CSV }))
    writeFileSync(join(root, name), text);
  return root;
}

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), "edgesim-root-"));
});

describe("a reference outside the run's root is refused, for every kind and command", () => {
  const rows = CASES.flatMap((c) =>
    COMMANDS.filter((command) => command.takes.includes(c.kind)).map((command) => ({ ...c, command })),
  );
  it.each(rows)("$kind × $command.name × $reference", (row) => {
    const root = layout(row);
    const run = spawnEdgesim(row.command.args("file.yaml"), { cwd: root, timeoutMs: 60_000 });
    const output = run.stdout + run.stderr;
    expect(run.status, output).toBe(1);
    expect(output).toMatch(/resolves outside .*root, the folder this run may read/);
    expect(output).not.toMatch(new RegExp(`${SECRET}|hunter2`));
    // --allow-outside follows it: no longer refused for where it is.
    const widened = spawnEdgesim([...row.command.args("file.yaml"), "--allow-outside"], {
      cwd: root,
      timeoutMs: 60_000,
    });
    expect(widened.stdout + widened.stderr).not.toMatch(/resolves outside/);
  });
});
