import { type Document, isMap, isScalar, isSeq, parseDocument } from "yaml";
import { parseProfile } from "../profile/parse.js";
import type { Profile } from "../profile/types.js";
import { planUpdate } from "../rules/plan.js";
import type { Plan } from "../rules/types.js";
import { Rng } from "../shared/rng.js";
import type { Behavior } from "../shared/types.js";

/** One quiz question: a single change to a real profile, answered by the real planner. */
export interface Question {
  distribution: string;
  layer: string;
  /** Dotted path as written in the profile. */
  path: string;
  from: string;
  to: string;
  /** The correct answer, or `unsupported` for an update Palette refuses. */
  answer: Behavior | "unsupported";
  plan: Plan;
}

type Segment = string | number;

interface Leaf {
  /** Path in the YAML document, from the root. */
  docPath: Segment[];
  /** Where the values live: the layer key in the document, and the path inside the values. */
  layer: string;
  valuePath: Segment[];
  /** Set when the layer's values are YAML text: the leaf lives inside that text. */
  inText: boolean;
}

const LAYER_KEYS = ["os", "kubernetes", "network", "storage"] as const;

function leavesOf(node: unknown, prefix: Segment[], out: Segment[][]): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      leavesOf(pair.value, [...prefix, key], out);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      leavesOf(item, [...prefix, index], out);
    });
  } else if (isScalar(node)) {
    out.push(prefix);
  }
}

/** Every scalar leaf of every core layer's values, whether the values are a mapping or YAML text. */
function profileLeaves(doc: Document): Leaf[] {
  const leaves: Leaf[] = [];
  for (const layer of LAYER_KEYS) {
    const values = doc.getIn(["layers", layer, "values"], true);
    if (isScalar(values) && typeof values.value === "string") {
      const inner = parseDocument(values.value);
      const paths: Segment[][] = [];
      leavesOf(inner.contents, [], paths);
      for (const valuePath of paths) {
        leaves.push({ docPath: ["layers", layer, "values"], layer, valuePath, inText: true });
      }
    } else {
      const paths: Segment[][] = [];
      leavesOf(values, [], paths);
      for (const valuePath of paths) {
        leaves.push({ docPath: ["layers", layer, "values", ...valuePath], layer, valuePath, inText: false });
      }
    }
  }
  return leaves;
}

/** A different value of the same type, so the question stays realistic. */
function changedValue(value: unknown, rng: Rng): unknown {
  if (typeof value === "boolean") return !value;
  if (typeof value === "number") return value + rng.int(1, 9);
  if (typeof value === "string") {
    const version = /(\d+)(?!.*\d)/.exec(value);
    if (version?.[1] !== undefined) {
      const bumped = String(Number(version[1]) + rng.int(1, 3));
      return value.slice(0, version.index) + bumped + value.slice(version.index + version[1].length);
    }
    return `${value}-v2`;
  }
  return "changed";
}

function setLeaf(doc: Document, leaf: Leaf, value: unknown): void {
  if (!leaf.inText) {
    doc.setIn(leaf.docPath, value);
    return;
  }
  const values = doc.getIn(leaf.docPath, true);
  if (!isScalar(values)) return;
  const inner = parseDocument(String(values.value));
  inner.setIn(leaf.valuePath, value);
  values.value = inner.toString();
}

const showValue = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value));

function dotted(path: Segment[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/**
 * Questions drawn (deterministically for a seed) from single-value changes to the given base
 * profiles, balanced across behaviors so that the quiz is not all reboots.
 */
export function makeQuestions(
  bases: readonly { file: string; text: string }[],
  count: number,
  seed: number,
): Question[] {
  const rng = new Rng(seed);
  const byAnswer = new Map<string, Question[]>();
  for (const base of bases) {
    const from: Profile = parseProfile(base.text, base.file);
    const doc = parseDocument(base.text);
    for (const leaf of profileLeaves(doc)) {
      const original = leaf.inText
        ? parseDocument(String((doc.getIn(leaf.docPath, true) as { value: unknown }).value)).getIn(
            leaf.valuePath,
          )
        : doc.getIn(leaf.docPath);
      const value = changedValue(original, rng);
      const changedDoc = doc.clone();
      setLeaf(changedDoc, leaf, value);
      let to: Profile;
      try {
        to = parseProfile(changedDoc.toString(), base.file);
      } catch {
        continue; // a change that breaks the profile (e.g. a macro now pointing nowhere) is no question
      }
      const plan = planUpdate(from, to);
      if (plan.changes.length === 0 && plan.unsupported.length === 0) continue;
      const answer = plan.unsupported.length > 0 ? "unsupported" : plan.behavior;
      const question: Question = {
        distribution: from.distribution,
        layer: leaf.layer,
        path: dotted(leaf.valuePath),
        from: showValue(original),
        to: showValue(value),
        answer,
        plan,
      };
      const bucket = byAnswer.get(answer) ?? [];
      bucket.push(question);
      byAnswer.set(answer, bucket);
    }
  }
  const buckets = [...byAnswer.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, list]) => list);
  const questions: Question[] = [];
  while (questions.length < count && buckets.some((bucket) => bucket.length > 0)) {
    const nonEmpty = buckets.filter((bucket) => bucket.length > 0);
    const bucket = nonEmpty[rng.int(0, nonEmpty.length - 1)] as Question[];
    const [picked] = bucket.splice(rng.int(0, bucket.length - 1), 1);
    if (picked) questions.push(picked);
  }
  return questions;
}
