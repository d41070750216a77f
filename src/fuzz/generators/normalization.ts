/**
 * moments, batch_normalization, normalize, rms_normalization and layer_normalization: every axis form
 * Keras-JAX takes (int, tuple with negative entries, None, empty), keepdims, optional offset/scale and
 * gamma/beta in every shape Keras accepts, epsilon from 0 to 100, orders 1 to 4, large offsets where
 * one-pass formulas fail, special values. Float32 summation bounds become tolerances.
 */
import fc from 'fast-check';
import type { DType } from '../../dtypes.js';
import type { GoldenValue } from '../../golden/cases.js';
import { GoldenTensor } from '../../golden/safetensors.js';
import type { normalization } from '../../ops/normalization.js';
import { bools, callOf, floats, SPECIAL_FLOATS, type FuzzCall, type Generators, type OpGenerators } from '../call.js';
import { type FaultSet, invalidCalls } from './faults.js';
import { boundTolerance, groupIds, groupSums } from './forms.js';
import {
  axesArb,
  axisArb,
  boolTensorArb,
  dtypeArb,
  floatTensorArb,
  type FloatDraw,
  fmt,
  intTensorArb,
  loosened,
  maxAbsFinite,
  maybe,
  mixedShapeArb,
  seedArb,
  shapeArb,
  sizeOf,
  U,
  withConventions,
  withNegatives,
} from './draws.js';

type NormalizationOp = keyof typeof normalization;

/**
 * No +-3e38 (two overflow XLA's float32 sum, the reference's float64 sum does not: a documented
 * deviation) and no 1e30: the summation bounds below scale with max|x| and would say nothing.
 */
const MODERATE_SPECIALS = SPECIAL_FLOATS.filter((v) => !Number.isFinite(v) || Math.abs(v) < 1);

/** Reduction axes as jnp takes them: a tuple (negatives too, any order, maybe empty), an int, or None. */
function reductionAxesArb(rank: number): fc.Arbitrary<GoldenValue> {
  const tuple = axesArb(rank).chain((axes) => withNegatives(axes, rank));
  const forms: fc.WeightedArbitrary<GoldenValue>[] = [
    { arbitrary: tuple, weight: 6 },
    { arbitrary: fc.constant(null), weight: 1 },
  ];
  if (rank > 0) forms.push({ arbitrary: axisArb(rank), weight: 2 });
  return fc.oneof(...forms);
}

/** The reduced axes, normalised; `axis` as sent (undefined: the op's default `fallback`). */
function reducedAxes(rank: number, axis: GoldenValue | undefined, fallback: GoldenValue): number[] {
  const a = axis === undefined ? fallback : axis;
  if (a === null) return [...Array(rank).keys()];
  const list = Array.isArray(a) ? (a as number[]) : [a as number];
  return list.map((d) => (d < 0 ? d + rank : d));
}

const reducedSize = (shape: readonly number[], axes: number[]) => sizeOf(axes.map((a) => shape[a]));

// ---------------------------------------------------------------------------------------------- moments

function momentsX(shape: number[], dtype: DType): fc.Arbitrary<GoldenTensor> {
  if (dtype === 'int32') return intTensorArb(shape, [[-50, 51], [-1000, 1001]]);
  if (dtype === 'bool') return boolTensorArb(shape);
  return floatTensorArb(shape, { scales: [1, 10, 100], offsets: [0, 0, 1e4, -1e4], specials: MODERATE_SPECIALS });
}

/**
 * Each float32 implementation sums N elements in its own order: the mean is off by at most
 * (N-1) u max|x| (u = 2^-24), and a two-pass variance by (N-1) u var from its sum of squares plus the
 * square of the mean's error (the centred values sum to that error). Twice each: two implementations.
 */
function momentsTolerance(x: GoldenTensor, n: number) {
  const a = maxAbsFinite(x);
  const meanError = Math.max(n - 1, 0) * U * a;
  const atol = 2 * (meanError + meanError ** 2);
  const rtol = 2 * Math.max(n - 1, 0) * U;
  return loosened(
    { atol, rtol },
    `float32 sums of N=${n} elements in any order, max|x|=${fmt(a)}: mean off by <= (N-1)*2^-24*max|x| = ${fmt(meanError)}, ` +
      `variance by <= (N-1)*2^-24*var + that squared; doubled for two implementations`,
  );
}

