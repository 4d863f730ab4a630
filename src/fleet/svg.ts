import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";

/** What the HTML pages drawn at report time (the fleet report, the back-test) share. */

/** Text for HTML, with the five characters that could break out of it escaped. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A chart's SVG markup: a fresh server-side document for each chart, Plot draws into it, and the SVG's
 * markup is kept. 820 px wide, 12 px text on white; `options` add to (or override) that.
 */
export function svgOf(options: Plot.PlotOptions): string {
  const { document } = parseHTML("<!doctype html><html><body></body></html>");
  const node = Plot.plot({
    document,
    width: 820,
    marginBottom: 40,
    style: { fontSize: "12px", background: "white" },
    ...options,
  }) as unknown as { outerHTML: string };
  return node.outerHTML;
}
