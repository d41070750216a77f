/**
 * max_pool and average_pool: 1-D to 3-D, either data_format (or the default), 'valid' and 'same' in any
 * case, int or tuple windows and strides (strides wider than the window too), int32 and bool inputs where
 * Keras-JAX takes them, special values. `strides` is always given: Keras 3.6.0 on JAX fails for
 * strides=None, a deviation (docs/deviations.md).
 * adaptive_max_pool and adaptive_average_pool: the same layouts and dtypes, output sizes from 1 to past
 * twice the input, int or tuple (in 1-D now and then a longer tuple, of which Keras reads the first).
 */
import fc from 'fast-check';
import type { DType } from '../../dtypes.js';
import type { GoldenValue } from '../../golden/cases.js';
import type { GoldenTensor } from '../../golden/safetensors.js';
import type { pooling } from '../../ops/pooling.js';
import { bools, callOf, floats, SPECIAL_FLOATS, type FuzzCall, type Generators, type OpGenerators } from '../call.js';
import { type Fault, type FaultSet, invalidCalls } from './faults.js';
import { boolTensorArb, dtypeArb, floatTensorArb, fmt, intTensorArb, loosened, maxAbsFinite, sizeOf, U } from './draws.js';

type PoolOp = 'max_pool' | 'average_pool';
type AdaptiveOp = Exclude<keyof typeof pooling, PoolOp>;

/**
 * average_pool's specials are the non-finite ones, signed zeros and tiny values. Not +-3e38: two of
 * them overflow XLA's float32 sum to inf where the reference's float64 sum stays finite (a documented
 * deviation); not 1e30 either: the summation bound below scales with max|x| and would say nothing.
 */
const AVERAGE_SPECIALS = SPECIAL_FLOATS.filter((v) => !Number.isFinite(v) || Math.abs(v) < 1);

interface PoolDraw {
  spatial: number[];
  batch: number;
  channels: number;
  channelsFirst: boolean;
  /** What data_format is sent: left out (channels_last), or a spelling of it. */
  dataFormat: string | undefined;
  poolSize: number[];
  strides: number[];
  padding: string | undefined;
}

/** Keras lower-cases both strings, so any case is the same call. */
const dataFormatArb = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 2 },
  { arbitrary: fc.constantFrom('channels_last', 'channels_first'), weight: 6 },
  { arbitrary: fc.constantFrom('Channels_Last', 'CHANNELS_FIRST'), weight: 1 },
);
const paddingArb = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 2 },
  { arbitrary: fc.constantFrom('valid', 'same'), weight: 6 },
  { arbitrary: fc.constantFrom('SAME', 'Valid'), weight: 1 },
);

const isSame = (padding: string | undefined) => padding?.toLowerCase() === 'same';

/**
 * Windows up to 4 wide. With 'valid' a window fits the input, except about one call in twenty where it
 * is wider: JAX then returns an empty dim, which Keras's symbolic shape check rejects.
 */
function windowArb(n: number, same: boolean): fc.Arbitrary<number> {
  if (same) return fc.integer({ min: 1, max: 5 });
  const fits = fc.integer({ min: 1, max: Math.min(n, 4) });
  return fc.oneof({ arbitrary: fits, weight: 19 }, { arbitrary: fc.integer({ min: n + 1, max: n + 2 }), weight: 1 });
}

/** Spatial sizes up to 16 / 10 / 6 for 1-D / 2-D / 3-D, and one call in ten up to 4 times that. */
/** Mostly 1 to 3, now and then an empty batch. */
const batchArb = fc.oneof({ arbitrary: fc.integer({ min: 1, max: 3 }), weight: 15 }, { arbitrary: fc.constant(0), weight: 1 });

function spatialArb(nd: number): fc.Arbitrary<number[]> {
  const maxN = nd === 3 ? 6 : nd === 2 ? 10 : 16;
  const dims = (max: number) => fc.array(fc.integer({ min: 1, max }), { minLength: nd, maxLength: nd });
  return fc.oneof({ arbitrary: dims(maxN), weight: 9 }, { arbitrary: dims(4 * maxN), weight: 1 });
}

function geometryArb(nd: number): fc.Arbitrary<PoolDraw> {
  return fc
    .record({
      spatial: spatialArb(nd),
      batch: batchArb,
      channels: fc.integer({ min: 1, max: 6 }),
      dataFormat: dataFormatArb,
      padding: paddingArb,
    })
    .chain((g) =>
      fc
        .record({
          poolSize: fc.tuple(...g.spatial.map((n) => windowArb(n, isSame(g.padding)))),
          strides: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: nd, maxLength: nd }),
        })
        .map(({ poolSize, strides }) => ({
          ...g,
          poolSize: [...poolSize],
          strides,
          channelsFirst: g.dataFormat?.toLowerCase() === 'channels_first',
        })),
    );
}

