/**
 * The sequencing stories, by id, in the order the quiz draws from them. Their builders (which run the
 * simulation) are in sequencing.ts, loaded only when a story is asked: the quiz's first question is a
 * change, and needs neither the simulation nor the state machines. A test checks the two lists agree.
 */
export const STORY_IDS = [
  "sequencing.first-node",
  "sequencing.update-while-down",
  "sequencing.two-updates-while-down",
  "sequencing.failure-halts",
  "sequencing.max-unavailable-control-planes",
  "sequencing.max-unavailable-workers",
  "sequencing.down-mid-rollout",
] as const;
