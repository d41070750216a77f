/**
 * The reference adapter's tensor: a typed array in row-major order with its shape and dtype. Kernels
 * read values as float64 and round once, when they store the result in the output dtype.
 */
import { storageFor, type DType, type TypedArray } from '../../src/dtypes.js';

export interface RefArray {
  readonly data: TypedArray;
  readonly shape: number[];
  readonly dtype: DType;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Row-major strides: strides[i] = product of shape[i+1:]. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** Values as float64 (bool as 0/1); of a complex64 array its real parts, as numpy's cast to a real dtype. */
export function values(a: RefArray): Float64Array {
  if (a.dtype === 'complex64') return Float64Array.from({ length: a.data.length / 2 }, (_, i) => a.data[2 * i]);
  return Float64Array.from(a.data);
}

/**
 * Stores float64 values in `dtype`: float32 rounds to nearest, int32 truncates, bool tests != 0, complex64
 * takes them as real parts.
 */
export function fromValues(vals: ArrayLike<number>, shape: readonly number[], dtype: DType): RefArray {
  const data = storageFor(dtype, vals.length);
  if (dtype === 'complex64') {
    for (let i = 0; i < vals.length; i++) data[2 * i] = vals[i];
    return { data, shape: [...shape], dtype };
  }
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i];
    data[i] = dtype === 'bool' ? (v !== 0 ? 1 : 0) : dtype === 'int32' ? Math.trunc(v) : v;
  }
  return { data, shape: [...shape], dtype };
}

export function zeros(shape: readonly number[]): Float64Array {
  return new Float64Array(sizeOf(shape));
}

/**
 * Visits every position of `shape` in row-major order with the offset it has under `steps` (a stride
 * per dim, which may differ from shape's own): visit(i, offset) for the i-th position.
 */
export function walkStrided(shape: readonly number[], steps: readonly number[], visit: (i: number, offset: number) => void): void {
  const size = sizeOf(shape);
  const idx = new Array<number>(shape.length).fill(0);
  let offset = 0;
  for (let i = 0; i < size; i++) {
    visit(i, offset);
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]++;
      offset += steps[d];
      if (idx[d] < shape[d]) break;
      offset -= steps[d] * idx[d];
      idx[d] = 0;
    }
  }
}

/** numpy broadcasting: the value of `vals` (of `shape`) that each position of `outShape` reads. */
export function broadcastTo(vals: Float64Array, shape: readonly number[], outShape: readonly number[]): Float64Array {
  const strides = stridesOf(shape);
  const lead = outShape.length - shape.length;
  const steps = outShape.map((_, d) => (d < lead || shape[d - lead] === 1 ? 0 : strides[d - lead]));
  const out = new Float64Array(sizeOf(outShape));
  walkStrided(outShape, steps, (i, offset) => {
    out[i] = vals[offset];
  });
  return out;
}

/** out[...] = a[perm applied]: the result's dim i is the input's dim perm[i]. */
export function transpose(vals: Float64Array, shape: readonly number[], perm: readonly number[]): Float64Array {
  const inStrides = stridesOf(shape);
  const out = new Float64Array(vals.length);
  walkStrided(perm.map((p) => shape[p]), perm.map((p) => inStrides[p]), (o, src) => {
    out[o] = vals[src];
  });
  return out;
}

/**
 * Splits `shape` around a set of reduced axes: for each of the `outer` positions (kept axes) the
 * `inner` offsets (reduced axes) of its elements. Reductions iterate these two lists.
 */
export function reductionPlan(shape: readonly number[], axes: readonly number[]) {
  const strides = stridesOf(shape);
  const kept = shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const offsets = (dims: number[]): number[] => {
    let list = [0];
    for (const d of dims) {
      const next: number[] = [];
      for (const base of list) for (let i = 0; i < shape[d]; i++) next.push(base + i * strides[d]);
      list = next;
    }
    return list;
  };
  return { outer: offsets(kept), inner: offsets([...axes].sort((a, b) => a - b)) };
}
