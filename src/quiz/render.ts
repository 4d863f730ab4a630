import type { Edit } from "./changes.js";
import { dotted, showValue } from "./draft.js";
import type { Choice, Question } from "./types.js";

/**
 * Before and after as a line diff: the common head and tail as context, what differs between them
 * marked `-` and `+`. Linear in the snippet's size (the changes a quiz makes are one contiguous edit).
 */
export function snippetDiff(from: string | undefined, to: string): string[] {
  const a = from === undefined ? [] : from.split("\n");
  const b = to.split("\n");
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  return [
    ...a.slice(0, head).map((line) => `  ${line}`),
    ...a.slice(head, a.length - tail).map((line) => `- ${line}`),
    ...b.slice(head, b.length - tail).map((line) => `+ ${line}`),
    ...a.slice(a.length - tail).map((line) => `  ${line}`),
  ];
}

/** Where a change is and what it does to the value, in a few lines. */
export function renderEdit(edit: Edit): string[] {
  if (edit.kind !== "value") {
    return [
      `  ${edit.layer} layer: ${edit.kind === "version" ? "pack version" : "pack"} ${edit.from} → ${edit.to}`,
    ];
  }
  const where = edit.inText
    ? `${dotted(edit.path)} (YAML text), at ${dotted(edit.inText)}`
    : dotted(edit.path);
  const from = edit.from === undefined ? undefined : showValue(edit.from);
  const to = showValue(edit.to);
  const lines = [`  ${edit.layer} layer, ${where}${from === undefined ? " (new)" : ""}`];
  if (from !== undefined && !from.includes("\n") && !to.includes("\n")) {
    lines.push(`      from: ${from}`, `      to:   ${to}`);
  } else {
    lines.push(...snippetDiff(from, to).map((line) => `    ${line}`));
  }
  return lines;
}

/** The question as the operator sees it, ending in the prompt. */
export function renderQuestion(question: Question, index: number, total: number): string {
  const lines = [
    "",
    `Question ${index + 1} of ${total} · ${question.topic}`,
    ...question.situation,
    ...(question.change ? renderEdit(question.change) : []),
    question.ask,
    ...question.choices.map((choice, i) => `  ${i + 1}) ${choice.label}`),
  ];
  return `${lines.map((line) => line.trimEnd()).join("\n")}\n> `;
}

/** Accepts a choice's number, its id (`reboot`, `service restart`, `cp-1`) or an unambiguous start of it. */
export function parseAnswer(input: string, choices: readonly Choice[]): Choice | undefined {
  const text = input.trim().toLowerCase().replace(/\s+/g, "-");
  if (text === "") return undefined;
  if (/^\d+$/.test(text)) {
    const number = Number(text);
    // A choice whose id is itself a number ("how many at once?") is answered by its number either way.
    return choices.find((choice) => choice.id === text) ?? choices[number - 1];
  }
  const exact = choices.find((choice) => choice.id.toLowerCase() === text);
  if (exact) return exact;
  if (text.length < 3) return undefined;
  const starts = choices.filter((choice) => choice.id.toLowerCase().startsWith(text));
  return starts.length === 1 ? starts[0] : undefined;
}
