import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fromMarkdown } from "mdast-util-from-markdown";

/**
 * The console examples of the project's Markdown (README.md and everything under docs/), read with a
 * Markdown parser: every ```console block is a list of commands (`$ …` lines) each followed by the output
 * it shows. In the shown output:
 * - a line that is `...` alone stands for any number of lines (output left out);
 * - `[…]` inside a line stands for any text on that line (a volatile part: a time measured, a temp path).
 */
export interface ConsoleCommand {
  command: string;
  expected: string[];
}

export interface ConsoleExample {
  /** `file:line` of the block's opening fence. */
  where: string;
  commands: ConsoleCommand[];
}

interface CodeNode {
  type: string;
  lang?: string | null;
  value?: string;
  position?: { start: { line: number } };
  children?: CodeNode[];
}

function* codeBlocks(node: CodeNode): Generator<CodeNode> {
  if (node.type === "code") yield node;
  for (const child of node.children ?? []) yield* codeBlocks(child);
}

export function consoleExamples(file: string, root: string): ConsoleExample[] {
  const tree = fromMarkdown(readFileSync(file, "utf8")) as CodeNode;
  const out: ConsoleExample[] = [];
  for (const block of codeBlocks(tree)) {
    if (block.lang !== "console") continue;
    const commands: ConsoleCommand[] = [];
    for (const line of (block.value ?? "").split("\n")) {
      if (line.startsWith("$ ")) commands.push({ command: line.slice(2), expected: [] });
      else if (commands.length === 0)
        throw new Error(
          `${relative(root, file)}:${block.position?.start.line}: a console block must start with a "$ " command`,
        );
      else commands[commands.length - 1]?.expected.push(line);
    }
    out.push({ where: `${relative(root, file)}:${block.position?.start.line ?? 0}`, commands });
  }
  return out;
}

/**
 * Code blocks that would show a command's output without being run: a block with no language (say what it
 * is: `console` is run and compared, `sh`, `yaml`, `text`… are shown as they are), or a block other than
 * `console` with a `$ ` line (a command and its output, as a console example would be).
 */
export function unrunExamples(file: string, root: string): string[] {
  const tree = fromMarkdown(readFileSync(file, "utf8")) as CodeNode;
  const out: string[] = [];
  for (const block of codeBlocks(tree)) {
    if (block.lang === "console") continue;
    const where = `${relative(root, file)}:${block.position?.start.line ?? 0}`;
    if (!block.lang) out.push(`${where}: a code block without a language`);
    else if (/^\$ /m.test(block.value ?? "")) out.push(`${where}: a ${block.lang} block with a "$ " command`);
  }
  return out;
}

/** README.md and every .md file under docs/, in a stable order. */
export function documentationFiles(root: string): string[] {
  const files = [join(root, "README.md")];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".md")) files.push(path);
    }
  };
  walk(join(root, "docs"));
  return files;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function lineMatches(expected: string, actual: string): boolean {
  if (!expected.includes("[…]")) return expected === actual;
  const pattern = expected.split("[…]").map(escapeRegExp).join(".*");
  return new RegExp(`^${pattern}$`).test(actual);
}

/**
 * Whether `actual` lines are what the example shows, with `...` lines matching any run of lines.
 * Returns undefined on a match, else the first shown line that could not be matched (for the message).
 */
export function outputMismatch(expected: readonly string[], actual: readonly string[]): string | undefined {
  // Trailing blank lines of either side do not count.
  const trim = (lines: readonly string[]) => {
    const copy = [...lines];
    while (copy.length > 0 && copy[copy.length - 1]?.trim() === "") copy.pop();
    return copy;
  };
  const want = trim(expected);
  const got = trim(actual);
  // Memoised match of want[i..] against got[j..].
  const memo = new Map<number, boolean>();
  let furthest = 0;
  const match = (i: number, j: number): boolean => {
    const key = i * (got.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    furthest = Math.max(furthest, i);
    let result: boolean;
    if (i === want.length) result = j === got.length;
    else if (want[i] === "...") result = match(i + 1, j) || (j < got.length && match(i, j + 1));
    else result = j < got.length && lineMatches(want[i] as string, got[j] as string) && match(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  if (match(0, 0)) return undefined;
  return want[furthest] ?? "(end of the shown output: the command printed more)";
}

/** ```js blocks whose first line names a file of the repository (`// examples/…: …`): that file's text, which the block must equal. */
export function fileBlocks(file: string, root: string): { where: string; path: string; text: string }[] {
  const tree = fromMarkdown(readFileSync(file, "utf8")) as CodeNode;
  const out: { where: string; path: string; text: string }[] = [];
  for (const block of codeBlocks(tree)) {
    if (block.lang !== "js" && block.lang !== "ts") continue;
    const named = /^\/\/ (examples\/[\w./-]+)/.exec(block.value ?? "");
    if (named?.[1])
      out.push({
        where: `${relative(root, file)}:${block.position?.start.line ?? 0}`,
        path: named[1],
        text: block.value ?? "",
      });
  }
  return out;
}

interface MdNode {
  type: string;
  url?: string;
  depth?: number;
  value?: string;
  position?: { start: { line: number } };
  children?: MdNode[];
}

function* walk(node: MdNode): Generator<MdNode> {
  yield node;
  for (const child of node.children ?? []) yield* walk(child);
}

const textOf = (node: MdNode): string =>
  node.type === "text" || node.type === "inlineCode"
    ? (node.value ?? "")
    : (node.children ?? []).map(textOf).join("");

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .trim()
    .replace(/\s/g, "-");
}

/** The anchors of a Markdown file's headings. */
export function anchorsOf(file: string): Set<string> {
  const tree = fromMarkdown(readFileSync(file, "utf8")) as MdNode;
  const out = new Set<string>();
  for (const node of walk(tree)) if (node.type === "heading") out.add(slug(textOf(node)));
  return out;
}

/** Every relative link (and image) of a Markdown file: `file:line`, the target path (resolved) and its anchor. */
export function relativeLinks(
  file: string,
  root: string,
): { where: string; target: string; anchor?: string }[] {
  const tree = fromMarkdown(readFileSync(file, "utf8")) as MdNode;
  const out: { where: string; target: string; anchor?: string }[] = [];
  for (const node of walk(tree)) {
    if ((node.type !== "link" && node.type !== "image") || !node.url || /^[a-z]+:/i.test(node.url)) continue;
    const [path, anchor] = node.url.split("#");
    const target = path ? join(dirname(file), path) : file;
    out.push({
      where: `${relative(root, file)}:${node.position?.start.line ?? 0}`,
      target,
      ...(anchor ? { anchor } : {}),
    });
  }
  return out;
}
