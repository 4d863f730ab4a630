/**
 * A typed-array column that holds at least `need` entries: the same array when it does, else a copy
 * twice as long (as often as needed). The new entries are left as allocated (zero, and not yet touched,
 * so memory the column has not used yet is not resident): the caller sets each entry as it takes it.
 * For state kept per node, per site or per record in flat columns rather than an object each.
 */
export function grown<T extends Float64Array | Int32Array>(array: T, need: number): T {
  if (need <= array.length) return array;
  let length = Math.max(1, array.length);
  while (length < need) length *= 2;
  const next = new (array.constructor as new (n: number) => T)(length);
  next.set(array);
  return next;
}
