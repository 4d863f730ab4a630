import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { loadProfileFile } from "../../src/profile/file.js";
import { markdownCode, markdownText } from "../../src/report/plan-markdown.js";
import { planUpdate } from "../../src/rules/plan.js";

const P = "scenarios/profiles";
const COMMAND = "journalctl -u k3s | grep `hostname` > /tmp/a|b";

async function planMarkdown(...args: string[]) {
  const io = memoryIo();
  const code = await main(["plan", ...args, "--format", "markdown"], io);
  return { code, out: io.out, err: io.err };
}

/** A table row's cells the way GitHub splits them: at every `|` not escaped by a backslash. */
function cells(line: string): string[] {
  expect(line.startsWith("| ") && line.endsWith(" |"), line).toBe(true);
  const inner = line.slice(1, -1);
  const result: string[] = [];
  let cell = "";
  for (let i = 0; i < inner.length; i++) {
    if (inner[i] === "\\" && inner[i + 1] === "|") {
      cell += "|";
      i++;
    } else if (inner[i] === "|") {
      result.push(cell.trim());
      cell = "";
    } else cell += inner[i];
  }
  result.push(cell.trim());
  return result;
}

/** The body rows of the table whose header row starts with `header`. */
function table(markdown: string, header: string): string[][] {
  const lines = markdown.split("\n");
  const start = lines.findIndex((line) => line.startsWith(`| ${header} |`));
  expect(start, `a table starting with ${header}`).toBeGreaterThan(-1);
  const width = cells(lines[start] as string).length;
  expect(cells(lines[start + 1] as string)).toEqual(Array(width).fill("---"));
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("|")) break;
    const row = cells(line);
    expect(row, line).toHaveLength(width);
    rows.push(row);
  }
  return rows;
}

