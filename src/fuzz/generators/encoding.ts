/**
 * one_hot and multi_hot: labels of rank 0 to 4 (int32, float32 compared by equality, bool for
 * multi_hot), in and out of [0, num_classes), every axis JAX takes, dtype None or one of the three.
 * sparse=True is a documented deviation (UnsupportedError), so sparse is only ever left out or False.
 */
import fc from 'fast-check';
import type { DType } from '../../dtypes.js';
import type { GoldenValue } from '../../golden/cases.js';
import { GoldenTensor } from '../../golden/safetensors.js';
import type { encoding } from '../../ops/encoding.js';
import { bools, callOf, ints, type FuzzCall, type Generators, type OpGenerators } from '../call.js';
import { type Fault, type FaultSet, invalidCalls } from './faults.js';
import { boolTensorArb, dtypeArb, intTensorArb, maybe, seedArb, shapeArb, withConventions } from './draws.js';

type EncodingOp = keyof typeof encoding;

const classesArb = fc.oneof({ arbitrary: fc.integer({ min: 1, max: 9 }), weight: 12 }, { arbitrary: fc.constant(0), weight: 1 });

/** Labels: mostly in range, some negative or past num_classes (a zero row in Keras), int32 extremes. */
function intLabels(shape: number[], c: number): fc.Arbitrary<GoldenTensor> {
  return intTensorArb(shape, [[0, Math.max(c, 1)], [0, Math.max(c, 1)], [-3, c + 3], [-(2 ** 31), 2 ** 31 - 1]]);
}

/**
 * Float labels for one_hot, which JAX compares with arange(num_classes): whole numbers (matching), halves
 * (never matching), and NaN, infinities and -0 (-0 == 0 matches class 0).
 */
function floatLabels(shape: number[], c: number): fc.Arbitrary<GoldenTensor> {
  const SPECIAL = [NaN, Infinity, -Infinity, -0];
  return fc.tuple(seedArb, fc.constantFrom(0, 0, 0.5), fc.constantFrom(0, 0.2)).map(([seed, half, pSpecial]) => {
    const base = ints(shape, -2, c + 2, seed);
    const special = ints(shape, 0, 1000, seed + 1);
    const data = Float32Array.from(base.data, (v, i) =>
      special.data[i] < pSpecial * 1000 ? SPECIAL[special.data[i] % SPECIAL.length] : v + (v % 2 === 0 ? half : 0),
    );
    return new GoldenTensor('', 'float32', shape, data);
  });
}

/**
 * Float inputs for multi_hot, cast to int32 first (truncation toward zero): values in (-2, c + 2), no
 * NaN or infinity (their int32 cast is XLA's business, not Keras's).
 */
function truncatedLabels(shape: number[], c: number): fc.Arbitrary<GoldenTensor> {
  return seedArb.map((seed) => {
    const q = ints(shape, -7, 4 * (c + 2), seed);
    return new GoldenTensor('', 'float32', shape, Float32Array.from(q.data, (v) => v / 4));
  });
}

function labelsArb(op: EncodingOp, shape: number[], dtype: DType, c: number): fc.Arbitrary<GoldenTensor> {
  if (dtype === 'int32') return intLabels(shape, c);
  if (dtype === 'bool') return boolTensorArb(shape);
  return op === 'one_hot' ? floatLabels(shape, c) : truncatedLabels(shape, c);
}

/**
 * Where the class dim goes. Keras's symbolic spec takes -1 and [0, rank); eager JAX also rank and the
 * other negatives down to -(rank + 1), about one call in eight here.
 */
function classAxisArb(rank: number): fc.Arbitrary<number | undefined> {
  const symbolic = rank > 0 ? fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: rank - 1 })) : fc.constant(-1);
  const eagerOnly = rank > 0 ? fc.oneof(fc.constant(rank), fc.integer({ min: -rank - 1, max: -2 })) : fc.constant(0);
  return fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 3 },
    { arbitrary: symbolic, weight: 4 },
    { arbitrary: eagerOnly, weight: 1 },
  );
}

const outDtypeArb = maybe(fc.constantFrom<GoldenValue>(null, 'float32', 'int32', 'bool'));
const sparseArb = maybe(fc.constant(false));

/** x, num_classes, axis, dtype and sparse for either op; the label dtypes each op takes. */
function encodingValues(op: EncodingOp) {
  const dtypes: DType[] = op === 'one_hot' ? ['int32', 'float32'] : ['int32', 'float32', 'bool'];
  return fc
    .tuple(shapeArb({ minRank: 0, maxRank: 4, maxSize: 512 }), dtypeArb(dtypes, { int32: 6, float32: 2, bool: 1 }), classesArb)
    .chain(([shape, dtype, c]) =>
      fc.record({
        x: labelsArb(op, shape, dtype, c),
        num_classes: fc.constant(c),
        axis: classAxisArb(shape.length),
        dtype: outDtypeArb,
        sparse: sparseArb,
      }),
    );
}

