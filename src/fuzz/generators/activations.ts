/**
 * Activations: the elementwise ops over ranks 0-4, every dtype Keras-JAX takes without a deviation,
 * magnitudes from subnormal to 1e4, a grid through every kink, the special values; softmax and
 * log_softmax over an int axis, None, or a tuple of axes; glu over an axis of even size; sparsemax over
 * an axis; threshold with its two numbers.
 */
import fc from 'fast-check';
import type { DType } from '../../dtypes.js';
import type { GoldenValue } from '../../golden/cases.js';
import { GoldenTensor } from '../../golden/safetensors.js';
import type { activations } from '../../ops/activations.js';
import { bools, callOf, ints, SPECIAL_FLOATS, type FuzzCall, type Generators, type OpGenerators } from '../call.js';
import { type Fault, type FaultSet, invalidCalls } from './faults.js';
import {
  axesArb,
  axisArb,
  boolTensorArb,
  dtypeArb,
  floatTensorArb,
  fmt,
  intTensorArb,
  loosened,
  maybe,
  mixedShapeArb,
  seedArb,
  shapeArb,
  sizeOf,
  U,
} from './draws.js';

type SoftmaxOp = 'softmax' | 'log_softmax';
type Elementwise = Exclude<keyof typeof activations, SoftmaxOp | 'glu' | 'sparsemax' | 'threshold'>;

/** Magnitudes from subnormal to saturating; every transcendental has its tails in there. */
const SCALES = [1e-39, 0.1, 1, 3, 10, 100, 1e4];

/** Quarter steps in [-8, 8]: hits 0, +-3 and 6 exactly, where relu6, hard_sigmoid and hard_silu bend. */
const gridArb = (shape: number[]) =>
  seedArb.map((seed) => {
    const q = ints(shape, -32, 33, seed);
    return new GoldenTensor('', 'float32', shape, Float32Array.from(q.data, (v) => v / 4));
  });

/**
 * int32 inputs: small values, and large ones (Keras-JAX does integer arithmetic such as abs(x) + 1 or
 * x - max before promoting; +-2^30 keeps that from wrapping around, as in the golden catalogue).
 */
const INT_RANGES = [[-8, 9], [-1000, 1001], [-(2 ** 30), 2 ** 30]] as const;

/**
 * squareplus squares an int32 x in int32 in Keras-JAX, which wraps past 46340; keras-parity squares in
 * float32 (docs/deviations.md), so its ints stay below.
 */
const SQUARABLE_RANGES = [[-8, 9], [-1000, 1001], [-46340, 46341]] as const;

type IntRanges = readonly (readonly [number, number])[];

function inputArb(shape: number[], dtype: DType, intRanges: IntRanges = INT_RANGES): fc.Arbitrary<GoldenTensor> {
  if (dtype === 'int32') return intTensorArb(shape, intRanges);
  if (dtype === 'bool') return boolTensorArb(shape);
  return fc.oneof(
    { arbitrary: floatTensorArb(shape, { scales: SCALES, specials: SPECIAL_FLOATS }), weight: 4 },
    { arbitrary: gridArb(shape), weight: 1 },
  );
}

/** x of a dtype from `dtypes`, rank 0 to 4 (empty tensors included). */
function xArb(dtypes: readonly DType[], intRanges: IntRanges = INT_RANGES): fc.Arbitrary<GoldenTensor> {
  return fc.tuple(mixedShapeArb(0, 4), dtypeArb(dtypes)).chain(([shape, dtype]) => inputArb(shape, dtype, intRanges));
}

/** A float keyword: any value in a range, the common ones, and Python ints (Keras takes any number). */
const numberArb = (min: number, max: number, common: number[]) =>
  fc.oneof(fc.double({ min, max, noNaN: true }), fc.constantFrom(...common));

/**
 * Keras-JAX's dtype rules per op (src/ops/activations.ts): int32 and bool promote or stay, except where
 * JAX raises. sigmoid and silu of int32 are documented deviations (we promote), so not generated.
 */