function inputShape(g: PoolDraw): number[] {
  return g.channelsFirst ? [g.batch, g.channels, ...g.spatial] : [g.batch, ...g.spatial, g.channels];
}

/** An int when every entry is equal (half the time), else the tuple. */
function spatialArg(values: number[]): fc.Arbitrary<GoldenValue> {
  return values.every((v) => v === values[0]) ? fc.constantFrom<GoldenValue>(values[0], values) : fc.constant(values);
}

function inputArb(op: PoolOp, shape: number[], dtype: DType): fc.Arbitrary<GoldenTensor> {
  if (dtype === 'bool') return boolTensorArb(shape);
  if (dtype === 'int32') {
    // average_pool sums in int32 first: |x| <= 1e6 over at most 64 elements stays clear of wrapping.
    return intTensorArb(shape, op === 'max_pool' ? [[-9, 10], [-(2 ** 31), 2 ** 31 - 1]] : [[-9, 10], [-1e6, 1e6]]);
  }
  const specials = op === 'max_pool' ? SPECIAL_FLOATS : AVERAGE_SPECIALS;
  return floatTensorArb(shape, { scales: [1, 10, 1e3], specials });
}

/**
 * The mean of a window of K elements: each float32 implementation sums them in its own order, off by at
 * most (K - 1) * 2^-24 * sum|x| before dividing by the count (at most K), so by (K - 1) * 2^-24 * max|x|
 * after; twice that between two implementations.
 */
function averageTolerance(x: GoldenTensor, poolSize: number[]) {
  const k = sizeOf(poolSize);
  const m = maxAbsFinite(x);
  const bound = 2 * (k - 1) * U * m;
  if (x.dtype !== 'float32' || bound === 0) return undefined;
  return loosened({ atol: bound }, `float32 sum of a K=${k} window in any order: |error| <= 2 * (K-1) * 2^-24 * max|x| (${fmt(m)}) = ${fmt(bound)}`);
}

function poolValid(op: PoolOp): fc.Arbitrary<FuzzCall> {
  const dtypes: DType[] = op === 'max_pool' ? ['float32', 'int32', 'bool'] : ['float32', 'int32'];
  return fc
    .tuple(fc.integer({ min: 1, max: 3 }), dtypeArb(dtypes))
    .chain(([nd, dtype]) => geometryArb(nd).map((g) => [g, dtype] as const))
    .filter(([g]) => sizeOf(inputShape(g)) <= 20000)
    .chain(([g, dtype]) =>
      fc.record({
        g: fc.constant(g),
        inputs: inputArb(op, inputShape(g), dtype),
        pool_size: spatialArg(g.poolSize),
        strides: spatialArg(g.strides),
      }),
    )
    .map(({ g, inputs, pool_size, strides }) => {
      const values = { inputs, pool_size, strides, padding: g.padding, data_format: g.dataFormat };
      return callOf(op, values, op === 'average_pool' ? averageTolerance(inputs, g.poolSize) : undefined);
    });
}

/**
 * What Keras rejects: a padding or data_format it does not know, an input of rank 0 or 1, a window or
 * stride tuple of the wrong length, a window or stride below 1, a float window (Python's own TypeError
 * in Keras's code: its class is compared, not its words); bool for average_pool.
 */
