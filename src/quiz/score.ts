import { TOPICS, type Topic } from "./types.js";

/** Right and asked answers per topic, in the order of TOPICS (topics with no answer left out). */
export function byTopic(
  answers: readonly { topic: Topic; right: boolean }[],
): Map<Topic, { right: number; asked: number }> {
  const out = new Map<Topic, { right: number; asked: number }>();
  for (const topic of TOPICS) {
    const ofTopic = answers.filter((answer) => answer.topic === topic);
    if (ofTopic.length > 0)
      out.set(topic, { right: ofTopic.filter((answer) => answer.right).length, asked: ofTopic.length });
  }
  return out;
}
