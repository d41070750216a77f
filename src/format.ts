/**
 * Text for people. Values printed as Python and numpy print them, so messages read as Keras's do: None,
 * True, (2, 3), (5,), nan, inf, numpy arrays; and counts of things in English (`plural`).
 */

/** Python's str() of a received value. */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  if (Array.isArray(v)) return `(${v.map(formatValue).join(', ')}${v.length === 1 ? ',' : ''})`;
  if (typeof v === 'object' && 'shape' in (v as object)) {
    return `<tensor shape=${formatShape((v as { shape: (number | null)[] }).shape)}>`;
  }
  return String(v);
}

/** Python's repr(): strings quoted. */
export function formatRepr(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : formatValue(v);
}

/** Keras prints shapes as Python tuples: `(2, 3)`, `(5,)`, `(None, 3)`. */
export function formatShape(shape: readonly (number | null)[]): string {
  const dims = shape.map((d) => (d === null ? 'None' : String(d)));
  return `(${dims.join(', ')}${dims.length === 1 ? ',' : ''})`;
}

/** A Python list: `[2, -1, -1, 8]`. */
export function formatList(items: readonly (number | null)[]): string {
  return `[${items.map((d) => (d === null ? 'None' : d)).join(', ')}]`;
}

/**
 * numpy's str() of a 1-D array: ints right-aligned to one width (`[ 1 10]`); an object array (one
 * holding None) unpadded.
 */
export function formatNumpy(items: readonly (number | null)[], objectArray = false): string {
  const strs = items.map((d) => (d === null ? 'None' : String(d)));
  const width = objectArray ? 0 : Math.max(0, ...strs.map((s) => s.length));
  return `[${strs.map((s) => s.padStart(width)).join(' ')}]`;
}

/** `1 op`, `2 ops`, `3 mismatches`: the count and the noun, plural unless the count is one. */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : /(s|x|ch|sh)$/.test(noun) ? 'es' : 's'}`;
}
