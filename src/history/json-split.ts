import { InputError } from "../shared/diagnostics.js";

/**
 * Splits one large JSON document, read in chunks, into the values at chosen paths (the series of a
 * Prometheus `data.result`, the events of a List's `items`), each handed over parsed as soon as it
 * closes, so memory holds one such value at a time however large the file is. Outside the captured
 * values only small scalars are kept (`status`, `data.resultType`, `kind`). The scanner follows strings,
 * escapes and brackets; each captured value is parsed by `JSON.parse`, whose error is placed in the
 * file (line:col). Structure outside captured values is checked loosely (brackets must match).
 */
export type JsonPath = readonly (string | number)[];

export interface SplitHandlers {
  /** True when the value starting at `path` is to be handed over whole. */
  capture(path: JsonPath): boolean;
  /** A captured value, or a scalar outside captured values; `line`/`col` where it starts. */
  value(path: JsonPath, value: unknown, line: number, col: number): void;
  /**
   * A captured value's bytes before they are parsed: true when the handler took them itself (a fast
   * path for a shape it knows), false to have them parsed and handed to `value` as usual. `offset`: where
   * the value begins in the file (bytes).
   */
  raw?(path: JsonPath, bytes: Buffer, line: number, col: number, offset: number): boolean;
  /**
   * A captured value straight from the chunk, before any copy: the index just past the value when the
   * handler read it whole from `chunk` at `at` (a fast path for a shape it knows), else -1 (then the value
   * is gathered as usual, across chunks if need be, and given to `raw` and `value`). `offset`: where the
   * chunk begins in the file (bytes).
   */
  scan?(path: JsonPath, chunk: Buffer, at: number, line: number, col: number, offset: number): number;
}

interface Frame {
  array: boolean;
  key: string | number;
  expectKey: boolean;
}

const QUOTE = 34;
const BACKSLASH = 92;
const NEWLINE = 10;

export class JsonSplitter {
  private readonly frames: Frame[] = [];
  /** Bytes of the value being captured (or of a small string / scalar outside). */
  private parts: Buffer[] = [];
  private mode: "outside" | "capture" | "string" | "scalar" = "outside";
  private depth = 0;
  private inString = false;
  private escape = false;
  private stringIsKey = false;
  private line = 1;
  private lineStart = 0;
  /** Bytes before the current chunk. */
  private base = 0;
  private startLine = 1;
  private startCol = 1;
  /** Where the value being captured begins in the file (bytes). */
  private startOffset = 0;
  private startPath: JsonPath = [];
  private seenRoot = false;
  /** The next line break in the chunk at or after the last fast-read value (the chunk's length: none). */
  private nextNewline = -1;

  constructor(
    private readonly file: string,
    private readonly handlers: SplitHandlers,
  ) {}

  private fail(message: string, line = this.line, col?: number): never {
    throw new InputError([{ file: this.file, line, col: col ?? 1, message }]);
  }

  private path(): (string | number)[] {
    return this.frames.map((f) => f.key);
  }

