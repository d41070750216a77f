/**
 * Arbitraries and tolerance arithmetic shared by the activation, pooling, encoding and normalisation
 * generators: shapes, axes, seeded tensors with chosen special values, and float32 error bounds.
 */
import fc from 'fast-check';
import type { ToleranceWithReason } from '../../golden/cases.js';
import { DEFAULT_TOLERANCE } from '../../golden/compare.js';
import { GoldenTensor } from '../../golden/safetensors.js';
import type { DType } from '../../dtypes.js';
import { OP_TABLE, type AnyOpDef } from '../../ops/table.js';
import { bools, floats, ints, type FuzzCall } from '../call.js';
import { seedArb, sizeOf, withSpecials } from './common.js';

export { maxAbsFinite, seedArb, sizeOf, U, withSpecials } from './common.js';

/** An optional keyword: `undefined` (about a third of the time) leaves it out, so Keras's default applies. */
export function maybe<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.option(arb, { nil: undefined, freq: 3 });
}


export interface ShapeOptions {
  minRank: number;
  maxRank: number;
  /** Largest dim drawn (default 6). */
  maxDim?: number;
  /** Element cap of the shape (default 2048). */
  maxSize?: number;
  /** Draw a zero dim now and then (default true). */
  empty?: boolean;
}

/** One dim: 1..maxDim, and 0 about once in twenty draws when `empty`. */
function dimArb(maxDim: number, empty: boolean): fc.Arbitrary<number> {
  const positive = fc.integer({ min: 1, max: maxDim });
  return empty ? fc.oneof({ arbitrary: positive, weight: 19 }, { arbitrary: fc.constant(0), weight: 1 }) : positive;
}

/** A shape of rank in [minRank, maxRank] with at most maxSize elements. */
export function shapeArb(o: ShapeOptions): fc.Arbitrary<number[]> {
  const { maxDim = 6, maxSize = 2048, empty = true } = o;
  return fc
    .array(dimArb(maxDim, empty), { minLength: o.minRank, maxLength: o.maxRank })
    .filter((s) => sizeOf(s) <= maxSize);
}

/** Mostly small shapes, one in ten up to ~20k elements (wider dims), for the kernels' larger paths. */
export function mixedShapeArb(minRank: number, maxRank: number): fc.Arbitrary<number[]> {
  return fc.oneof(
    { arbitrary: shapeArb({ minRank, maxRank }), weight: 9 },
    { arbitrary: shapeArb({ minRank: Math.max(minRank, 1), maxRank, maxDim: 40, maxSize: 20000, empty: false }), weight: 1 },
  );
}

/** An axis of a rank-`rank` tensor, negative ones included. */
export function axisArb(rank: number): fc.Arbitrary<number> {
  return fc.integer({ min: -rank, max: rank - 1 });
}

/** Distinct axes in [0, rank), in drawn order (not sorted), possibly none. */
export function axesArb(rank: number, minLength = 0): fc.Arbitrary<number[]> {
  const all = [...Array(rank).keys()];
  return fc.shuffledSubarray(all, { minLength: Math.min(minLength, rank) });
}

/** `axes` with each entry written as itself or as its negative equivalent. */
export function withNegatives(axes: number[], rank: number): fc.Arbitrary<number[]> {
  return fc.tuple(...axes.map((a) => fc.constantFrom(a, a - rank))).map((t) => [...t]);
}

export interface FloatDraw {
  /** Standard deviations to pick from (default 1). */
  scales?: readonly number[];
  /** Constant offsets to pick from, added before rounding to float32 (default 0). */
  offsets?: readonly number[];
  /** Special values that may replace elements (default none). */
  specials?: readonly number[];
  /** Fractions of replaced elements to pick from; mostly 0, so most tensors are ordinary. */
  fractions?: readonly number[];
}

const FRACTIONS = [0, 0, 0, 0, 0.05, 0.3];