function momentsValid(): fc.Arbitrary<FuzzCall> {
  return withConventions(
    fc
      .tuple(mixedShapeArb(0, 4), dtypeArb(['float32', 'int32', 'bool']))
      .chain(([shape, dtype]) =>
        fc.record({
          x: momentsX(shape, dtype),
          axes: reductionAxesArb(shape.length),
          keepdims: maybe(fc.boolean()),
          synchronized: maybe(fc.constant(false)),
        }),
      )
      .map((v) => callOf('moments', v, momentsTolerance(v.x, reducedSize(v.x.shape, reducedAxes(v.x.shape.length, v.axes, null))))),
  );
}

/** x of rank 1 to 4 with at least one element, for calls that fail on an argument other than x. */
const someX = shapeArb({ minRank: 1, maxRank: 4, empty: false }).chain((s) => floatTensorArb(s));

type Values = Record<string, GoldenValue | undefined>;
const pick = <T>(xs: readonly T[], seed: number) => xs[seed % xs.length];
const rankOf = (v: Values) => (v.x as GoldenTensor).shape.length;

/** A repeated axis, or one past the rank, inside a tuple or alone. */
function badAxes(rank: number, seed: number): GoldenValue {
  const a = Math.floor(seed / 4) % rank;
  const k = Math.floor(seed / 4) % 3;
  return pick<GoldenValue>([[a, a], [a, a - rank], [rank + k], -rank - 1 - (k % 2)], seed);
}

/**
 * synchronized=True (not on JAX), repeated or out-of-range axes, a float axis. (A string x or axes fails
 * too, but as an AttributeError or JAX's NameError for collective axis names: accidents, not checks.)
 */
function momentsFaults(): FaultSet<Values> {
  return {
    base: someX.map((x) => ({ x, axes: [0] })),
    faults: {
      synchronized: (v) => ({ ...v, synchronized: true }),
      axes: (v, seed) => ({ ...v, axes: badAxes(rankOf(v), seed) }),
      float_axes: (v, seed) => ({ ...v, axes: pick<GoldenValue>([[0.5], 1.5], seed) }),
    },
    call: (v) => callOf('moments', v),
    apart: [['axes', 'float_axes']],
  };
}

// -------------------------------------------------------------------------------- batch_normalization

interface BnDraw {
  x: GoldenTensor;
  axis: number;
  /** Length of the statistics vectors: x.shape[axis], or 1 (JAX broadcasts it; Keras's symbolic spec does not). */
  length: number;
}

function bnShape(): fc.Arbitrary<{ shape: number[]; axis: number; length: number }> {
  return mixedShapeArb(1, 4).chain((shape) =>
    axisArb(shape.length).chain((axis) => {
      const n = shape[axis < 0 ? axis + shape.length : axis];
      const length = fc.oneof({ arbitrary: fc.constant(n), weight: 15 }, { arbitrary: fc.constant(1), weight: 1 });
      return length.map((l) => ({ shape, axis, length: l }));
    }),
  );
}

function bnX(shape: number[], dtype: DType): fc.Arbitrary<GoldenTensor> {
  if (dtype === 'int32') return intTensorArb(shape, [[-10, 11], [-1000, 1001]]);
  if (dtype === 'bool') return boolTensorArb(shape);
  return floatTensorArb(shape, { scales: [1, 3, 100], offsets: [0, 1], specials: SPECIAL_FLOATS });
}

/** A vector of `n` from a seed: normal, or uniform in [low, high) (variances: positive, sometimes 0). */
function vectorArb(n: number, kind: 'normal' | 'variance' | 'scale'): fc.Arbitrary<GoldenTensor> {
  return fc.tuple(seedArb, fc.constantFrom(0, 0, 0, 1)).map(([seed, zeros]) => {
    if (kind === 'normal') return floats([n], seed, { scale: 2 });
    const t = kind === 'variance' ? floats([n], seed, { low: 0.01, high: 3 }) : floats([n], seed, { low: -2, high: 2 });
    // A zero variance now and then: the output is then (x - mean) / sqrt(epsilon), or inf with epsilon 0.
    if (kind === 'variance' && zeros && n > 0) t.data[0] = 0;
    return t;
  });
}

/**
 * out = x * inv + (offset - mean * inv), inv = scale / sqrt(variance + epsilon). Each float32 step rounds
 * (rsqrt to about 2 ulp): |error| <= 5 u (|x| + |mean|) inv + u |offset| per implementation, which is not
 * small next to an output near 0 (cancellation); doubled for two. Channels with an infinite inv give inf
 * or NaN on both sides and are left out.
 */
