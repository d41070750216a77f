/**
 * Reference max_pool and average_pool: one window loop over up to three spatial dims. Padding cells
 * are never read: max over the real cells equals JAX's max with -inf padding, and the average divides
 * by the number of real cells ('valid' windows have prod(pool_size) of them).
 * adaptive_max_pool and adaptive_average_pool: one spatial dim after the other, as Keras-JAX pools them.
 */
import type { ConcreteSpec, DType } from '../../src/dtypes.js';
import { adaptiveWindows, type AdaptivePoolAttrs, type PoolAttrs } from '../../src/ops/pooling.js';
import { windowPads } from '../../src/ops/shapes.js';
import type { Kernels } from '../../src/ops/table.js';
import { fromValues, sizeOf, stridesOf, values, type RefArray } from './ndarray.js';

/** One spatial dim: its strides in the input and the output, and per output position the real cells [lo, hi). */
interface SpatialDim {
  inStride: number;
  outStride: number;
  lo: Int32Array;
  hi: Int32Array;
}

/** A size-1 dim with a size-1 window, so 1-D and 2-D pooling run through the 3-D loop. */
const UNIT: SpatialDim = { inStride: 0, outStride: 0, lo: Int32Array.of(0), hi: Int32Array.of(1) };

function spatialDim(n: number, outLen: number, k: number, s: number, attrs: PoolAttrs, inStride: number, outStride: number): SpatialDim {
  const [before] = windowPads(n, k, s, 1, attrs.padding);
  const lo = new Int32Array(outLen);
  const hi = new Int32Array(outLen);
  for (let o = 0; o < outLen; o++) {
    const start = o * s - before;
    lo[o] = Math.max(start, 0);
    hi[o] = Math.min(start + k, n);
  }
  return { inStride, outStride, lo, hi };
}

function pool(x: RefArray, attrs: PoolAttrs, out: ConcreteSpec, kind: 'max' | 'average'): RefArray {
  const v = values(x);
  const rank = x.shape.length;
  const channelsLast = attrs.dataFormat === 'channels_last';
  const channelAxis = channelsLast ? rank - 1 : 1;
  const inStrides = stridesOf(x.shape);
  const outStrides = stridesOf(out.shape);
  const dims = attrs.poolSize.map((k, i) => {
    const a = i + (channelsLast ? 1 : 2);
    return spatialDim(x.shape[a], out.shape[a], k, attrs.strides[i], attrs, inStrides[a], outStrides[a]);
  });
  while (dims.length < 3) dims.unshift(UNIT);
  const [d0, d1, d2] = dims;
  const result = new Float64Array(sizeOf(out.shape));

  for (let b = 0; b < x.shape[0]; b++) {
    for (let c = 0; c < x.shape[channelAxis]; c++) {
      const inBase = b * inStrides[0] + c * inStrides[channelAxis];
      const outBase = b * outStrides[0] + c * outStrides[channelAxis];
      for (let o0 = 0; o0 < d0.lo.length; o0++) {
        for (let o1 = 0; o1 < d1.lo.length; o1++) {
          for (let o2 = 0; o2 < d2.lo.length; o2++) {
            // Math.max propagates NaN, as lax.max does.
            let acc = kind === 'max' ? -Infinity : 0;
            for (let i0 = d0.lo[o0]; i0 < d0.hi[o0]; i0++) {
              for (let i1 = d1.lo[o1]; i1 < d1.hi[o1]; i1++) {
                let at = inBase + i0 * d0.inStride + i1 * d1.inStride + d2.lo[o2] * d2.inStride;
                for (let i2 = d2.lo[o2]; i2 < d2.hi[o2]; i2++, at += d2.inStride) {
                  acc = kind === 'max' ? Math.max(acc, v[at]) : acc + v[at];
                }
              }
            }
            const count = (d0.hi[o0] - d0.lo[o0]) * (d1.hi[o1] - d1.lo[o1]) * (d2.hi[o2] - d2.lo[o2]);
            result[outBase + o0 * d0.outStride + o1 * d1.outStride + o2 * d2.outStride] =
              kind === 'max' ? acc : acc / count;
          }
        }
      }
    }
  }
  return fromValues(result, out.shape, out.dtype);
}

/** A window's value from `size` cells of `v`, `step` apart from `at`. */
type Reduce = (v: Float64Array, at: number, step: number, size: number) => number;

/** lax.max: Math.max propagates NaN as it does. */
export const windowMax: Reduce = (v, at, step, size) => {
  let acc = -Infinity;
  for (let k = 0; k < size; k++) acc = Math.max(acc, v[at + k * step]);
  return acc;
};

/**
 * Bit for bit what XLA computes, so that float32 overflow and rounding match: the window summed in
 * float32 from 0, cell by cell, then divided by its size as XLA divides by a constant, times the
 * float32 reciprocal.
 */
const windowMean: Reduce = (v, at, step, size) => {
  let acc = 0;
  for (let k = 0; k < size; k++) acc = Math.fround(acc + v[at + k * step]);
  return Math.fround(acc * Math.fround(1 / size));
};

/** The first dim of an int32 input: an int32 sum (wrapping), made float32 by the division. */
const intWindowMean: Reduce = (v, at, step, size) => {
  let acc = 0;
  for (let k = 0; k < size; k++) acc = (acc + v[at + k * step]) | 0;
  return Math.fround(Math.fround(acc) * Math.fround(1 / size));
};

/** What jnp.take gives for a window out of its range: NaN, or the dtype's least value, or True. */
const fillOf = (dtype: DType): number => (dtype === 'int32' ? -2147483648 : dtype === 'bool' ? 1 : NaN);

/** `v` of `shape` pooled along `axis` to `out` cells. */
export function adaptiveAxis(v: Float64Array, shape: readonly number[], axis: number, out: number, reduce: Reduce, fill: number): Float64Array {
  const n = shape[axis];
  const inner = sizeOf(shape.slice(axis + 1));
  const outer = sizeOf(shape.slice(0, axis));
  const result = new Float64Array(outer * out * inner);
  adaptiveWindows(n, out).forEach(({ start, size, inside }, i) => {
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        result[(o * out + i) * inner + j] = inside ? reduce(v, (o * n + start) * inner + j, inner, size) : fill;
      }
    }
  });
  return result;
}

function adaptivePool(x: RefArray, attrs: AdaptivePoolAttrs, out: ConcreteSpec, kind: 'max' | 'average'): RefArray {
  const first = attrs.dataFormat === 'channels_last' ? 1 : 2;
  const shape = [...x.shape];
  let v = values(x);
  attrs.outputSize.forEach((size, d) => {
    const intSum = kind === 'average' && d === 0 && x.dtype === 'int32';
    const reduce = kind === 'max' ? windowMax : intSum ? intWindowMean : windowMean;
    v = adaptiveAxis(v, shape, first + d, size, reduce, fillOf(kind === 'max' ? x.dtype : 'float32'));
    shape[first + d] = size;
  });
  return fromValues(v, out.shape, out.dtype);
}

export const poolingKernels: Pick<Kernels<RefArray>, 'max_pool' | 'average_pool' | 'adaptive_max_pool' | 'adaptive_average_pool'> = {
  max_pool: ({ inputs }, attrs, out) => pool(inputs, attrs, out, 'max'),
  average_pool: ({ inputs }, attrs, out) => pool(inputs, attrs, out, 'average'),
  adaptive_max_pool: ({ inputs }, attrs, out) => adaptivePool(inputs, attrs, out, 'max'),
  adaptive_average_pool: ({ inputs }, attrs, out) => adaptivePool(inputs, attrs, out, 'average'),
};
