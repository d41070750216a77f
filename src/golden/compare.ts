/**
 * numpy's allclose plus exact shape and dtype, and the error measures every report prints (max absolute,
 * relative and float32 ULP distance), so a loosened tolerance stays visible. A complex64 tensor is
 * compared as the float32 [re, im] pairs its array() gives: allclose and ULPs per part, a mismatch
 * indexed by the element's index and then 0 (real) or 1 (imaginary).
 */
import type { DType } from '../dtypes.js';
import { KerasParityError } from '../errors.js';
import { formatShape } from '../format.js';
import type { ExpectedError, Tolerance } from './cases.js';

/** Keras's own test tolerance for float32 (keras/src/testing/test_case.py); integers and bools exact. */
export const DEFAULT_TOLERANCE: Readonly<Record<DType, Tolerance>> = {
  float32: { atol: 1e-6, rtol: 1e-6 },
  int32: { atol: 0, rtol: 0 },
  bool: { atol: 0, rtol: 0 },
  complex64: { atol: 1e-6, rtol: 1e-6 },
};

/** A tensor's content as read back from any backend, or as stored in a golden file. */
export interface Values {
  shape: readonly number[];
  dtype: DType;
  data: ArrayLike<number>;
}

export interface Mismatch {
  /** Multi-index into the expected shape; for complex64 one more, 0 for the real part and 1 for the imaginary. */
  index: number[];
  got: number;
  want: number;
}

export interface Comparison {
  ok: boolean;
  /** Shape and dtype differences, in words; empty when both match. */
  problems: string[];
  size: number;
  /** Elements outside the tolerance. */
  mismatches: number;
  /** Of them, where a NaN or an infinity meets a different value; the measures below leave these out. */
  nonFinite: number;
  /** Over the elements where both sides are finite; null when the shapes differ (nothing is compared). */
  maxAbs: number | null;
  maxRel: number | null;
  /** Float32 ULPs; null unless both sides are float32. */
  maxUlp: number | null;
  /** The first few mismatching elements, in row-major order. */
  first: Mismatch[];
}

/** numpy.isclose(got, want, equal_nan=True): NaN equals NaN, an infinity only itself. */
export function isClose(got: number, want: number, tol: Tolerance): boolean {
  if (Number.isNaN(got) || Number.isNaN(want)) return Number.isNaN(got) && Number.isNaN(want);
  if (!Number.isFinite(got) || !Number.isFinite(want)) return got === want;
  return Math.abs(got - want) <= tol.atol + tol.rtol * Math.abs(want);
}

const f32 = new Float32Array(1);
const bits = new Int32Array(f32.buffer);

/** Float32 bit patterns mapped to integers in the order of the values they encode; -0 and +0 meet at 0. */
function ordinal(x: number): number {
  f32[0] = x;
  const b = bits[0];
  return b < 0 ? -(b & 0x7fffffff) : b;
}

/** Steps from one float32 to the next between a and b (0 when equal); Infinity when one alone is NaN. */
export function ulpDistance(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  return Math.abs(ordinal(a) - ordinal(b));
}

/** Compares a result with its expected value; `keep` bounds the mismatches listed. */
export function compare(got: Values, want: Values, tol: Tolerance = DEFAULT_TOLERANCE[want.dtype], keep = 5): Comparison {
  const problems: string[] = [];
  const sameShape = got.shape.length === want.shape.length && got.shape.every((d, i) => d === want.shape[i]);
  if (!sameShape) problems.push(`shape ${formatShape(got.shape)}, expected ${formatShape(want.shape)}`);
  if (got.dtype !== want.dtype) problems.push(`dtype ${got.dtype}, expected ${want.dtype}`);
  const size = want.data.length;
  // A complex and a real tensor hold different numbers of values: nothing lines up to compare.
  if (!sameShape || (got.dtype === 'complex64') !== (want.dtype === 'complex64')) {
    return { ok: false, problems, size, mismatches: 0, nonFinite: 0, maxAbs: null, maxRel: null, maxUlp: null, first: [] };
  }
  const e = elementwise(asParts(got), asParts(want), tol, keep);
  return { ok: problems.length === 0 && e.mismatches === 0, problems, size, ...e };
}

/** A complex64 tensor as float32 [re, im] pairs; any other as it is. */
function asParts(v: Values): Values {
  return v.dtype === 'complex64' ? { shape: [...v.shape, 2], dtype: 'float32', data: v.data } : v;
}

type Elementwise = Pick<Comparison, 'mismatches' | 'nonFinite' | 'maxAbs' | 'maxRel' | 'maxUlp' | 'first'>;

function elementwise(got: Values, want: Values, tol: Tolerance, keep: number): Elementwise {
  const floats = got.dtype === 'float32' && want.dtype === 'float32';
  const r = { mismatches: 0, nonFinite: 0, maxAbs: 0, maxRel: 0, maxUlp: 0, first: [] as Mismatch[] };
  for (let i = 0; i < want.data.length; i++) {
    const g = got.data[i];
    const w = want.data[i];
    const close = isClose(g, w, tol);
    if (Number.isFinite(g) && Number.isFinite(w)) {
      const abs = Math.abs(g - w);
      r.maxAbs = Math.max(r.maxAbs, abs);
      // Any error against 0 is infinitely relative, as numpy's and torch's reports say.
      if (abs > 0) r.maxRel = Math.max(r.maxRel, w === 0 ? Infinity : abs / Math.abs(w));
      if (floats) r.maxUlp = Math.max(r.maxUlp, ulpDistance(g, w));
    } else if (!close) {
      r.nonFinite++;
    }
    if (close) continue;
    r.mismatches++;
    if (r.first.length < keep) r.first.push({ index: unravel(i, want.shape), got: g, want: w });
  }
  return { ...r, maxUlp: floats ? r.maxUlp : null };
}

function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return index;
}

/**
 * Whether a thrown value is the error Keras raised: a KerasParityError of the same Python class, and
 * the same message where the message is Keras's own. Returns why not, or null when it is.
 */
export function errorMismatch(thrown: unknown, expected: ExpectedError): string | null {
  const keras = describeExpectedError(expected);
  if (!(thrown instanceof KerasParityError)) {
    const what = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
    return `threw ${what}, not a KerasParityError\n  ${keras}`;
  }
  if (thrown.kerasClass !== expected.class) {
    return `threw ${thrown.name} (Keras class ${thrown.kerasClass}): ${thrown.message}\n  ${keras}`;
  }
  if (expected.origin === 'keras' && thrown.message !== expected.message) {
    return `${expected.class} message differs from Keras's:\n    got:  ${thrown.message}\n    want: ${expected.message}`;
  }
  return null;
}

/** `Keras raised ValueError (from keras): <message>`; the origin tells Keras's words from its backend's. */
export function describeExpectedError(e: ExpectedError): string {
  return `Keras raised ${e.class} (from ${e.origin ?? 'unknown'}): ${e.message}`;
}