function bnTolerance(d: BnDraw, v: Record<string, GoldenValue | undefined>) {
  const a = maxAbsFinite(d.x);
  const at = (t: GoldenValue | undefined, c: number, missing: number) =>
    t instanceof GoldenTensor ? t.data[t.data.length === 1 ? 0 : c] : missing;
  const eps = typeof v.epsilon === 'number' ? v.epsilon : 1e-3;
  let worst = 0;
  for (let c = 0; c < d.length; c++) {
    const inv = Math.abs(at(v.scale, c, 1)) / Math.sqrt(at(v.variance, c, 1) + eps);
    if (!Number.isFinite(inv)) continue;
    worst = Math.max(worst, 5 * (a + Math.abs(at(v.mean, c, 0))) * inv + Math.abs(at(v.offset, c, 0)));
  }
  const atol = 2 * U * worst;
  return loosened({ atol }, `float32 x*inv + (offset - mean*inv): |error| <= 2 * 2^-24 * max over channels of 5(|x|+|mean|)inv + |offset| = ${fmt(atol)}`);
}

function bnValid(): fc.Arbitrary<FuzzCall> {
  const calls = fc
    .tuple(bnShape(), dtypeArb(['float32', 'int32', 'bool']))
    .chain(([{ shape, axis, length }, dtype]) =>
      fc.record({
        draw: bnX(shape, dtype).map((x): BnDraw => ({ x, axis, length })),
        mean: vectorArb(length, 'normal'),
        variance: vectorArb(length, 'variance'),
        offset: maybe(fc.option(vectorArb(length, 'normal'))),
        scale: maybe(fc.option(vectorArb(length, 'scale'))),
        // epsilon 0 with a zero variance makes inv infinite; XLA then multiplies a bool x of False by it
        // as a select (0, not NaN), so bool x gets a positive epsilon.
        epsilon: maybe(fc.constantFrom(1e-3, 1e-5, 0.1, 1, ...(dtype === 'bool' ? [] : [0]))),
      }),
    )
    .map(({ draw, ...v }) => {
      const values = { x: draw.x, axis: draw.axis, ...v };
      return callOf('batch_normalization', values, bnTolerance(draw, values));
    });
  return withConventions(calls);
}

/**
 * An axis past the rank, statistics of a length that neither matches nor broadcasts, a variance of
 * another length than the mean, a 2-D mean, a bool mean. (Not a string epsilon: Keras has no check
 * there, only numpy's own UFuncTypeError from the addition.)
 */
function bnFaults(): FaultSet<Values> {
  const base = shapeArb({ minRank: 1, maxRank: 4, empty: false })
    .filter((s) => s.some((d) => d > 1))
    .chain((shape) => {
      const axes = [...shape.keys()].filter((a) => shape[a] > 1);
      return fc.tuple(floatTensorArb(shape), fc.constantFrom(...axes));
    })
    .map(([x, axis]): Values => ({ x, axis, ...stats(x.shape[axis]) }));
  const n = (v: Values) => (v.x as GoldenTensor).shape[v.axis as number];
  return {
    base,
    faults: {
      stats_length: (v) => ({ ...v, ...stats(n(v) + 1) }),
      variance_length: (v) => ({ ...v, variance: floats([n(v) + 1], 7, { low: 0.5, high: 1.5 }) }),
      mean_rank: (v) => ({ ...v, mean: floats([1, n(v)], 3) }),
      mean_bool: (v, seed) => ({ ...v, mean: bools([n(v)], seed) }),
      // Declared last: the others read x.shape[axis].
      axis: (v, seed) => ({ ...v, axis: rankOf(v) + (seed % 3) }),
    },
    call: (v) => callOf('batch_normalization', v),
    apart: [['stats_length', 'variance_length'], ['stats_length', 'mean_rank'], ['stats_length', 'mean_bool'], ['mean_rank', 'mean_bool']],
  };
}

const stats = (n: number) => ({ mean: floats([n], n), variance: floats([n], n + 1, { low: 0.5, high: 1.5 }) });

// ------------------------------------------------------------------------------------------- normalize

