/**
 * max_pool and average_pool: 1-D to 3-D, either data_format (or the default), 'valid' and 'same' in any
 * case, int or tuple windows and strides (strides wider than the window too), int32 and bool inputs where
 * Keras-JAX takes them, special values. `strides` is always given: Keras 3.6.0 on JAX fails for
 * strides=None, a deviation (docs/deviations.md).
 */
import fc from 'fast-check';
import type { DType } from '../../dtypes.js';
import type { GoldenValue } from '../../golden/cases.js';
import type { GoldenTensor } from '../../golden/safetensors.js';
import type { pooling } from '../../ops/pooling.js';
import { bools, callOf, SPECIAL_FLOATS, type FuzzCall, type Generators, type OpGenerators } from '../call.js';
import { type Fault, type FaultSet, invalidCalls } from './faults.js';
import { boolTensorArb, dtypeArb, floatTensorArb, fmt, intTensorArb, loosened, maxAbsFinite, sizeOf, U } from './draws.js';

type PoolOp = keyof typeof pooling;

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
function spatialArb(nd: number): fc.Arbitrary<number[]> {
  const maxN = nd === 3 ? 6 : nd === 2 ? 10 : 16;
  const dims = (max: number) => fc.array(fc.integer({ min: 1, max }), { minLength: nd, maxLength: nd });
  return fc.oneof({ arbitrary: dims(maxN), weight: 9 }, { arbitrary: dims(4 * maxN), weight: 1 });
}

function geometryArb(nd: number): fc.Arbitrary<PoolDraw> {
  return fc
    .record({
      spatial: spatialArb(nd),
      batch: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 3 }), weight: 15 }, { arbitrary: fc.constant(0), weight: 1 }),
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

export const poolingFaults = { max_pool: poolFaults('max_pool'), average_pool: poolFaults('average_pool') };

const pool = (op: PoolOp): OpGenerators => ({ valid: poolValid(op), invalid: invalidCalls(poolingFaults[op]) });

export const poolingGenerators = {
  max_pool: pool('max_pool'),
  average_pool: pool('average_pool'),
} satisfies Partial<Generators> & Record<PoolOp, OpGenerators>;
