/**
 * Plain values to tensors, with Keras's dtype inference (floats float32, ints int32, booleans bool; never
 * complex64). Asked for complex64, plain values are the real parts, as numpy's astype(complex64) takes them.
 */
import { formatValue } from '../format.js';
import { DTYPES, standardizeDtype, storageFor, type DType, type TypedArray } from '../dtypes.js';
import { KerasTypeError, KerasValueError, UnsupportedError } from '../errors.js';
import type { Spec } from '../dtypes.js';
import { currentAdapter } from './registry.js';
import { Tensor, type NestedArray } from './tensor.js';

export type TensorLike = Tensor | NestedArray | TypedArray | Float64Array | Int16Array | Int8Array | Uint16Array;

export function isTensorLike(v: unknown): boolean {
  return v instanceof Tensor || ArrayBuffer.isView(v);
}

/**
 * A Tensor on the active backend. A Tensor is returned as it is, or cast when `dtype` differs.
 * Float64Array becomes float32, as Keras on JAX (64-bit off) does with a float64 NumPy array.
 */
export function convertToTensor(value: TensorLike, dtype?: DType | string | null): Tensor {
  const want = dtype === undefined || dtype === null ? undefined : standardizeDtype(dtype, 'dtype', DTYPES);
  const adapter = currentAdapter();
  if (value instanceof Tensor) {
    if (!want || want === value.dtype) return value;
    return new Tensor(adapter, adapter.cast(value.handleOn(adapter), want));
  }
  const { flat, shape, inferred } = flatten(value, want);
  const target = want ?? inferred;
  return new Tensor(adapter, adapter.fromData(toStorage(flat, target), shape, target));
}

/** Shape and dtype of a value without making a tensor: a Tensor, a `{shape, dtype}` spec or plain data. */
export function specOfValue(value: unknown, name: string): Spec {
  if (value instanceof Tensor) return { shape: value.shape, dtype: value.dtype };
  if (isSpecObject(value)) return { shape: [...value.shape], dtype: standardizeDtype(value.dtype ?? 'float32', `${name}.dtype`, DTYPES) };
  try {
    const { shape, inferred } = flatten(value as TensorLike);
    return { shape, dtype: inferred };
  } catch {
    throw new KerasTypeError(
      `Argument \`${name}\` must be a tensor, a {shape, dtype} spec, an array or a number. Received: ${name}=${formatValue(value)}`,
    );
  }
}

function isSpecObject(v: unknown): v is { shape: (number | null)[]; dtype?: string } {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || ArrayBuffer.isView(v)) return false;
  const shape = (v as { shape?: unknown }).shape;
  return Array.isArray(shape) && shape.every((d) => d === null || (Number.isInteger(d) && d >= 0));
}

type Flat = { flat: ArrayLike<number | boolean>; shape: number[]; inferred: DType };

function flatten(value: TensorLike, want?: DType): Flat {
  if (ArrayBuffer.isView(value)) return flattenTyped(value as TypedArray, want);
  if (typeof value === 'number' || typeof value === 'boolean') {
    return { flat: [value], shape: [], inferred: scalarDtype([value]) };
  }
  if (!Array.isArray(value)) throw new KerasTypeError(`Cannot convert ${formatValue(value)} to a tensor.`);
  const plain = unwrapTensors(value);
  const shape: number[] = [];
  for (let level: unknown = plain; Array.isArray(level); level = level[0]) shape.push(level.length);
  const flat: (number | boolean)[] = [];
  collect(plain, shape, 0, flat);
  return { flat, shape, inferred: scalarDtype(flat) };
}

/** Arrays may hold tensors, as a Python list of arrays does: they are stacked. */
function unwrapTensors(value: unknown): unknown {
  if (value instanceof Tensor) return value.arraySync();
  return Array.isArray(value) ? value.map(unwrapTensors) : value;
}

