import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type DocPage, PAGES } from "../../src/rules/reference.js";
import { ROLLOUT_RULES } from "../../src/rules/rollout-rules.js";
import { RULES, type Rule } from "../../src/rules/table.js";

/**
 * docs/palette-sources.md, the project's record of the Palette pages it read, held to the rule table:
 * every cited page and section is listed, every rule is named under its section, and every rule id or
 * code path the record names exists.
 */
const ROOT = join(import.meta.dirname, "..", "..");
const rules = RULES as readonly Rule[];

interface Row {
  section: string;
  /** Backticked names of the last column: rule ids (a trailing `*` for a family) or code paths. */
  names: string[];
}
interface Entry {
  title: string;
  source?: string;
  rows: Row[];
}

function readRecord(text: string): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  let entry: Entry | undefined;
  for (const line of text.split("\n")) {
    const heading = /^## (.+)$/.exec(line);
    if (heading) {
      entry = { title: heading[1] as string, rows: [] };
      entries.set(entry.title, entry);
      continue;
    }
    if (!entry) continue;
    const source = /^- source: `([^`]+)`/.exec(line);
    if (source) entry.source = source[1];
    const cells = line.startsWith("| ") ? line.slice(2, -2).split(" | ") : [];
    if (cells.length === 3 && cells[0] !== "section" && !cells[0]?.startsWith("---"))
      entry.rows.push({
        section: cells[0] as string,
        names: [...(cells[2] as string).matchAll(/`([^`]+)`/g)].map((m) => m[1] as string),
      });
  }
  return entries;
}

const record = readRecord(readFileSync(join(ROOT, "docs", "palette-sources.md"), "utf8"));

function pageOf(rule: Rule): DocPage | undefined {
  return Object.values(PAGES).find((page) => rule.url.startsWith(`${page.url}#`));
}

/** The section a rule cites: its reference's words between `§ ` and the first ` (`. */
function sectionOf(rule: Rule): string {
  return rule.reference.replace(/^.*? § /, "").replace(/ \(.*$/, "");
}

function matches(name: string, id: string): boolean {
  return name.endsWith("*") ? id.startsWith(name.slice(0, -1)) : name === id;
}

const isCodePath = (name: string) => name.includes("/");

describe("docs/palette-sources.md", () => {
  it("has an entry for every page the rules may cite, with its librarium source", () => {
    for (const page of Object.values(PAGES)) {
      const entry = record.get(page.title);
      expect(entry, page.title).toBeDefined();
      expect(entry?.source, page.title).toBe(page.source);
    }
  });

  it("names every rule under the section of the page it cites", () => {
    const missing: string[] = [];
    for (const rule of rules) {
      const page = pageOf(rule);
      const row = record
        .get(page?.title ?? "")
        ?.rows.find((r) => r.section === sectionOf(rule) && r.names.some((n) => matches(n, rule.id)));
      if (!row) missing.push(`${rule.id}: ${rule.reference}`);
    }
    expect(missing).toEqual([]);
  });

  it("names every rollout rule under the section of the page it cites, beside the code that plays it", () => {
    const missing: string[] = [];
    for (const rule of ROLLOUT_RULES) {
      const sections = [rule.section, rule.section.replace(/ \(.*$/, "")];
      const row = record
        .get(rule.page.title)
        ?.rows.find((r) => sections.includes(r.section) && r.names.includes(rule.id));
      if (!row?.names.includes(rule.code)) missing.push(`${rule.id}: ${rule.page.title} § ${rule.section}`);
    }
    expect(missing).toEqual([]);
  });

  it("names only rules that exist and code that exists", () => {
    const stale: string[] = [];
    for (const entry of record.values()) {
      for (const row of entry.rows) {
        for (const name of row.names) {
          const found = isCodePath(name)
            ? existsSync(join(ROOT, name))
            : rules.some((rule) => matches(name, rule.id) && pageOf(rule)?.title === entry.title) ||
              ROLLOUT_RULES.some((rule) => rule.id === name && rule.page.title === entry.title);
          if (!found) stale.push(`${entry.title} § ${row.section}: ${name}`);
        }
      }
    }
    expect(stale).toEqual([]);
  });
});
