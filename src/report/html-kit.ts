/*
 * Pieces every edgesim HTML page shares (the scenario timeline, a fleet's): escaping, the colour-blind-safe
 * palette and what each colour means, and time ticks. Pages stay self-contained: no fonts, scripts or
 * images from the network.
 */

/** Okabe & Ito's palette (2008), distinguishable with the common colour-vision deficiencies. */
export const OKABE_ITO = {
  black: "#000000",
  orange: "#E69F00",
  skyBlue: "#56B4E9",
  bluishGreen: "#009E73",
  yellow: "#F0E442",
  blue: "#0072B2",
  vermillion: "#D55E00",
  reddishPurple: "#CC79A7",
} as const;

/**
 * One meaning per colour: each node behavior has its own hue; the steps around it (cordon, drain,
 * rejoin) are greys; vermillion is reserved for failure and nothing else, so a repave is never "red".
 */
export const PHASE_COLORS: Record<string, string> = {
  repave: OKABE_ITO.blue,
  reboot: OKABE_ITO.orange,
  "service-restart": OKABE_ITO.skyBlue,
  "config-reload": OKABE_ITO.bluishGreen,
  cordoned: "#D9D9D9",
  draining: "#B3B3B3",
  drained: "#8C8C8C",
  waiting: OKABE_ITO.yellow,
  rejoining: OKABE_ITO.reddishPurple,
  failed: OKABE_ITO.vermillion,
};

export const PHASE_LABELS: Record<string, string> = {
  repave: "repave",
  reboot: "reboot",
  "service-restart": "service restart",
  "config-reload": "config reload",
  cordoned: "cordoned",
  draining: "draining",
  drained: "drained",
  waiting: "waiting for Kubernetes",
  rejoining: "rejoining",
  failed: "failed (node left Failed)",
};

/** Result words and their colours: converged green, blocked orange, failed vermillion, each with a mark. */
export const RESULT_STYLE: Record<string, { color: string; mark: string }> = {
  converged: { color: OKABE_ITO.bluishGreen, mark: "✓" },
  blocked: { color: OKABE_ITO.orange, mark: "!" },
  failed: { color: OKABE_ITO.vermillion, mark: "✕" },
  halted: { color: OKABE_ITO.vermillion, mark: "✕" },
};

export const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );

/** JSON that is safe inside a <script> element. */
export const scriptJson = (value: unknown): string =>
  JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");

const TICK_STEPS = [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400].map(
  (seconds) => seconds * 1000,
);

/** Round tick times (whole seconds, minutes or hours) from 0 to `end`: at most `most` + 1 of them. */
export function ticks(end: number, most = 6): number[] {
  const step = TICK_STEPS.find((candidate) => end / candidate <= most) ?? Math.ceil(end / most);
  const out: number[] = [];
  for (let t = 0; t <= end; t += step) out.push(t);
  return out;
}

/** A percentage of `end`, for CSS positions: pages size with the window instead of a fixed pixel width. */
export const percentOf = (t: number, end: number): string => `${((100 * t) / end).toFixed(3)}%`;
