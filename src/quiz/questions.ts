import { Rng } from "../shared/rng.js";
import {
  applyChanges,
  type BaseText,
  type LoadedBase,
  lazyBase,
  planAnswer,
  planExplanation,
} from "./bases.js";
import { CHANGE_TEMPLATES, type ChangeTemplate } from "./changes.js";
import type { SequencingStory } from "./sequencing.js";
import { STORY_IDS } from "./stories.js";
import { BEHAVIOR_CHOICES, clusterPhrase, type Question, TOPICS, type Topic } from "./types.js";

export type { BaseText } from "./bases.js";
export type { Choice, Question, Topic } from "./types.js";
export { BEHAVIOR_CHOICES, TOPICS } from "./types.js";

export interface DrawOptions {
  seed: number;
  /** Only these topics (default: all). */
  topics?: readonly Topic[];
}

type Item = { kind: "change"; template: ChangeTemplate } | { kind: "story"; id: string };

interface Slot {
  item: Item;
  base: number;
}

function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

function itemsOf(topic: Topic): Item[] {
  if (topic === "sequencing") return STORY_IDS.map((id) => ({ kind: "story", id }));
  return CHANGE_TEMPLATES.filter((template) => template.topic === topic).map((template) => ({
    kind: "change",
    template,
  }));
}

/**
 * A topic's slots in the order they are tried: every item once on some base before any item comes
 * back on another base, so a short quiz does not ask the same change twice.
 */
function topicSlots(topic: Topic, baseCount: number, rng: Rng): Slot[] {
  const items = shuffle(itemsOf(topic), rng);
  const baseOrders = items.map(() =>
    shuffle(
      Array.from({ length: baseCount }, (_, i) => i),
      rng,
    ),
  );
  const slots: Slot[] = [];
  for (let pass = 0; pass < baseCount; pass++) {
    items.forEach((item, i) => {
      slots.push({ item, base: baseOrders[i]?.[pass] as number });
    });
  }
  return slots;
}

function changeQuestion(base: LoadedBase, template: ChangeTemplate): Question | undefined {
  const changed = applyChanges(base, [template], `${base.profile.name}-next`);
  const edit = changed?.edits[0];
  if (!changed || !edit) return undefined;
  return {
    id: template.id,
    topic: template.topic,
    distribution: base.profile.distribution,
    base: base.profile.name,
    situation: [`${clusterPhrase(base.profile.distribution, base.profile.name)}.`, `${edit.summary}:`],
    change: edit,
    ask: "What does the Palette agent do?",
    choices: BEHAVIOR_CHOICES,
    answer: planAnswer(changed.plan),
    explanation: planExplanation(changed.plan),
    plan: changed.plan,
  };
}

/** A seed per slot, so what a question holds does not depend on which slots before it were skipped. */
function slotRng(seed: number, slot: Slot): Rng {
  const id = slot.item.kind === "change" ? slot.item.template.id : slot.item.id;
  let hash = (seed ^ 0x811c9dc5) >>> 0;
  for (const char of `${id}@${slot.base}`) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return new Rng(hash);
}

/**
 * Questions drawn, deterministically for a seed, from realistic changes to the base profiles and from
 * sequencing stories; topics take turns. Lazy: each question is built (one change, one plan, at most a
 * couple of simulations) when it is asked for, so the first one is ready at once and the cost grows
 * with the profile's size times the questions asked, not with the profile's size squared. The
 * simulation (the stories' module) is loaded when the first story is asked, not before.
 */
export async function* drawQuestions(
  bases: readonly BaseText[],
  options: DrawOptions,
): AsyncGenerator<Question> {
  const rng = new Rng(options.seed);
  const loaders = bases.map(lazyBase);
  const topics = shuffle(
    TOPICS.filter((topic) => !options.topics || options.topics.includes(topic)),
    rng,
  );
  // A change question is one plan; a sequencing story runs simulations: start with the quick kind.
  const story = topics.indexOf("sequencing");
  if (story === 0 && topics.length > 1) topics.push(...topics.splice(0, 1));
  const queues = topics.map((topic) => topicSlots(topic, bases.length, rng));
  let open = true;
  while (open) {
    open = false;
    for (const queue of queues) {
      for (let slot = queue.shift(); slot; slot = queue.shift()) {
        const base = (loaders[slot.base] as () => LoadedBase)();
        const question =
          slot.item.kind === "change"
            ? changeQuestion(base, slot.item.template)
            : (await storyBuilder(slot.item.id))(base, slotRng(options.seed, slot));
        if (question) {
          open = true;
          yield question;
          break;
        }
      }
    }
  }
}

/** A sequencing story's builder, from its module (loaded on first use). */
async function storyBuilder(id: string): Promise<SequencingStory["build"]> {
  const { SEQUENCING_STORIES } = await import("./sequencing.js");
  const story = SEQUENCING_STORIES.find((s) => s.id === id);
  if (!story) throw new Error(`no sequencing story ${id}`);
  return story.build;
}

/** The first `count` questions of `drawQuestions`. */
export async function makeQuestions(
  bases: readonly BaseText[],
  count: number,
  options: DrawOptions,
): Promise<Question[]> {
  const questions: Question[] = [];
  for await (const question of drawQuestions(bases, options)) {
    questions.push(question);
    if (questions.length >= count) break;
  }
  return questions;
}