const DTYPES: Record<Elementwise, readonly DType[]> = {
  relu: ['float32', 'int32', 'bool'],
  relu6: ['float32', 'int32', 'bool'],
  sigmoid: ['float32'],
  softplus: ['float32', 'int32', 'bool'],
  softsign: ['float32', 'int32', 'bool'],
  silu: ['float32'],
  log_sigmoid: ['float32', 'int32'],
  leaky_relu: ['float32', 'int32', 'bool'],
  hard_sigmoid: ['float32', 'int32', 'bool'],
  hard_silu: ['float32', 'int32', 'bool'],
  elu: ['float32', 'int32', 'bool'],
  selu: ['float32', 'int32', 'bool'],
  gelu: ['float32', 'int32', 'bool'],
  celu: ['float32', 'int32', 'bool'],
  hard_shrink: ['float32', 'int32', 'bool'],
  hard_tanh: ['float32', 'int32', 'bool'],
  soft_shrink: ['float32', 'int32', 'bool'],
  squareplus: ['float32', 'int32', 'bool'],
  tanh_shrink: ['float32', 'int32', 'bool'],
  sparse_plus: ['float32', 'int32', 'bool'],
  sparse_sigmoid: ['float32', 'int32', 'bool'],
};

const KEYWORDS: Partial<Record<Elementwise, Record<string, fc.Arbitrary<GoldenValue>>>> = {
  leaky_relu: { negative_slope: numberArb(-2, 3, [0.2, 0.01, 0, 1, 3, -1]) },
  elu: { alpha: numberArb(-2, 3, [1, 0.5, 0, 2, -1]) },
  gelu: { approximate: fc.boolean() },
  celu: { alpha: numberArb(-2, 3, [1, 0.5, 2, 0, -1, 1e-3]) },
  hard_shrink: { threshold: numberArb(-1, 3, [0.5, 0, 1, 2, -0.5]) },
  soft_shrink: { threshold: numberArb(-1, 3, [0.5, 0, 1, 2, -0.5]) },
  squareplus: { b: numberArb(-4, 100, [4, 0, 1, 0.25, -4]) },
};

/**
 * Keras-JAX's leaky_relu of an int32 or bool x with a Python-int slope stays int32 (jnp.where of int
 * products); keras-parity cannot tell 1 from 1.0 and returns float32. Not a documented deviation, so
 * such calls are left out until one side changes: int and bool x get a non-integer slope.
 */
function slopeFitsDtype(values: Record<string, unknown>): boolean {
  const slope = values.negative_slope;
  const x = values.x as GoldenTensor;
  return x.dtype === 'float32' || slope === undefined || !Number.isInteger(slope);
}

function elementwiseValid(op: Elementwise): fc.Arbitrary<FuzzCall> {
  const keywords = Object.fromEntries(Object.entries(KEYWORDS[op] ?? {}).map(([k, arb]) => [k, maybe(arb)]));
  return fc
    .record({ x: xArb(DTYPES[op], op === 'squareplus' ? SQUARABLE_RANGES : INT_RANGES), ...keywords })
    .filter(slopeFitsDtype)
    .map((values) => callOf(op, values));
}

/**
 * What Keras rejects for every elementwise op: an x numpy cannot make a numeric array of (a string, a
 * ragged nesting; None is not here: numpy makes it NaN and Keras returns NaN) and, per op, a bool x JAX
 * refuses and keywords that are not numbers.
 */
const NOT_A_TENSOR: GoldenValue[] = ['abc', [[1.5, 2.5], [3.5]]];

const BOOL_REJECTED: Elementwise[] = ['sigmoid', 'silu', 'log_sigmoid'];