/** The reduced axes for an order: any for 2; for others one axis, or two with order 1 (a matrix norm). */
function normalizeAxisArb(rank: number, order: number): fc.Arbitrary<GoldenValue | undefined> {
  if (order === 2) return maybe(reductionAxesArb(rank));
  const one = fc.oneof(axisArb(rank), axisArb(rank).map((a) => [a]));
  const forms: fc.Arbitrary<GoldenValue | undefined>[] = [fc.constant(undefined), one];
  if (order === 1 && rank >= 2) forms.push(axesArb(rank, 2).map((a) => a.slice(0, 2)).chain((a) => withNegatives(a, rank)));
  if (rank === 1 || (order === 1 && rank === 2)) forms.push(fc.constant(null));
  return fc.oneof(...forms);
}

/**
 * Order 2: x * rsqrt(sum x^2), the sum of K squares off by (K-1) u relatively, halved by the square
 * root. Other orders: (sum |x|^p)^(1/p), off by (K-1) u / p; the matrix 1-norm sums K = the rows.
 * Doubled for two implementations.
 */
function normalizeTolerance(x: GoldenTensor, axes: number[], order: number) {
  const shape = x.shape.length === 0 ? [1] : x.shape;
  const k = order !== 2 && axes.length === 2 ? shape[axes[0]] : reducedSize(shape, axes);
  const rtol = (2 * Math.max(k - 1, 0) * U) / order;
  return loosened({ rtol }, `float32 sum of K=${k} terms |x|^${order} in any order: norm off by <= (K-1)*2^-24/${order} relatively; doubled`);
}

const normalizeOrderArb = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 3 },
  { arbitrary: fc.constantFrom<number | boolean>(2, 1, 3, 4), weight: 6 },
  { arbitrary: fc.constant(true), weight: 1 },
);

/** Subnormal magnitudes: XLA on the CPU flushes them to zero, the reference does not. */
const isSubnormal = (v: number) => Math.abs(v) > 0 && Math.abs(v) < 2 ** -126;

/** x, axis and epsilon for one order `p` (order as sent: undefined, a number or true). */
function normalizeArgs(shape: number[], p: number) {
  // Keras-JAX's rsqrt rejects int32 for order 2, which keras-parity promotes (a documented deviation).
  const dtype = p === 2 ? fc.constant<DType>('float32') : dtypeArb(['float32', 'int32']);
  // epsilon 0 only where Keras does not divide by it (order != 2).
  const epsilon = maybe(fc.constantFrom<GoldenValue>(null, 1e-7, 1e-3, 0.5, 100, ...(p === 2 ? [] : [0])));
  const axis = normalizeAxisArb(Math.max(shape.length, 1), p).filter((a) => p === 2 || !isEmptyMatrixNorm(shape, a));
  return fc.record({ dtype, epsilon, axis }).chain(({ dtype, epsilon, axis }) => {
    // With epsilon 0 a subnormal norm divides: flushed to 0 in XLA, x / 0 there.
    const specials = epsilon === 0 ? MODERATE_SPECIALS.filter((v) => !isSubnormal(v)) : MODERATE_SPECIALS;
    const x = dtype === 'int32' ? intTensorArb(shape, [[-5, 6], [-1000, 1001]]) : floatTensorArb(shape, { scales: [0.1, 1, 100], specials });
    return x.map((t) => ({ x: t, epsilon, axis }));
  });
}

function normalizeValid(): fc.Arbitrary<FuzzCall> {
  const calls = fc.tuple(mixedShapeArb(0, 4), normalizeOrderArb).chain(([shape, order]) => {
    const p = order === undefined ? 2 : Number(order);
    return normalizeArgs(shape, p).map(({ x, epsilon, axis }) => {
      const axes = reducedAxes(Math.max(shape.length, 1), axis, -1);
      return callOf('normalize', { x, axis, order, epsilon }, normalizeTolerance(x, axes, p));
    });
  });
  return withConventions(calls);
}

/** jnp's matrix 1-norm takes a max over axes[1]: an empty one has no identity and raises. */
function isEmptyMatrixNorm(shape: number[], axis: GoldenValue | undefined): boolean {
  const rank = Math.max(shape.length, 1);
  const axes = reducedAxes(rank, axis, -1);
  const s = shape.length === 0 ? [1] : shape;
  return axes.length === 2 && s[axes[1]] === 0;
}

/**
 * Orders that are not ints >= 1; an order-1 norm over None of rank 3 or over three axes, an order-3 norm
 * over two axes (numpy has no such matrix norm); an axis past the rank; a repeated axis with order 2;
 * order 2 with epsilon 0 (Keras computes 1 / epsilon in Python).
 */
