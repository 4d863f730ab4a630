/**
 * `count` with its noun, singular or plural as the count says: `plural(1, "window")` is "1 window",
 * `plural(3, "window")` "3 windows". `many` for a plural that is not the noun plus "s". Text output never
 * writes "window(s)".
 */
export function plural(count: number, noun: string, many = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : many}`;
}