const BAD_KEYWORDS: Partial<Record<Elementwise, Record<string, GoldenValue[]>>> = {
  leaky_relu: { negative_slope: ['a', null, [0.1, 0.2]] },
  elu: { alpha: ['a', null] },
  celu: { alpha: ['a', null] },
  hard_shrink: { threshold: ['a', null] },
  soft_shrink: { threshold: ['a', null] },
  squareplus: { b: ['a', null] },
};

type Values = Record<string, GoldenValue | undefined>;
const pick = <T>(xs: readonly T[], seed: number) => xs[seed % xs.length];

function elementwiseFaults(op: Elementwise): FaultSet<Values> {
  const faults: Record<string, Fault<Values>> = {};
  for (const [name, bads] of Object.entries(BAD_KEYWORDS[op] ?? {})) faults[name] = (v, seed) => ({ ...v, [name]: pick(bads, seed) });
  if (BOOL_REJECTED.includes(op)) faults.bool_x = (v, seed) => ({ ...v, x: bools((v.x as GoldenTensor).shape, seed) });
  // Declared last: it replaces the x the others read.
  faults.not_a_tensor = (v, seed) => ({ ...v, x: pick(NOT_A_TENSOR, seed) });
  return {
    base: shapeArb({ minRank: 1, maxRank: 3 }).chain((s) => inputArb(s, 'float32')).map((x) => ({ x })),
    faults,
    call: (v) => callOf(op, v),
    apart: [['bool_x', 'not_a_tensor']],
  };
}

function elementwise(op: Elementwise): OpGenerators {
  return { valid: elementwiseValid(op), invalid: invalidCalls(elementwiseFaults(op)) };
}

// ----------------------------------------------------------------------------------- softmax family

/** Keras's axis forms: left out (-1), an int (negative too), None (all), a tuple of axes in [0, rank). */
function softmaxAxisArb(rank: number): fc.Arbitrary<GoldenValue | undefined> {
  const forms: fc.WeightedArbitrary<GoldenValue | undefined>[] = [
    { arbitrary: fc.constant(null), weight: 1 },
    // The tuple path reshapes to (*kept, -1), which JAX cannot do for an empty x: non-empty only.
    { arbitrary: axesArb(rank), weight: 2 },
  ];
  if (rank > 0) forms.push({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: axisArb(rank), weight: 3 });
  return fc.oneof(...forms);
}

/** The elements one softmax normalises over. */
function groupSize(shape: readonly number[], axis: GoldenValue | undefined): number {
  if (axis === null) return sizeOf(shape);
  if (axis === undefined) return shape[shape.length - 1];
  if (typeof axis === 'number') return shape[axis < 0 ? axis + shape.length : axis];
  return sizeOf((axis as number[]).map((a) => shape[a]));
}

/**
 * The sum of N positive exponentials, rounded in any order, is off by at most (N - 1) * 2^-24 relatively
 * in each float32 implementation; softmax divides by it (a relative error), log_softmax subtracts its log
 * (an absolute one). Twice that: both Keras and the backend round.
 */
function softmaxTolerance(op: SoftmaxOp, n: number) {
  const bound = 2 * Math.max(n - 1, 0) * U;
  const why = `float32 sum of N=${n} exponentials in any order: error <= (N-1)*2^-24 = ${fmt(bound / 2)} of the sum per implementation, twice for two`;
  return loosened(op === 'softmax' ? { rtol: bound } : { atol: bound }, `${why} (${op === 'softmax' ? 'relative' : 'absolute, via log'})`);
}

/** Large offsets test the max subtraction; ints up to 2^30 keep Keras-JAX's int32 x - max from wrapping. */
function softmaxXArb(shape: number[], dtype: DType): fc.Arbitrary<GoldenTensor> {
  if (dtype === 'int32') return intTensorArb(shape, [[-20, 21], [-(2 ** 30), 2 ** 30]]);
  return floatTensorArb(shape, { scales: [0.1, 1, 5, 100, 1e4], offsets: [0, 0, 1e4, -1e4], specials: SPECIAL_FLOATS });
}