function normalizeFaults(): FaultSet<Values> {
  const x3 = shapeArb({ minRank: 3, maxRank: 4, empty: false }).chain((s) => floatTensorArb(s));
  const call = (v: Values) => callOf('normalize', v);
  return {
    base: someX.map((x) => ({ x })),
    faults: {
      order: (v, seed) => ({ ...v, order: pick<GoldenValue>([0, -1, 2.5, 'a', null], seed) }),
      axis: (v, seed) => ({ ...v, axis: rankOf(v) + (seed % 3) }),
      axis_repeated: (v) => ({ ...v, axis: [0, 0] }),
      epsilon: (v) => ({ ...v, epsilon: 0 }),
    },
    call,
    apart: [['axis', 'axis_repeated']],
    alone: [
      x3.map((x) => call({ x, order: 1, axis: null })),
      x3.map((x) => call({ x, order: 1, axis: [0, 1, 2] })),
      x3.chain((x) => fc.constantFrom(3, 4).map((order) => call({ x, order, axis: [0, 1] }))),
    ],
  };
}

// ------------------------------------------------------------------- rms_normalization, layer_normalization

/** Subnormals are kept out where epsilon is 0: XLA flushes them, so its mean of squares is 0 and x / 0 differs. */
const isSubnormalLike = (v: number) => Math.abs(v) > 0 && Math.abs(v) < 2 ** -126;

function normX(shape: number[], dtype: DType, draw: FloatDraw): fc.Arbitrary<GoldenTensor> {
  if (dtype === 'int32') return intTensorArb(shape, [[-10, 11], [-1000, 1001]]);
  if (dtype === 'bool') return boolTensorArb(shape);
  return floatTensorArb(shape, draw);
}

/** A shape that broadcasts against `shape`: a suffix of it, some dims 1, now and then a new leading dim. */
function broadcastableShapeArb(shape: readonly number[]): fc.Arbitrary<number[]> {
  const n = shape.length;
  return fc
    .tuple(fc.integer({ min: 0, max: n }), fc.array(fc.boolean(), { minLength: n, maxLength: n }), fc.constantFrom(0, 0, 0, 2))
    .map(([k, ones, extra]) => {
      const suffix = shape.slice(n - k).map((d, i) => (ones[i] ? 1 : d));
      return extra && k === n ? [extra, ...suffix] : suffix;
    });
}

/**
 * Keras casts the float32 result back to an int32 x's dtype by truncation: a value within a few ulps of
 * an integer lands on either side in two float32 implementations (3 * rsqrt(9) is 1 or 0.99999994).
 */
const TRUNCATION = { atol: 1, rtol: 1e-6, why: 'int32 x: the float32 result truncates, and one within ulps of an integer goes either way (3 * rsqrt(9): 1 or 0.99999994)' };

/** A float32 sum of N squares (all positive) is off by <= (N-1) u relatively, halved by the square root. */
function rmsTolerance(x: GoldenTensor, n: number) {
  if (x.dtype !== 'float32') return x.dtype === 'int32' ? TRUNCATION : undefined;
  return loosened({ rtol: Math.max(n - 1, 0) * U }, `float32 sum of N=${n} squares in any order: rms off by <= (N-1)/2 * 2^-24 relatively; doubled`);
}

function rmsValid(): fc.Arbitrary<FuzzCall> {
  const calls = fc
    .tuple(mixedShapeArb(0, 4), dtypeArb(['float32', 'int32', 'bool']), maybe(fc.constantFrom<GoldenValue>(null, 1e-7, 1e-5, 1e-3, 0.5, 100, 0)))
    .chain(([shape, dtype, epsilon]) => {
      const seen = shape.length === 0 ? [1] : shape;
      const specials = epsilon === 0 ? SPECIAL_FLOATS.filter((v) => !isSubnormalLike(v)) : SPECIAL_FLOATS;
      return fc.record({
        x: normX(shape, dtype, { scales: [1, 10, 1e-3], offsets: [0, 0, 100], specials }),
        scale: maybe(fc.option(broadcastableShapeArb(seen).chain((s) => floatTensorArb(s, { scales: [1, 3] })))),
        axis: maybe(reductionAxesArb(seen.length)),
        epsilon: fc.constant(epsilon),
      });
    })
    .map((v) => {
      const rank = Math.max(v.x.shape.length, 1);
      const n = reducedSize(v.x.shape.length ? v.x.shape : [1], reducedAxes(rank, v.axis, -1));
      return callOf('rms_normalization', v, rmsTolerance(v.x, n));
    });
  return withConventions(calls);
}

