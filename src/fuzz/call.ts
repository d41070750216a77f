/**
 * A generated call of one Keras op, in the golden format's values (arrays are Python tuples, null is
 * None, tensors are GoldenTensors), so a fuzz case replays through the same runner as a golden case.
 * Tensors are drawn from a seed by a small PRNG: shrinking a shape or a seed shrinks the case, and the
 * oracle receives the materialised bytes, so JS and Python never need the same generator.
 */
import type * as fc from 'fast-check';
import type { DType } from '../dtypes.js';
import { GoldenTensor } from '../golden/safetensors.js';
import type { GoldenValue, ToleranceWithReason } from '../golden/cases.js';
import type { AnyOpDef, OpName } from '../ops/table.js';
import { OP_TABLE } from '../ops/table.js';
import { paramsAt, type ParamChange, type ParamDef } from '../ops/op.js';
import type { KerasVersion } from '../keras-versions.js';

export interface FuzzCall {
  op: OpName;
  args: GoldenValue[];
  kwargs: Record<string, GoldenValue>;
  /** Looser than the dtype's default only with a derivation in `why` (e.g. a float32 summation bound). */
  tolerance?: ToleranceWithReason;
}

/** Valid calls (Keras returns), and calls Keras rejects (null where an op takes nothing invalid we can send). */
export interface OpGenerators {
  valid: fc.Arbitrary<FuzzCall>;
  invalid: fc.Arbitrary<FuzzCall> | null;
}

export type Generators = { [K in OpName]: OpGenerators };

/**
 * The call `op(...)` with `values` bound by Keras's parameter names: required parameters positional in
 * the table's order, the others as keywords; `undefined` leaves a keyword out so Keras's default applies,
 * and a positional one that a later Keras gave a default (conv_transpose's strides, 3.11).
 */
export function callOf(
  op: OpName,
  values: Readonly<Record<string, GoldenValue | undefined>>,
  tolerance?: ToleranceWithReason,
): FuzzCall {
  const def = OP_TABLE[op] as AnyOpDef;
  const known = new Set(def.params.map((p) => p.name));
  const unknown = Object.keys(values).filter((k) => !known.has(k));
  if (unknown.length) throw new Error(`callOf(${op}): ${unknown.join(', ')} is not a parameter of ${op}`);
  const args: GoldenValue[] = [];
  const kwargs: Record<string, GoldenValue> = {};
  for (const p of def.params) {
    const v = values[p.name];
    if (p.required && !(v === undefined && newestDefault(p))) {
      if (v === undefined) throw new Error(`callOf(${op}): the required ${p.name} is missing`);
      args.push(v);
    } else if (v !== undefined) {
      kwargs[p.name] = v;
    }
  }
  return { op, args, kwargs, ...(tolerance ? { tolerance } : {}) };
}

/**
 * The call as Keras `keras` can make it: keywords of parameters that came later are dropped (the
 * generators draw for the newest Keras), so the same draws fuzz every version.
 */
export function forKeras(call: FuzzCall, keras: KerasVersion): FuzzCall {
  const params = paramsAt(OP_TABLE[call.op as OpName] as AnyOpDef, keras);
  const known = new Set(params.map((p) => p.name));
  const required = params.filter((p) => p.required);
  const kwargs = Object.fromEntries(Object.entries(call.kwargs).filter(([k]) => known.has(k)));
  // A positional parameter left out for its later default is that default, given, where it had none (an
  // invalid call may leave out one that never had a default: it stays out).
  const missing = required.slice(call.args.length);
  const filled = missing.every((p) => newestDefault(p)) ? missing.map((p) => newestDefault(p)!.default as GoldenValue) : [];
  const args = [...call.args, ...filled];
  return args.length === call.args.length && Object.keys(kwargs).length === Object.keys(call.kwargs).length ? call : { ...call, args, kwargs };
}

/** The default a required parameter gained in a later Keras, if it did. */
function newestDefault(p: ParamDef): ParamChange | undefined {
  return [...(p.later ?? [])].reverse().find((c) => !c.required);
}

/** mulberry32: tiny, fast, and good enough to draw test inputs. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Values that break naive kernels: NaN, infinities, signed zeros, a subnormal, large magnitudes. */
export const SPECIAL_FLOATS = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -3e38, 3e38, 1e30, -1e-30] as const;

export interface FloatOptions {
  /** Standard deviation of the normal draw (default 1); ignored when `low`/`high` are given. */
  scale?: number;
  /** Uniform in [low, high) instead of normal. */
  low?: number;
  high?: number;
  /** Fraction of the elements (0 to 1) replaced by SPECIAL_FLOATS, default 0. */
  specials?: number;
}

export function floats(shape: readonly number[], seed: number, options: FloatOptions = {}): GoldenTensor {
  const next = prng(seed);
  const data = new Float32Array(size(shape));
  const { scale = 1, low, high, specials = 0 } = options;
  for (let i = 0; i < data.length; i++) {
    if (specials > 0 && next() < specials) {
      data[i] = SPECIAL_FLOATS[Math.floor(next() * SPECIAL_FLOATS.length)];
    } else if (low !== undefined && high !== undefined) {
      data[i] = low + (high - low) * next();
    } else {
      // Box-Muller; 1 - next() keeps the logarithm finite.
      data[i] = scale * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    }
  }
  return new GoldenTensor('', 'float32', [...shape], data);
}

/** int32 values in [low, high). */
export function ints(shape: readonly number[], low: number, high: number, seed: number): GoldenTensor {
  const next = prng(seed);
  const data = new Int32Array(size(shape));
  for (let i = 0; i < data.length; i++) data[i] = low + Math.floor(next() * (high - low));
  return new GoldenTensor('', 'int32', [...shape], data);
}

export function bools(shape: readonly number[], seed: number, pTrue = 0.5): GoldenTensor {
  const next = prng(seed);
  const data = new Uint8Array(size(shape));
  for (let i = 0; i < data.length; i++) data[i] = next() < pTrue ? 1 : 0;
  return new GoldenTensor('', 'bool', [...shape], data);
}

/** A tensor of `dtype` with ordinary values: normal floats, small ints, or booleans. */
export function anyTensor(shape: readonly number[], dtype: DType, seed: number): GoldenTensor {
  if (dtype === 'float32') return floats(shape, seed);
  if (dtype === 'int32') return ints(shape, -5, 6, seed);
  return bools(shape, seed);
}