function oneHotValid(): fc.Arbitrary<FuzzCall> {
  return withConventions(encodingValues('one_hot').map(({ x, ...rest }) => callOf('one_hot', { x, ...rest })));
}

/** multi_hot reduces dim 1 (0 for rank <= 1) of the one-hot tensor; JAX raises where that dim is empty. */
function reducedDimSize(shape: readonly number[], c: number, axis: number | undefined): number {
  const rank = shape.length;
  const a = axis === undefined ? rank : axis < 0 ? axis + rank + 1 : axis;
  const oneHot = [...shape.slice(0, a), c, ...shape.slice(a)];
  return oneHot[rank > 1 ? 1 : 0];
}

/** num_classes by keyword, now and then by its legacy name num_tokens (Keras still takes it). */
function multiHotValid(): fc.Arbitrary<FuzzCall> {
  const values = encodingValues('multi_hot').filter((v) => reducedDimSize(v.x.shape, v.num_classes, v.axis) > 0);
  const legacy = fc.oneof({ arbitrary: fc.constant(false), weight: 7 }, { arbitrary: fc.constant(true), weight: 1 });
  return fc.tuple(withConventions(values.map(({ x, ...rest }) => callOf('multi_hot', { inputs: x, ...rest }))), legacy).map(([call, useLegacy]) => {
    if (!useLegacy || !('num_classes' in call.kwargs)) return call;
    const { num_classes, ...kwargs } = call.kwargs;
    return { ...call, kwargs: { ...kwargs, num_tokens: num_classes } };
  });
}

/** Small int labels for the invalid calls. */
const smallLabels = shapeArb({ minRank: 0, maxRank: 3, empty: false }).chain((shape) => intLabels(shape, 4));

type Values = Record<string, GoldenValue | undefined>;
const pick = <T>(xs: readonly T[], seed: number) => xs[seed % xs.length];
const rankOf = (v: Values) => (v.x instanceof GoldenTensor ? v.x.shape.length : 0);

/**
 * What Keras rejects in both: an axis past what JAX takes, num_classes negative, a float or a string,
 * an unknown dtype name, a string for x (declared last: the others read x's rank).
 */
const SHARED_FAULTS: Record<string, Fault<Values>> = {
  axis: (v, seed) => {
    const r = rankOf(v);
    return { ...v, axis: seed % 2 ? r + 1 + (seed % 3) : -r - 2 - (seed % 3) };
  },
  num_classes: (v, seed) => ({ ...v, num_classes: pick<GoldenValue>([-1, -5, 2.5, '4'], seed) }),
  dtype: (v, seed) => ({ ...v, dtype: pick(['foo', 'float8'], seed) }),
};
const notATensor: Fault<Values> = (v) => ({ ...v, x: 'abc' });

function oneHotFaults(): FaultSet<Values> {
  return {
    base: smallLabels.map((x) => ({ x, num_classes: 4 })),
    faults: {
      ...SHARED_FAULTS,
      num_classes_none: (v) => ({ ...v, num_classes: null }),
      // JAX compares labels with arange(num_classes); a bool array has no such comparison.
      bool_x: (v, seed) => ({ ...v, x: bools(v.x instanceof GoldenTensor && v.x.shape.length ? v.x.shape : [2], seed) }),
      x: notATensor,
    },
    call: (v) => callOf('one_hot', v),
    apart: [['num_classes', 'num_classes_none'], ['bool_x', 'x']],
  };
}

function multiHotFaults(): FaultSet<Values> {
  // The reduced dim is empty: num_classes 0 put there by `axis`, or an input dim 1 of size 0.
  const noClasses = shapeArb({ minRank: 0, maxRank: 3, maxSize: 64 }).chain((shape) =>
    intLabels(shape, 2).map((x) => ({ x, num_classes: 0, axis: shape.length > 1 ? 1 : 0 })),
  );
  const emptyDim = fc
    .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 4 }), classesArb)
    .chain(([n, m, c]) => intLabels([n, 0, m].slice(0, m === 0 ? 2 : 3), c).map((x) => ({ x, num_classes: Math.max(c, 1) })));
  const call = ({ x, ...rest }: Values) => callOf('multi_hot', { inputs: x, ...rest });
  return {
    base: smallLabels.map((x) => ({ x, num_classes: 4 })),
    faults: {
      ...SHARED_FAULTS,
      // num_classes left out, or None.
      num_classes_missing: (v, seed) => ({ ...v, num_classes: pick([undefined, null], seed) }),
      x: notATensor,
    },
    call,
    apart: [['num_classes', 'num_classes_missing']],
    alone: [noClasses.map(call), emptyDim.map(call)],
  };
}

export const encodingFaults = { one_hot: oneHotFaults(), multi_hot: multiHotFaults() };

export const encodingGenerators = {
  one_hot: { valid: oneHotValid(), invalid: invalidCalls(encodingFaults.one_hot) },
  multi_hot: { valid: multiHotValid(), invalid: invalidCalls(encodingFaults.multi_hot) },
} satisfies Partial<Generators> & Record<EncodingOp, OpGenerators>;