/** Keras's layer_normalization axis: an int or a tuple (no None); a 0-D x has only (). */
function layerAxisArb(rank: number): fc.Arbitrary<GoldenValue | undefined> {
  if (rank === 0) return fc.constant([]);
  const tuple = axesArb(rank).chain((axes) => withNegatives(axes, rank));
  return fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary: axisArb(rank), weight: 2 }, { arbitrary: tuple, weight: 3 });
}

/**
 * A gamma or beta shape Keras takes: with axis exactly [rank - 1] anything that broadcasts; otherwise
 * x's rank with each dim 1 or x's, or any rank with the size of x on the axes (Keras reshapes it).
 */
function layerParamShapeArb(shape: number[], axis: GoldenValue | undefined): fc.Arbitrary<number[]> {
  const rank = shape.length;
  const list = axis === undefined ? [-1] : Array.isArray(axis) ? (axis as number[]) : [axis as number];
  if (list.length === 1 && list[0] === rank - 1) return broadcastableShapeArb(shape);
  const axes = reducedAxes(rank, axis, -1).sort((a, b) => a - b);
  const onAxes = axes.map((a) => shape[a]);
  return fc.oneof(
    fc.constant<number[]>(onAxes),
    fc.constant<number[]>([reducedSize(shape, axes)]),
    fc.array(fc.boolean(), { minLength: rank, maxLength: rank }).map((ones) => shape.map((d, i) => (ones[i] ? 1 : d))),
  );
}

/**
 * Per row of N values: the float32 mean is off by dm <= (N-1) u max|x| + u |mean|, the variance by
 * (N+2) u relatively plus dm^2, inv by half that plus 3 u; x * inv and mean * inv each round at
 * u (|x| + |mean|) inv before they cancel; gamma scales it all, beta adds u |beta|.
 */
function layerTolerance(x: GoldenTensor, axes: number[], gammaMax: number, betaMax: number, epsilon: number) {
  // A bool result is exact: it is 0 only where x equals its row's mean, which every sum gets exactly.
  if (x.dtype !== 'float32') return x.dtype === 'int32' ? TRUNCATION : undefined;
  const grouping = groupIds(x.shape, axes);
  const n = reducedSize(x.shape, axes);
  const finite = (i: number) => Number.isFinite(x.data[i]);
  const mean = groupSums(grouping, (i) => x.data[i] / n);
  const variance = groupSums(grouping, (i) => (x.data[i] - mean[grouping.ids[i]]) ** 2 / n);
  const top = new Float64Array(grouping.groups);
  grouping.ids.forEach((g, i) => (top[g] = finite(i) ? Math.max(top[g], Math.abs(x.data[i])) : top[g]));
  let worst = 0;
  grouping.ids.forEach((g, i) => {
    const [m, v] = [mean[g], variance[g] + epsilon];
    if (!finite(i) || !Number.isFinite(m) || !Number.isFinite(v) || !(v > 0)) return;
    const dm = Math.max(n - 1, 0) * U * top[g] + U * Math.abs(m);
    const inv = 1 / Math.sqrt(v);
    const relInv = ((n + 2) * U + dm ** 2 / v) / 2 + 3 * U;
    const err = (Math.abs(x.data[i] - m) * relInv + dm + U * (Math.abs(x.data[i]) + Math.abs(m))) * inv * gammaMax + U * betaMax;
    worst = Math.max(worst, err);
  });
  return boundTolerance(worst, 0, `float32 mean and variance of N=${n} values in any order, then x*inv + (beta - mean*inv) cancelling: |error| <= ${fmt(worst)}`);
}

function layerParamArb(shape: number[], axis: GoldenValue | undefined, kind: 'gamma' | 'beta'): fc.Arbitrary<GoldenTensor | null | undefined> {
  const tensor = layerParamShapeArb(shape, axis).chain((s) =>
    kind === 'gamma' ? floatTensorArb(s, { scales: [1, 2] }) : floatTensorArb(s, { scales: [1], offsets: [0, 1] }),
  );
  return maybe(fc.option(tensor));
}

