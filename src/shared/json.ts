/**
 * `JSON.stringify(value, null, 2)` as a stream of pieces, byte for byte the same text: a fleet's
 * output can pass V8's longest string (about 512 MiB), so it is written piece by piece, never held
 * whole. Arrays are walked element by element at any depth (that is where the size is); objects are
 * walked down to `objectDepth`, and anything below is stringified whole and re-indented (JSON text
 * holds no raw newline inside a string, so indenting after each newline is exact).
 */
export function* jsonChunks(value: unknown, objectDepth = 3): Generator<string> {
  const top = prepare(value, "");
  if (top === undefined) return;
  yield* emit(top, "", 0, objectDepth);
  yield "\n";
}

/** What JSON.stringify would serialise for `value` under `key`: after toJSON; undefined when it is skipped. */
function prepare(value: unknown, key: string): unknown {
  let v = value;
  if (v !== null && typeof v === "object" && typeof (v as { toJSON?: unknown }).toJSON === "function")
    v = (v as { toJSON: (key: string) => unknown }).toJSON(key);
  if (v === undefined || typeof v === "function" || typeof v === "symbol") return undefined;
  return v;
}

function* emit(value: unknown, pad: string, depth: number, objectDepth: number): Generator<string> {
  if (value === null || typeof value !== "object") {
    yield JSON.stringify(value);
    return;
  }
  const inner = `${pad}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) {
      yield "[]";
      return;
    }
    yield "[";
    for (let i = 0; i < value.length; i++) {
      yield i === 0 ? `\n${inner}` : `,\n${inner}`;
      const item = prepare(value[i], String(i));
      if (item === undefined) yield "null";
      else yield* emit(item, inner, depth + 1, objectDepth);
    }
    yield `\n${pad}]`;
    return;
  }
  if (depth >= objectDepth) {
    yield (JSON.stringify(value, null, 2) as string).replaceAll("\n", `\n${pad}`);
    return;
  }
  let first = true;
  for (const key of Object.keys(value)) {
    const item = prepare((value as Record<string, unknown>)[key], key);
    if (item === undefined) continue;
    yield `${first ? "{" : ","}\n${inner}${JSON.stringify(key)}: `;
    first = false;
    yield* emit(item, inner, depth + 1, objectDepth);
  }
  yield first ? "{}" : `\n${pad}}`;
}

/** Joins small pieces into pieces of about `size` characters, so a writer makes few calls. */
export function* batched(pieces: Iterable<string>, size = 1 << 16): Generator<string> {
  let parts: string[] = [];
  let length = 0;
  for (const piece of pieces) {
    parts.push(piece);
    length += piece.length;
    if (length >= size) {
      yield parts.join("");
      parts = [];
      length = 0;
    }
  }
  if (length > 0) yield parts.join("");
}