function poolFaults(op: PoolOp): FaultSet<PoolValues> {
  const base = fc
    .integer({ min: 1, max: 3 })
    .chain((nd) => geometryArb(nd))
    .filter((g) => !g.poolSize.some((k, i) => k > g.spatial[i]))
    .chain((g) => fc.tuple(fc.constant(g), inputArb(op, inputShape(g), 'float32')))
    .map(([g, inputs]): PoolValues => ({ inputs, pool_size: g.poolSize, strides: g.strides, padding: g.padding, data_format: g.dataFormat }));
  const pick = <T>(xs: readonly T[], seed: number) => xs[seed % xs.length];
  const nd = (v: PoolValues) => (v.inputs as GoldenTensor).shape.length - 2;
  const faults: Record<string, Fault<PoolValues>> = {
    padding: (v, seed) => ({ ...v, padding: pick(['full', 'causal', 'same_lower', ''], seed) }),
    data_format: (v, seed) => ({ ...v, data_format: pick(['channels_middle', 'NHWC'], seed) }),
    pool_size_length: (v, seed) => ({ ...v, pool_size: Array<number>(nd(v) + (seed % 2 ? 1 : -1)).fill(1) }),
    pool_size_nonpositive: (v, seed) => ({ ...v, pool_size: pick([0, -1], seed) }),
    pool_size_float: (v) => ({ ...v, pool_size: 1.5 }),
    strides_nonpositive: (v, seed) => ({ ...v, strides: pick([0, -2], seed) }),
  };
  if (op === 'average_pool') {
    const input = (v: PoolValues) => v.inputs as GoldenTensor;
    faults.bool_input = (v, seed) => ({ ...v, inputs: bools(input(v).shape, seed) });
  }
  const rank01 = fc
    .array(fc.integer({ min: 1, max: 5 }), { maxLength: 1 })
    .chain((shape) => floatTensorArb(shape).map((inputs) => callOf(op, { inputs, pool_size: 1, strides: 1 })));
  return {
    base,
    faults,
    call: (v) => callOf(op, v),
    // Each replaces the pool_size another one spoilt.
    apart: [['pool_size_length', 'pool_size_nonpositive'], ['pool_size_length', 'pool_size_float'], ['pool_size_nonpositive', 'pool_size_float']],
    alone: [rank01],
  };
}

type PoolValues = Record<string, GoldenValue | undefined>;

interface AdaptiveDraw {
  spatial: number[];
  batch: number;
  channels: number;
  channelsFirst: boolean;
  dataFormat: string | undefined;
  outputSize: number[];
}

/** Up to twice the input and three cells more (windows of 1 and 2), and 1, a global pool, now and then. */
function outputSizeArb(n: number): fc.Arbitrary<number> {
  return fc.oneof({ arbitrary: fc.integer({ min: 1, max: 2 * n + 3 }), weight: 9 }, { arbitrary: fc.constant(1), weight: 1 });
}

function adaptiveGeometryArb(nd: number): fc.Arbitrary<AdaptiveDraw> {
  return fc
    .record({
      spatial: spatialArb(nd),
      batch: batchArb,
      channels: fc.integer({ min: 1, max: 4 }),
      dataFormat: dataFormatArb,
    })
    .chain((g) =>
      fc.tuple(...g.spatial.map(outputSizeArb)).map((sizes) => ({
        ...g,
        outputSize: [...sizes],
        channelsFirst: g.dataFormat?.toLowerCase() === 'channels_first',
      })),
    );
}

const adaptiveShape = (g: AdaptiveDraw, spatial = g.spatial) =>
  g.channelsFirst ? [g.batch, g.channels, ...spatial] : [g.batch, ...spatial, g.channels];

/** spatialArg's forms, and in 1-D one call in ten a longer tuple: Keras reads output_size[0] only. */
function outputSizeArg(sizes: number[]): fc.Arbitrary<GoldenValue> {
  if (sizes.length > 1) return spatialArg(sizes);
  const longer = fc.integer({ min: 1, max: 9 }).map((extra): GoldenValue => [sizes[0], extra]);
  return fc.oneof({ arbitrary: spatialArg(sizes), weight: 9 }, { arbitrary: longer, weight: 1 });
}

/**
 * Every float, 3e38 included: both kernels add in float32 in XLA's order, so an overflowing sum is inf
 * on both sides and no tolerance is needed. int32 window sums (at most 64 cells of |x| <= 1e5) stay
 * below 2^24, exact where a GPU computes int32 in float32.
 */
function adaptiveInputArb(shape: number[], dtype: DType): fc.Arbitrary<GoldenTensor> {
  if (dtype === 'bool') return boolTensorArb(shape);
  if (dtype === 'int32') return intTensorArb(shape, [[-9, 10], [-1e5, 1e5]]);
  return floatTensorArb(shape, { scales: [1, 10, 1e3], specials: SPECIAL_FLOATS });
}

function adaptiveValid(op: AdaptiveOp): fc.Arbitrary<FuzzCall> {
  const dtypes: DType[] = op === 'adaptive_max_pool' ? ['float32', 'int32', 'bool'] : ['float32', 'int32'];
  return fc
    .tuple(fc.integer({ min: 1, max: 3 }), dtypeArb(dtypes))
    .chain(([nd, dtype]) => adaptiveGeometryArb(nd).map((g) => [g, dtype] as const))
    .filter(([g]) => sizeOf(adaptiveShape(g)) <= 20000 && sizeOf(adaptiveShape(g, g.outputSize)) <= 20000)
    .chain(([g, dtype]) =>
      fc.record({ g: fc.constant(g), inputs: adaptiveInputArb(adaptiveShape(g), dtype), output_size: outputSizeArg(g.outputSize) }),
    )
    .map(({ g, inputs, output_size }) => callOf(op, { inputs, output_size, data_format: g.dataFormat }));
}