function softmaxValid(op: SoftmaxOp): fc.Arbitrary<FuzzCall> {
  return fc
    .tuple(mixedShapeArb(0, 4), dtypeArb(['float32', 'int32']))
    .chain(([shape, dtype]) => {
      const axis = softmaxAxisArb(shape.length).filter((a) => !(Array.isArray(a) && sizeOf(shape) === 0));
      return fc.tuple(softmaxXArb(shape, dtype), axis);
    })
    .map(([x, axis]) => callOf(op, { x, axis }, softmaxTolerance(op, groupSize(x.shape, axis))));
}

/**
 * Axes Keras rejects: an int past the rank, a tuple with a negative, repeated or too large entry
 * (Keras builds a transpose permutation from it unchecked), a float or string; and a bool x.
 */
function softmaxFaults(op: SoftmaxOp): FaultSet<Values> {
  const rank = (v: Values) => (v.x as GoldenTensor).shape.length;
  const badAxis = (r: number, seed: number): GoldenValue => {
    const a = seed % r;
    const k = Math.floor(seed / 7) % 3;
    // A string fails in JAX as an unbound collective axis name (NameError): not a class to pin.
    return pick<GoldenValue>([seed % 2 ? r + k : -r - 1 - k, [a, a - r], [a, a], [0, r + k], 1.5], Math.floor(seed / 3));
  };
  const base = shapeArb({ minRank: 1, maxRank: 4, empty: false })
    .chain((shape) => fc.tuple(softmaxXArb(shape, 'float32'), maybe(axisArb(shape.length))))
    .map(([x, axis]): Values => ({ x, axis }));
  return {
    base,
    faults: {
      axis: (v, seed) => ({ ...v, axis: badAxis(rank(v), seed) }),
      bool_x: (v, seed) => ({ ...v, x: bools((v.x as GoldenTensor).shape, seed) }),
    },
    call: (v) => callOf(op, v),
  };
}

function softmaxLike(op: SoftmaxOp): OpGenerators {
  return { valid: softmaxValid(op), invalid: invalidCalls(softmaxFaults(op)) };
}

// ------------------------------------------------------------------------------------------ glu

/** x of rank 1 to 4 whose split axis (left out: -1) has an even size; float32 only (JAX's logistic rejects ints). */
function gluValues(): fc.Arbitrary<Values> {
  return mixedShapeArb(1, 4)
    .chain((shape) => fc.tuple(fc.constant(shape), maybe(axisArb(shape.length))))
    .chain(([shape, axis]) => {
      const a = axis === undefined ? shape.length - 1 : axis < 0 ? axis + shape.length : axis;
      const even = shape.map((d, i) => (i === a ? d + (d % 2) : d));
      return inputArb(even, 'float32').map((x): Values => ({ x, axis }));
    });
}

/** An axis past the rank (IndexError), or not an int (TypeError); rank is x's. */
function badAxis(rank: number, seed: number): GoldenValue {
  const k = Math.floor(seed / 7) % 3;
  return pick<GoldenValue>([rank + k, -rank - 1 - k, 1.5, null], seed);
}

/**
 * An odd axis size is left out: keras-parity raises Keras's symbolic ValueError where JAX's eager
 * assertion is an AssertionError (docs/deviations.md; the golden cases glu/error-odd-* hold it).
 */
function gluFaults(): FaultSet<Values> {
  return {
    base: gluValues(),
    faults: {
      axis: (v, seed) => ({ ...v, axis: badAxis((v.x as GoldenTensor).shape.length, seed) }),
      bool_x: (v, seed) => ({ ...v, x: bools((v.x as GoldenTensor).shape, seed) }),
      not_a_tensor: (v, seed) => ({ ...v, x: pick(NOT_A_TENSOR, seed) }),
    },
    call: (v) => callOf('glu', v),
    apart: [['bool_x', 'not_a_tensor']],
  };
}

// ------------------------------------------------------------------------------------ sparsemax