function layerValid(): fc.Arbitrary<FuzzCall> {
  const calls = fc
    .tuple(mixedShapeArb(0, 4), dtypeArb(['float32', 'int32', 'bool']))
    .chain(([shape, dtype]) =>
      layerAxisArb(shape.length).chain((axis) =>
        fc.record({
          // Offsets stay small next to the spread: the variance's error grows with (mean error)^2 / variance.
          x: normX(shape, dtype, { scales: [0.01, 1, 10], offsets: [0, 0, 10], specials: MODERATE_SPECIALS }),
          gamma: layerParamArb(shape, axis, 'gamma'),
          beta: layerParamArb(shape, axis, 'beta'),
          axis: fc.constant(axis),
          // epsilon 0 only where sums are exact (int32, bool): a float32 constant row's mean may miss its
          // value by an ulp, and the variance of that miss, not 0, then decides the result.
          epsilon: maybe(fc.constantFrom<GoldenValue>(null, 1e-7, 1e-5, 1e-3, 0.5, 100, ...(dtype === 'float32' ? [] : [0]))),
        }),
      ),
    )
    .map((v) => {
      const axes = reducedAxes(v.x.shape.length, v.axis, -1);
      const most = (t: GoldenTensor | null | undefined) => (t ? maxAbsFinite(t) : 0);
      const epsilon = typeof v.epsilon === 'number' ? v.epsilon : 1e-7;
      return callOf('layer_normalization', v, layerTolerance(v.x, axes, v.gamma ? most(v.gamma) : 1, most(v.beta), epsilon));
    });
  return withConventions(calls);
}

/** x whose last dim is above 1, so that a vector one longer neither matches nor broadcasts. */
const wideX = someX.filter((x) => x.shape.at(-1)! > 1);

/** A vector one longer than x's last dim: reshaped or broadcast, it does not fit. */
const misfit = (v: Values, seed: number) => floats([(v.x as GoldenTensor).shape.at(-1)! + 1], seed);

/** Repeated or out-of-range axes, a float axis, a scale that does not broadcast, a string epsilon. */
function rmsFaults(): FaultSet<Values> {
  return {
    base: wideX.map((x) => ({ x })),
    faults: {
      axis: (v, seed) => ({ ...v, axis: badAxes(rankOf(v), seed) }),
      float_axis: (v, seed) => ({ ...v, axis: pick<GoldenValue>([[0.5], 1.5], seed) }),
      epsilon: (v) => ({ ...v, epsilon: 'a' }),
      scale: (v, seed) => ({ ...v, scale: misfit(v, seed) }),
    },
    call: (v) => callOf('rms_normalization', v),
    apart: [['axis', 'float_axis']],
  };
}

/** Repeated or out-of-range axes, None or a float axis, gamma or beta of the wrong size, a string epsilon. */
function layerFaults(): FaultSet<Values> {
  return {
    base: wideX.map((x) => ({ x })),
    faults: {
      axis: (v, seed) => ({ ...v, axis: badAxes(rankOf(v), seed) }),
      axis_type: (v, seed) => ({ ...v, axis: pick<GoldenValue>([null, 1.5], seed) }),
      epsilon: (v) => ({ ...v, epsilon: 'a' }),
      gamma: (v, seed) => ({ ...v, gamma: misfit(v, seed) }),
      beta: (v, seed) => ({ ...v, beta: misfit(v, seed) }),
    },
    call: (v) => callOf('layer_normalization', v),
    apart: [['axis', 'axis_type']],
  };
}

export const normalizationFaults = {
  moments: momentsFaults(),
  batch_normalization: bnFaults(),
  normalize: normalizeFaults(),
  rms_normalization: rmsFaults(),
  layer_normalization: layerFaults(),
};

export const normalizationGenerators = {
  moments: { valid: momentsValid(), invalid: invalidCalls(normalizationFaults.moments) },
  batch_normalization: { valid: bnValid(), invalid: invalidCalls(normalizationFaults.batch_normalization) },
  normalize: { valid: normalizeValid(), invalid: invalidCalls(normalizationFaults.normalize) },
  rms_normalization: { valid: rmsValid(), invalid: invalidCalls(normalizationFaults.rms_normalization) },
  layer_normalization: { valid: layerValid(), invalid: invalidCalls(normalizationFaults.layer_normalization) },
} satisfies Partial<Generators> & Record<NormalizationOp, OpGenerators>;