  push(chunk: Buffer): void {
    this.nextNewline = -1;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.mode === "capture") {
        // The hot loop: inside a captured value only strings and brackets matter.
        let depth = this.depth;
        let inString = this.inString;
        let escaped = this.escape;
        const from = i;
        let done = -1;
        for (; i < n; i++) {
          const b = chunk[i] as number;
          if (inString) {
            if (escaped) escaped = false;
            else if (b === BACKSLASH) escaped = true;
            else if (b === QUOTE) inString = false;
            else if (b === NEWLINE) this.newline(i);
          } else if (b === QUOTE) inString = true;
          else if (b === 123 || b === 91) depth++;
          else if (b === 125 || b === 93) {
            depth--;
            if (depth === 0) {
              done = i + 1;
              break;
            }
          } else if (b === NEWLINE) this.newline(i);
        }
        this.depth = depth;
        this.inString = inString;
        this.escape = escaped;
        if (done < 0) {
          // The reader may reuse the chunk's memory: what is carried over is copied.
          this.parts.push(Buffer.from(chunk.subarray(from, n)));
          break;
        }
        this.parts.push(chunk.subarray(from, done));
        i = done;
        this.finishCapture();
        continue;
      }
      if (this.mode === "string") {
        const from = i;
        let done = -1;
        for (; i < n; i++) {
          const b = chunk[i] as number;
          if (this.escape) this.escape = false;
          else if (b === BACKSLASH) this.escape = true;
          else if (b === QUOTE) {
            done = i + 1;
            break;
          } else if (b === NEWLINE) this.fail("a line break inside a string");
        }
        if (done < 0) {
          this.parts.push(Buffer.from(chunk.subarray(from, n)));
          break;
        }
        this.parts.push(chunk.subarray(from, done));
        i = done;
        this.finishString();
        continue;
      }
      if (this.mode === "scalar") {
        const from = i;
        for (; i < n; i++) {
          const b = chunk[i] as number;
          if (b === 44 || b === 125 || b === 93 || b === 32 || b === 9 || b === 13 || b === NEWLINE) break;
        }
        this.parts.push(Buffer.from(chunk.subarray(from, i)));
        if (i < n) this.finishScalar();
        continue;
      }
      i = this.outside(chunk, i);
    }
    this.base += n;
  }

  private newline(at: number): void {
    this.line++;
    this.lineStart = this.base + at + 1;
  }

  private colAt(at: number): number {
    return this.base + at - this.lineStart + 1;
  }

  /** One structural byte outside captured values. */
  private outside(chunk: Buffer, i: number): number {
    const b = chunk[i] as number;
    const top = this.frames[this.frames.length - 1];
    switch (b) {
      case 32:
      case 9:
      case 13:
        return i + 1;
      case NEWLINE:
        this.newline(i);
        return i + 1;
      case 44: // ,
        if (!top) this.fail("unexpected ',' after the document", this.line, this.colAt(i));
        if (top.array) top.key = (top.key as number) + 1;
        else top.expectKey = true;
        return i + 1;
      case 58: // :
        return i + 1;
      case 125: // }
      case 93: {
        // ]
        if (!top || top.array !== (b === 93))
          this.fail(`unexpected '${String.fromCharCode(b)}'`, this.line, this.colAt(i));
        this.frames.pop();
        return i + 1;
      }
      default:
        break;
    }
    if (top && !top.array && top.expectKey) {
      if (b !== QUOTE) this.fail("expected a key in quotes", this.line, this.colAt(i));
      this.beginSmall(i, "string", true);
      this.parts = [];
      return i + 1;
    }
    if (!top && this.seenRoot) this.fail("more than one JSON value in the file", this.line, this.colAt(i));
    if (!top) this.seenRoot = true;
    const path = this.path();
    if ((b === 123 || b === 91) && this.handlers.capture(path)) {
      if (this.handlers.scan) {
        const end = this.handlers.scan(path, chunk, i, this.line, this.colAt(i), this.base);
        if (end >= 0) {
          // Line breaks inside the value: the next one is looked for once, not once per value.
          if (this.nextNewline < i) this.nextNewline = newlineFrom(chunk, i);
          while (this.nextNewline < end) {
            this.newline(this.nextNewline);
            this.nextNewline = newlineFrom(chunk, this.nextNewline + 1);
          }
          return end;
        }
      }
      this.mode = "capture";
      this.depth = 0;
      this.inString = false;
      this.escape = false;
      this.startPath = path;
      this.startLine = this.line;
      this.startCol = this.colAt(i);
      this.startOffset = this.base + i;
      this.parts = [];
      return i; // the capture loop counts this bracket
    }
    if (b === 123) {
      this.frames.push({ array: false, key: "", expectKey: true });
      return i + 1;
    }
    if (b === 91) {
      this.frames.push({ array: true, key: 0, expectKey: false });
      return i + 1;
    }
    this.startPath = path;
    if (b === QUOTE) {
      this.beginSmall(i, "string", false);
      this.parts = [chunk.subarray(i, i + 1)];
      return i + 1;
    }
    this.beginSmall(i, "scalar", false);
    this.parts = [];
    return i;
  }

  private beginSmall(i: number, mode: "string" | "scalar", key: boolean): void {
    this.mode = mode;
    this.stringIsKey = key;
    this.escape = false;
    this.startLine = this.line;
    this.startCol = this.colAt(i);
  }

  private finishString(): void {
    this.mode = "outside";
    const top = this.frames[this.frames.length - 1];
    if (this.stringIsKey && top) {
      // The key's bytes without the closing quote; keys are JSON strings too.
      const raw = Buffer.concat(this.parts).toString("utf8");
      top.key = this.parseSmall(`"${raw}`) as string;
      top.expectKey = false;
      return;
    }
    const value = this.parseSmall(Buffer.concat(this.parts).toString("utf8"));
    this.handlers.value(this.startPath, value, this.startLine, this.startCol);
  }

  private finishScalar(): void {
    this.mode = "outside";
    const text = Buffer.concat(this.parts).toString("utf8");
    const value = this.parseSmall(text);
    this.handlers.value(this.startPath, value, this.startLine, this.startCol);
  }

  private parseSmall(text: string): unknown {
    try {
      return JSON.parse(text);
    } catch {
      return this.fail(`not JSON: ${JSON.stringify(text.slice(0, 40))}`, this.startLine, this.startCol);
    }
  }

  private finishCapture(): void {
    this.mode = "outside";
    const bytes = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts);
    this.parts = [];
    if (this.handlers.raw?.(this.startPath, bytes, this.startLine, this.startCol, this.startOffset)) return;
    const text = bytes.toString("utf8");
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const { line, col } = placeParseError(text, error, this.startLine, this.startCol);
      this.fail(`not JSON: ${(error as Error).message.split(" in JSON")[0]}`, line, col);
    }
    this.handlers.value(this.startPath, value, this.startLine, this.startCol);
  }

  /** The end of the file: every bracket closed. */
  end(): void {
    if (this.mode === "capture" || this.mode === "string" || this.frames.length > 0)
      this.fail("the file ends inside a JSON value (cut short?)");
    if (this.mode === "scalar") this.finishScalar();
    if (!this.seenRoot) this.fail("no JSON value in the file");
  }
}

function newlineFrom(chunk: Buffer, from: number): number {
  const at = chunk.indexOf(NEWLINE, from);
  return at < 0 ? chunk.length : at;
}

/** Where in the file a `JSON.parse` error of a captured value stands. */
function placeParseError(
  text: string,
  error: unknown,
  startLine: number,
  startCol: number,
): { line: number; col: number } {
  const match = /position (\d+)/.exec((error as Error).message);
  if (!match) return { line: startLine, col: startCol };
  const position = Number(match[1]);
  let line = startLine;
  let lastBreak = -1;
  for (let i = 0; i < position && i < text.length; i++) {
    if (text.charCodeAt(i) === NEWLINE) {
      line++;
      lastBreak = i;
    }
  }
  return { line, col: lastBreak < 0 ? startCol + position : position - lastBreak };
}
