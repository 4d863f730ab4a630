/** Topics a quiz can be narrowed to (`--topic`). A change's topic is the layer it touches. */
export const CHANGE_TOPICS = ["os", "kubernetes", "network", "storage"] as const;
export type ChangeTopic = (typeof CHANGE_TOPICS)[number];

/** What a quiz can be narrowed to: a layer's changes, or how rollouts are sequenced. */
export const TOPICS = [...CHANGE_TOPICS, "sequencing"] as const;
export type Topic = (typeof TOPICS)[number];
