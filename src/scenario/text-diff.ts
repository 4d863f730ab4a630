/**
 * A small line diff for golden files: longest common subsequence, shown as hunks with a little
 * context, the way `diff -u` does, so a mismatching timeline says which lines moved.
 */
export function unifiedDiff(
  expected: string,
  actual: string,
  options: { context?: number; maxLines?: number } = {},
): string {
  const context = options.context ?? 2;
  const maxLines = options.maxLines ?? 60;
  const a = expected.split("\n");
  const b = actual.split("\n");
  const ops = diffLines(a, b);

  // Mark the ops to show: every change and `context` equal lines around it.
  const show = new Array<boolean>(ops.length).fill(false);
  ops.forEach((op, i) => {
    if (op.kind === " ") return;
    for (let j = Math.max(0, i - context); j <= Math.min(ops.length - 1, i + context); j++) show[j] = true;
  });

  const out: string[] = ["--- expected (golden)", "+++ actual"];
  let previous = -2;
  ops.forEach((op, i) => {
    if (!show[i]) return;
    if (i !== previous + 1) out.push(`@@ expected line ${op.aLine}, actual line ${op.bLine} @@`);
    out.push(`${op.kind}${op.text}`);
    previous = i;
  });
  if (out.length > maxLines) {
    const hidden = out.length - maxLines;
    return [...out.slice(0, maxLines), `… ${hidden} more diff lines`].join("\n");
  }
  return out.join("\n");
}

interface Op {
  kind: " " | "-" | "+";
  text: string;
  /** 1-based line numbers in each text at this op. */
  aLine: number;
  bLine: number;
}

function diffLines(a: string[], b: string[]): Op[] {
  // Trim the common head and tail first: golden mismatches are usually a few lines in a long file.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const n = midA.length;
  const m = midB.length;
  // lcs[i][j] = LCS length of midA[i..] and midB[j..].
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    const row = lcs[i] as number[];
    const next = lcs[i + 1] as number[];
    for (let j = m - 1; j >= 0; j--) {
      row[j] =
        midA[i] === midB[j] ? (next[j + 1] as number) + 1 : Math.max(next[j] as number, row[j + 1] as number);
    }
  }
  const ops: Op[] = [];
  for (let k = 0; k < start; k++) ops.push({ kind: " ", text: a[k] as string, aLine: k + 1, bLine: k + 1 });
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    const aLine = start + i + 1;
    const bLine = start + j + 1;
    if (i < n && j < m && midA[i] === midB[j]) {
      ops.push({ kind: " ", text: midA[i] as string, aLine, bLine });
      i++;
      j++;
    } else if (i < n && (j === m || (lcs[i + 1]?.[j] as number) >= (lcs[i]?.[j + 1] as number))) {
      ops.push({ kind: "-", text: midA[i] as string, aLine, bLine });
      i++;
    } else {
      ops.push({ kind: "+", text: midB[j] as string, aLine, bLine });
      j++;
    }
  }
  for (let k = 0; k < a.length - endA; k++) {
    ops.push({ kind: " ", text: a[endA + k] as string, aLine: endA + k + 1, bLine: endB + k + 1 });
  }
  return ops;
}