/**
 * What Keras-JAX rejects: a data_format it does not know, an input of rank 0 to 2 or 6, an output_size
 * that is not an int or a tuple, of the wrong length (empty in 1-D), with a 0 (a division by zero, found
 * before any negative size) or a negative entry; an empty spatial dim; bool for the average.
 */
function adaptiveFaults(op: AdaptiveOp): FaultSet<PoolValues> {
  const base = fc
    .integer({ min: 1, max: 3 })
    .chain((nd) => adaptiveGeometryArb(nd))
    .filter((g) => g.batch > 0)
    .chain((g) => fc.tuple(fc.constant(g), adaptiveInputArb(adaptiveShape(g), 'float32')))
    .map(([g, inputs]): PoolValues => ({ inputs, output_size: g.outputSize, data_format: g.dataFormat }));
  const pick = <T>(xs: readonly T[], seed: number) => xs[seed % xs.length];
  const input = (v: PoolValues) => v.inputs as GoldenTensor;
  const nd = (v: PoolValues) => input(v).shape.length - 2;
  const sizes = (v: PoolValues) => [...(v.output_size as number[])];
  const faults: Record<string, Fault<PoolValues>> = {
    data_format: (v, seed) => ({ ...v, data_format: pick(['channels_middle', 'NHWC'], seed) }),
    output_size_length: (v, seed) => ({ ...v, output_size: nd(v) === 1 ? [] : Array<number>(nd(v) + (seed % 2 ? 1 : -1)).fill(2) }),
    output_size_float: (v) => ({ ...v, output_size: 2.5 }),
    // The last entry: with a negative first one, the division by zero is still found first.
    output_size_zero: (v) => ({ ...v, output_size: sizes(v).map((s, i, all) => (i === all.length - 1 ? 0 : s)) }),
    output_size_negative: (v, seed) => ({ ...v, output_size: sizes(v).map((s, i) => (i === 0 ? pick([-1, -3], seed) : s)) }),
    empty_input: (v, seed) => {
      const shape = [...input(v).shape];
      shape[(seed % nd(v)) + (String(v.data_format).toLowerCase() === 'channels_first' ? 2 : 1)] = 0;
      return { ...v, inputs: floats(shape, seed) };
    },
  };
  if (op === 'adaptive_average_pool') faults.bool_input = (v, seed) => ({ ...v, inputs: bools(input(v).shape, seed) });
  const badRank = fc
    .constantFrom([], [4], [2, 4], [1, 2, 2, 2, 2, 1])
    .chain((shape) => floatTensorArb(shape).map((inputs) => callOf(op, { inputs, output_size: 1 })));
  const lengthFaults = ['output_size_length', 'output_size_float'];
  return {
    base,
    faults,
    call: (v) => callOf(op, v),
    // Each replaces the output_size another one spoilt, or the input another one made.
    apart: [
      ...lengthFaults.flatMap((a) => ['output_size_zero', 'output_size_negative', ...lengthFaults.filter((b) => b !== a)].map((b): [string, string] => [a, b])),
      ['empty_input', 'bool_input'],
    ],
    alone: [badRank],
  };
}

export const poolingFaults = {
  max_pool: poolFaults('max_pool'),
  average_pool: poolFaults('average_pool'),
  adaptive_max_pool: adaptiveFaults('adaptive_max_pool'),
  adaptive_average_pool: adaptiveFaults('adaptive_average_pool'),
};

const pool = (op: PoolOp): OpGenerators => ({ valid: poolValid(op), invalid: invalidCalls(poolingFaults[op]) });
const adaptive = (op: AdaptiveOp): OpGenerators => ({ valid: adaptiveValid(op), invalid: invalidCalls(poolingFaults[op]) });

export const poolingGenerators = {
  max_pool: pool('max_pool'),
  average_pool: pool('average_pool'),
  adaptive_max_pool: adaptive('adaptive_max_pool'),
  adaptive_average_pool: adaptive('adaptive_average_pool'),
} satisfies Partial<Generators> & Record<keyof typeof pooling, OpGenerators>;