/** The text inside a code span (fence of any length, one padding space stripped). */
function unCode(cell: string): string {
  const match = /^(`+) ?(.*?) ?\1$/.exec(cell);
  expect(match, cell).not.toBeNull();
  return (match as RegExpExecArray)[2] as string;
}

describe("plan --format markdown", () => {
  it("a bundled repave pair: the behavior in the heading, one row per change with its rule", async () => {
    const from = `${P}/k3s-base.yaml`;
    const to = `${P}/k3s-registry-change.yaml`;
    const { code, out, err } = await planMarkdown(from, to);
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(out.split("\n")[0]).toBe("### 🔴 edgesim plan: repave — k3s-base → k3s-registry-change");
    expect(out).toContain("**repave**: Every node will be repaved, control planes first.");
    const rows = table(out, "Layer | Path");
    const plan = planUpdate(loadProfileFile(from), loadProfileFile(to));
    expect(rows.map((row) => [row[0], unCode(row[1] as string), row[3], unCode(row[4] as string)])).toEqual(
      plan.changes.map((c) => [
        c.layer,
        c.path,
        `${c.behavior === "repave" ? "🔴" : "⚪"} ${c.behavior}`,
        c.rule,
      ]),
    );
    const registry = rows.find((row) => row[1] === "`options.system.registry`") as string[];
    expect(registry[2]).toBe('`"registry.retail.example.com"` → `"harbor.retail.example.com"`');
    expect(registry[5]).toContain("options.system.uri uses this value");
    expect(out).toContain(
      "**Node order:** control planes first (cp-1, cp-2, cp-3), then workers (worker-1, worker-2)",
    );
    expect(out).toContain("**Estimated rollout:** 1h8m55s");
    expect(table(out, "Node | Action").map((row) => row[0])).toEqual([
      "cp-1",
      "cp-2",
      "cp-3",
      "worker-1",
      "worker-2",
    ]);
  });

  it("an unsupported update says UNSUPPORTED in the heading and lists the refusal", async () => {
    const { code, out } = await planMarkdown(`${P}/k3s-base.yaml`, `${P}/k3s-cni-switch.yaml`);
    expect(code).toBe(2);
    expect(out.split("\n")[0]).toBe("### ⛔ edgesim plan: UNSUPPORTED — k3s-base → k3s-cni-switch");
    const [refusal] = table(out, "Layer | Rule");
    expect(refusal?.slice(0, 2)).toEqual(["network", "`network.pack-switch`"]);
    expect(out).not.toContain("Estimated rollout");
  });

  it("a no-op pair says so and touches no node", async () => {
    const { code, out } = await planMarkdown(`${P}/k3s-base.yaml`, `${P}/k3s-noop.yaml`);
    expect(code).toBe(0);
    expect(out.split("\n")[0]).toBe("### ⚪ edgesim plan: no-op — k3s-base → k3s-noop");
    expect(table(out, "Layer | Path").every((row) => row[3] === "⚪ no-op")).toBe(true);
    expect(out).toContain("**Node order:** no node is touched");
  });

  describe("values that mean something to markdown", () => {
    let dir = "";
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "edgesim-markdown-"));
      const base = readFileSync(`${P}/k3s-base.yaml`, "utf8");
      writeFileSync(join(dir, "from.yaml"), base);
      // A stage command with a pipe and backticks; an add-on value whose key has a pipe and a newline.
      const changed = base.replace(
        "              - chmod 700 /var/log/apiserver\n",
        `              - chmod 700 /var/log/apiserver\n              - ${JSON.stringify(COMMAND)}\n`,
      );
      expect(changed).not.toBe(base);
      const addon = (value: string) =>
        `layers:\n  addons:\n    - { pack: notes, version: 1.0.0, values: { "a|b\\nc": "${value}" } }\n`;
      writeFileSync(
        join(dir, "to.yaml"),
        changed.replace("name: k3s-base", 'name: "k3s | `pipes`"').replace("layers:\n", addon("x | y")),
      );
      writeFileSync(join(dir, "from.yaml"), base.replace("layers:\n", addon("x")));
    });

    it("a value with | and ` stays in its cell, and the cell reads back as the value", async () => {
      const { code, out } = await planMarkdown(join(dir, "from.yaml"), join(dir, "to.yaml"));
      expect(code).toBe(0);
      const rows = table(out, "Layer | Path");
      expect(rows.map((row) => row[0])).toEqual(["kubernetes", "addon:notes"]);
      const [stage, addon] = rows as [string[], string[]];
      expect(unCode(stage[1] as string)).toBe("stages.boot[0].commands[2]");
      expect(stage[2]?.startsWith("*added* ")).toBe(true);
      expect(unCode((stage[2] as string).slice("*added* ".length))).toBe(JSON.stringify(COMMAND));
      // A newline in a key shows as ⏎ (a code span cannot hold a line break).
      expect(unCode(addon[1] as string)).toBe("a|b⏎c");
      expect(addon[2]).toBe('`"x"` → `"x | y"`');
      // The profile name with a pipe and backticks, in the heading, is escaped too.
      expect(out.split("\n")[0]).toBe("### 🟠 edgesim plan: reboot — k3s-base → k3s \\| \\`pipes\\`");
    });
  });

  it("markdownCode: a fence longer than any backtick run; pipes escaped; no raw line break", () => {
    expect(markdownCode("a")).toBe("`a`");
    expect(markdownCode("a`b")).toBe("``a`b``");
    expect(markdownCode("`x``")).toBe("``` `x`` ```");
    expect(markdownCode("a|b")).toBe("`a\\|b`");
    expect(markdownCode("a\nb")).toBe("`a⏎b`");
  });

  it("markdownText: inline markup, HTML, mentions and line breaks are literal", () => {
    expect(markdownText("pack.* and _x_ [y](z) <b> @team a|b\nc")).toBe(
      "pack.\\* and \\_x\\_ \\[y\\](z) &lt;b&gt; \\@team a\\|b<br>c",
    );
    expect(markdownText("# not a heading")).toBe("\\# not a heading");
    expect(markdownText("1. not a list")).toBe("1\\. not a list");
  });

  it("--json and --format markdown together are an input error", async () => {
    const io = memoryIo();
    const code = await main(
      ["plan", `${P}/k3s-base.yaml`, `${P}/k3s-noop.yaml`, "--json", "--format", "markdown"],
      io,
    );
    expect(code).toBe(1);
    expect(io.err).toBe("error: --json: conflicts with --format markdown\n");
    expect(io.out).toBe("");
  });
});
