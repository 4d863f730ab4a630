import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { planProblems } from "./helpers.js";

const versions = join(resolve("."), "scenarios/fleet-plans/template-profiles");
const dir = mkdtempSync(join(tmpdir(), "edgesim-plan-expect-"));
let n = 0;

function write(body: string): string {
  const file = join(dir, `plan-${++n}.yaml`);
  writeFileSync(
    file,
    `name: t${n}
start: 2026-12-07T00:00Z
from: ${versions}/retail-1.0.0.yaml
inventory:
  sites:
    - { name: a, timeZone: America/New_York }
strategy:
  palette:
    policy: { schedules: [weekly], windowHours: 4 }
    versions:
      - { at: 2026-12-08T10:00Z, profile: ${versions}/retail-2.0.0.yaml }
${body}`,
  );
  return file;
}

const problems = planProblems;

describe("a fleet plan's expectations are checked when it loads", () => {
  it("an instant of versionEverywhereBy that does not parse is refused at its place", () => {
    const by = problems(write(`expect:\n  versionEverywhereBy: { version: "2.0.0", by: next sunday }\n`));
    expect(by).toMatch(/plan-\d+\.yaml:\d+:\d+: .*expect\.versionEverywhereBy\.by.*"next sunday"/);
    const notBefore = problems(
      write(
        `expect:\n  versionEverywhereBy:\n    - { version: "2.0.0", by: 2026-12-13T04:00Z }\n    - { version: "2.0.0", by: 2026-12-13T04:00Z, notBefore: soon }\n`,
      ),
    );
    expect(notBefore).toMatch(/expect\.versionEverywhereBy\[1\]\.notBefore.*"soon"/);
    const nested = problems(
      write(
        `expect:\n  strategies:\n    strategy: { versionEverywhereBy: { version: "2.0.0", by: tomorrow } }\n`,
      ),
    );
    expect(nested).toMatch(/expect\.strategies\.strategy\.versionEverywhereBy\.by.*"tomorrow"/);
    expect(nested).not.toMatch(/no strategy/);
    expect(
      problems(write(`expect:\n  versionEverywhereBy: { version: "2.0.0", by: 2026-12-13T04:00Z }\n`)),
    ).toBe("");
  });
});

describe("slower compares two strategies: only at expect.slower", () => {
  it("expect.strategies.NAME.slower, which nothing would check, is refused at its place", () => {
    const nested = problems(
      write(`expect:\n  strategies:\n    strategy: { slower: { strategy: strategy, than: strategy } }\n`),
    );
    expect(nested).toMatch(/expect\.strategies\.strategy\.slower: .*expect\.slower/);
  });
});

describe("a two-node site's problems are said where the site says it", () => {
  const profiles = join(resolve("."), "scenarios/profiles");
  function plan(sites: string, cluster = ""): string {
    const file = join(dir, `two-node-${++n}.yaml`);
    writeFileSync(
      file,
      `name: tn
start: 2026-12-07T00:00Z
from: ${profiles}/k3s-base.yaml
update: ${profiles}/k3s-os-uri-change.yaml
${cluster}inventory:
  sites:
    - { name: a, timeZone: America/New_York }
${sites}strategy:
  waves: [{ name: all, rest: true, concurrency: 2 }]
`,
    );
    return file;
  }

  it("a site's own twoNode on the plan's (default) shape: at the site's twoNode, not a cluster key the plan lacks", () => {
    const text = problems(plan(`    - { name: b, timeZone: America/New_York, twoNode: true }\n`));
    expect(text).toMatch(
      /two-node-\d+\.yaml:8:\d+: inventory\.sites\[1\]\.twoNode: .*exactly 2 control planes.*not 1/,
    );
    expect(text).not.toMatch(/cluster\.twoNode/);
  });

  it("the plan's twoNode on its default shape stays at cluster.twoNode, said once for its sites", () => {
    const text = problems(plan("", "cluster: { twoNode: true }\n"));
    expect(text).toMatch(/:5:\d+: cluster\.twoNode: .*exactly 2 control planes.*\(site "a"\)/);
  });
});

describe("a two-node problem of generated sites", () => {
  it("is said once at inventory.generate, with the sites it applies to, not once per site", () => {
    const profiles = join(resolve("."), "scenarios/profiles");
    const file = join(dir, `generated-${++n}.yaml`);
    writeFileSync(
      file,
      `name: tg
start: 2026-12-07T00:00Z
from: ${profiles}/k3s-base.yaml
update: ${profiles}/k3s-os-uri-change.yaml
cluster: { twoNode: true }
inventory: { generate: { clusters: 50, prefix: store, shapes: ["1+2"] } }
strategy:
  waves: [{ name: all, rest: true, concurrency: 2 }]
`,
    );
    const lines = problems(file).split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /inventory\.generate\.shape: .*exactly 2 control planes.*not 1 \(sites "store-00001", "store-00002", "store-00003" and 47 more\)$/,
    );
  });
});

describe("a value of a type no branch of a union takes, in a fleet plan", () => {
  it("is told the types it may be, null as YAML writes it", () => {
    expect(problems(write(`expect:\n  haltedWave: 5\n`))).toMatch(
      /expect\.haltedWave: must be a string or null \(got 5\)$/,
    );
  });
});