function collect(value: unknown, shape: number[], dim: number, flat: (number | boolean)[]): void {
  if (dim === shape.length) {
    if (typeof value !== 'number' && typeof value !== 'boolean') {
      throw new KerasValueError("Can't convert non-rectangular Python sequence to Tensor.");
    }
    flat.push(value);
    return;
  }
  if (!Array.isArray(value) || value.length !== shape[dim]) {
    throw new KerasValueError("Can't convert non-rectangular Python sequence to Tensor.");
  }
  for (const item of value) collect(item, shape, dim + 1, flat);
}

function flattenTyped(value: TypedArray | ArrayBufferView, want?: DType): Flat {
  const shape = [(value as TypedArray).length];
  if (value instanceof Uint8Array && want) return { flat: value, shape, inferred: want };
  if (value instanceof Float32Array || value instanceof Float64Array) return { flat: value, shape, inferred: 'float32' };
  if (value instanceof Int32Array || value instanceof Int16Array || value instanceof Int8Array || value instanceof Uint16Array) {
    return { flat: value, shape, inferred: 'int32' };
  }
  const kind = value.constructor.name;
  throw new UnsupportedError(
    `Unsupported array type ${kind}: pass Float32Array, Int32Array, or a Uint8Array with dtype 'bool'.`,
  );
}

function scalarDtype(flat: (number | boolean)[]): DType {
  if (flat.length > 0 && flat.every((v) => typeof v === 'boolean')) return 'bool';
  if (flat.some((v) => typeof v === 'boolean') && flat.some((v) => typeof v === 'number')) {
    return flat.every((v) => typeof v === 'boolean' || isInt32(v)) ? 'int32' : 'float32';
  }
  // 1e20 is an integer to JavaScript; only values int32 holds infer int32.
  return flat.length > 0 && flat.every((v) => isInt32(Number(v))) ? 'int32' : 'float32';
}

/** numpy astype semantics: floats truncate toward zero into int32, anything non-zero is true, complex64 gets 0j. */
function toStorage(flat: ArrayLike<number | boolean>, dtype: DType): TypedArray {
  const out = storageFor(dtype, flat.length);
  if (dtype === 'complex64') {
    for (let i = 0; i < flat.length; i++) out[2 * i] = Number(flat[i]);
    return out;
  }
  for (let i = 0; i < flat.length; i++) {
    const v = Number(flat[i]);
    out[i] = dtype === 'bool' ? (v !== 0 ? 1 : 0) : dtype === 'int32' ? Math.trunc(v) : v;
  }
  return out;
}

/** A tensor of `shape` from flat row-major values (as tf.tensor(values, shape, dtype) in TF.js). */
export function tensor(values: TensorLike, shape: number[], dtype?: DType | string | null): Tensor {
  const want = dtype === undefined || dtype === null ? undefined : standardizeDtype(dtype, 'dtype', DTYPES);
  const { flat, inferred } = flatten(values, want);
  const size = shape.reduce((a, b) => a * b, 1);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0) || size !== flat.length) {
    throw new KerasValueError(
      `Cannot reshape ${flat.length} values into shape ${formatValue(shape)}: the sizes differ.`,
    );
  }
  const target = want ?? inferred;
  return new Tensor(currentAdapter(), currentAdapter().fromData(toStorage(flat, target), shape, target));
}

/**
 * A complex64 tensor of `shape` from its storage: interleaved float32 [re0, im0, re1, im1, ...], what a
 * complex64 tensor's data() returns (a golden file's C64 tensor, say).
 */
export function complexTensor(interleaved: Float32Array, shape: number[]): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0) || interleaved.length !== 2 * size) {
    throw new KerasValueError(
      `A complex64 tensor of shape ${formatValue(shape)} takes ${2 * size} interleaved float32 values. Received ${interleaved.length}.`,
    );
  }
  return new Tensor(currentAdapter(), currentAdapter().fromData(interleaved.slice(), shape, 'complex64'));
}

function isInt32(v: number): boolean {
  return Number.isInteger(v) && v >= -2147483648 && v <= 2147483647;
}
