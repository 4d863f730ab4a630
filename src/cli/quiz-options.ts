import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { TOPICS, type Topic } from "../quiz/topics.js";
import { InputError } from "../shared/diagnostics.js";

/* The options of `edgesim quiz`, shared by its registration (quiz.ts) and its action, which import this leaf. */
/** Questions in one sitting: each is drawn and checked by the planner, so a typo must not ask a billion. */
export const MAX_QUIZ_COUNT = 1000;

/** The bundled base profiles, shipped in the package beside dist/. */
export function bundledProfilesDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "../../scenarios/profiles");
}

/** `--topic os,sequencing` → the topics, each checked. */
export function parseTopics(value: string): Topic[] {
  const topics = value
    .split(",")
    .map((topic) => topic.trim().toLowerCase())
    .filter((topic) => topic !== "");
  const unknown = topics.filter((topic) => !(TOPICS as readonly string[]).includes(topic));
  if (topics.length === 0 || unknown.length > 0) {
    throw new InputError([
      {
        file: "--topic",
        message: `${unknown.length > 0 ? `unknown topic "${unknown[0]}"` : "no topic given"}; topics are ${TOPICS.join(", ")}`,
      },
    ]);
  }
  return [...new Set(topics)] as Topic[];
}

export interface QuizOptions {
  color?: boolean;
  count: string;
  seed?: string;
  profiles?: string;
  topic?: string;
  results?: string;
  operator?: string;
  scores?: boolean;
}
