/** One scenario's outcome as JUnit sees it. */
export interface JUnitCase {
  name: string;
  /** The scenario file: JUnit's classname, which CI tools group by. */
  file: string;
  passed: boolean;
  /** The file did not load (bad input): a JUnit `<error>`, not an expectation's `<failure>`. */
  error?: boolean;
  /** With error: it was stopped at the per-file time limit (`type="timeout"`). */
  timedOut?: boolean;
  /** Wall-clock seconds; omitted for byte-stable output. */
  seconds?: number;
  /** One-line reason of the failure (the `message` attribute). */
  message?: string;
  /** Full detail of the failure (the element's text). */
  detail?: string;
}

/** Characters XML 1.0 forbids outright; they are dropped rather than escaped. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export function escapeXml(text: string): string {
  return text
    .replace(INVALID_XML, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** JUnit XML in the shape Jenkins, GitLab and GitHub reporters read: testsuites > testsuite > testcase. */
export function renderJUnit(cases: readonly JUnitCase[], suiteName = "edgesim scenarios"): string {
  const errors = cases.filter((c) => !c.passed && c.error).length;
  const failures = cases.filter((c) => !c.passed && !c.error).length;
  const total = cases.reduce((sum, c) => sum + (c.seconds ?? 0), 0);
  const time = (seconds: number | undefined) =>
    seconds === undefined ? "" : ` time="${seconds.toFixed(3)}"`;
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="edgesim" tests="${cases.length}" failures="${failures}" errors="${errors}"${time(total)}>`,
    `  <testsuite name="${escapeXml(suiteName)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="0"${time(total)}>`,
  ];
  for (const c of cases) {
    const open = `    <testcase name="${escapeXml(c.name)}" classname="${escapeXml(c.file)}" file="${escapeXml(c.file)}"${time(c.seconds)}`;
    if (c.passed) {
      lines.push(`${open}/>`);
      continue;
    }
    lines.push(`${open}>`);
    const element = c.error ? "error" : "failure";
    const type = c.error ? (c.timedOut ? "timeout" : "input-error") : "expectation";
    lines.push(
      `      <${element} message="${escapeXml(c.message ?? "failed")}" type="${type}">${escapeXml(c.detail ?? c.message ?? "")}</${element}>`,
    );
    lines.push("    </testcase>");
  }
  lines.push("  </testsuite>", "</testsuites>");
  return `${lines.join("\n")}\n`;
}