/**
 * x of rank 1 to 4 (sparsemax of a scalar has no axis). Ints stay small: Keras's tau sums float32
 * cumulative sums in XLA's order, so at 2^30 the order alone moves x - tau by more than its size.
 */
function sparsemaxXArb(shape: number[], dtype: DType): fc.Arbitrary<GoldenTensor> {
  if (dtype === 'int32') return intTensorArb(shape, [[-8, 9], [-1000, 1001]]);
  if (dtype === 'bool') return boolTensorArb(shape);
  return floatTensorArb(shape, { scales: [0.1, 1, 3, 10, 100], specials: SPECIAL_FLOATS });
}

function sparsemaxValues(dtypes: readonly DType[]): fc.Arbitrary<Values> {
  return fc
    .tuple(mixedShapeArb(1, 4), dtypeArb(dtypes))
    .chain(([shape, dtype]) => fc.tuple(sparsemaxXArb(shape, dtype), maybe(axisArb(shape.length))))
    .map(([x, axis]): Values => ({ x, axis }));
}

function sparsemaxFaults(): FaultSet<Values> {
  return {
    base: sparsemaxValues(['float32']),
    faults: {
      axis: (v, seed) => ({ ...v, axis: badAxis((v.x as GoldenTensor).shape.length, seed) }),
      not_a_tensor: (v, seed) => ({ ...v, x: pick(NOT_A_TENSOR, seed) }),
    },
    call: (v) => callOf('sparsemax', v),
  };
}

// ------------------------------------------------------------------------------------ threshold

/**
 * threshold's two numbers. An int32 or bool x stays int32 with an integer default_value (a Python int
 * on the wire) and becomes float32 with a fractional one, as in Keras.
 */
function thresholdValues(): fc.Arbitrary<Values> {
  return fc.record({
    x: xArb(['float32', 'int32', 'bool']),
    threshold: numberArb(-3, 3, [0, 0.5, 1, -1, 2]),
    default_value: numberArb(-5, 5, [0, -1, 1, 0.5, -2.5]),
  });
}

function thresholdFaults(): FaultSet<Values> {
  const bad: GoldenValue[] = ['a', null];
  return {
    base: thresholdValues(),
    faults: {
      threshold: (v, seed) => ({ ...v, threshold: pick(bad, seed) }),
      default_value: (v, seed) => ({ ...v, default_value: pick(bad, seed) }),
      not_a_tensor: (v, seed) => ({ ...v, x: pick(NOT_A_TENSOR, seed) }),
    },
    call: (v) => callOf('threshold', v),
  };
}

const ELEMENTWISE = Object.keys(DTYPES) as Elementwise[];

export const activationsFaults = {
  ...Object.fromEntries(ELEMENTWISE.map((op) => [op, elementwiseFaults(op)])),
  softmax: softmaxFaults('softmax'),
  log_softmax: softmaxFaults('log_softmax'),
  glu: gluFaults(),
  sparsemax: sparsemaxFaults(),
  threshold: thresholdFaults(),
} as Record<keyof typeof activations, FaultSet<Values>>;

export const activationsGenerators = {
  ...(Object.fromEntries(ELEMENTWISE.map((op) => [op, elementwise(op)])) as Record<Elementwise, OpGenerators>),
  softmax: softmaxLike('softmax'),
  log_softmax: softmaxLike('log_softmax'),
  glu: { valid: gluValues().map((v) => callOf('glu', v)), invalid: invalidCalls(activationsFaults.glu) },
  sparsemax: {
    valid: sparsemaxValues(['float32', 'int32', 'bool']).map((v) => callOf('sparsemax', v)),
    invalid: invalidCalls(activationsFaults.sparsemax),
  },
  threshold: {
    valid: thresholdValues().map((v) => callOf('threshold', v)),
    invalid: invalidCalls(activationsFaults.threshold),
  },
} satisfies Partial<Generators> & Record<keyof typeof activations, OpGenerators>;