/** A float32 tensor of `shape`: normal(offset, scale) values, some replaced by special values. */
export function floatTensorArb(shape: readonly number[], o: FloatDraw = {}): fc.Arbitrary<GoldenTensor> {
  const { scales = [1], offsets = [0], specials = [], fractions = FRACTIONS } = o;
  return fc
    .record({
      seed: seedArb,
      scale: fc.constantFrom(...scales),
      offset: fc.constantFrom(...offsets),
      fraction: specials.length ? fc.constantFrom(...fractions) : fc.constant(0),
    })
    .map(({ seed, scale, offset, fraction }) => {
      const t = floats(shape, seed, { scale });
      const data = offset === 0 ? t.data : Float32Array.from(t.data, (v) => v + offset);
      return withSpecials(new GoldenTensor('', 'float32', shape, data), seed, fraction, specials);
    });
}

/** An int32 tensor of `shape`, values uniform in one of the [low, high) `ranges`. */
export function intTensorArb(shape: readonly number[], ranges: readonly (readonly [number, number])[]): fc.Arbitrary<GoldenTensor> {
  return fc.tuple(seedArb, fc.constantFrom(...ranges)).map(([seed, [low, high]]) => ints(shape, low, high, seed));
}

export function boolTensorArb(shape: readonly number[]): fc.Arbitrary<GoldenTensor> {
  return fc.tuple(seedArb, fc.constantFrom(0.2, 0.5, 0.8)).map(([seed, p]) => bools(shape, seed, p));
}

/** A dtype among those allowed, by weight (default float32 : int32 : bool = 6 : 2 : 1). */
export function dtypeArb(
  allowed: readonly DType[],
  weight: Readonly<Partial<Record<DType, number>>> = { float32: 6, int32: 2, bool: 1 },
): fc.Arbitrary<DType> {
  return fc.oneof(...allowed.map((d) => ({ arbitrary: fc.constant(d), weight: weight[d] ?? 1 })));
}

/** `v` rounded up to three significant digits, so a printed bound never undercuts the derived one. */
function roundUp(v: number): number {
  if (v <= 0 || !Number.isFinite(v)) return v;
  const step = 10 ** (Math.floor(Math.log10(v)) - 2);
  return Number((Math.ceil(v / step) * step).toPrecision(3));
}

/**
 * The float32 default (atol = rtol = 1e-6, which covers each element's own roundings) plus `extra`, the
 * bound derived for what the default does not cover (accumulation order, cancellation); undefined when
 * the call needs nothing beyond the default.
 */
export function loosened(extra: { atol?: number; rtol?: number }, why: string): ToleranceWithReason | undefined {
  const { atol = 0, rtol = 0 } = extra;
  if (!(atol > 0) && !(rtol > 0)) return undefined;
  const d = DEFAULT_TOLERANCE.float32;
  return { atol: roundUp(d.atol + atol), rtol: roundUp(d.rtol + rtol), why };
}

/** `v` formatted briefly for a tolerance's `why`. */
export const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v.toPrecision(3));

/** The call with its keywords moved to positions, in the op's parameter order, as far as they run on. */
export function positional(call: FuzzCall): FuzzCall {
  const params = (OP_TABLE[call.op] as AnyOpDef).params;
  const args = [...call.args];
  const kwargs = { ...call.kwargs };
  for (const p of params.slice(args.length)) {
    if (!(p.name in kwargs)) break;
    args.push(kwargs[p.name]);
    delete kwargs[p.name];
  }
  return { ...call, args, kwargs };
}

/** The call with every positional argument passed by its Keras name instead. */
export function keywords(call: FuzzCall): FuzzCall {
  const params = (OP_TABLE[call.op] as AnyOpDef).params;
  const named = Object.fromEntries(call.args.map((v, i) => [params[i].name, v]));
  return { ...call, args: [], kwargs: { ...named, ...call.kwargs } };
}

/** Mostly the call as callOf binds it; now and then all positional, or all by keyword (Python binds both). */
export function withConventions(arb: fc.Arbitrary<FuzzCall>): fc.Arbitrary<FuzzCall> {
  const convention = fc.oneof(
    { arbitrary: fc.constant('as bound'), weight: 8 },
    { arbitrary: fc.constantFrom('positional', 'keywords'), weight: 2 },
  );
  return fc.tuple(arb, convention).map(([call, c]) => (c === 'positional' ? positional(call) : c === 'keywords' ? keywords(call) : call));
}
