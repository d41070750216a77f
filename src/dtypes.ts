import { formatValue } from './format.js';
import { KerasTypeError, UnsupportedError } from './errors.js';

/**
 * The dtypes keras-parity represents, by Keras's names. complex64 is what polar returns; its storage is
 * interleaved float32, [re0, im0, re1, im1, ...], as TF.js reads one back, and a backend that cannot hold
 * it (tfjs-wasm) raises UnsupportedError.
 */
export const DTYPES = ['float32', 'int32', 'bool', 'complex64'] as const;
export type DType = (typeof DTYPES)[number];

/** The dtypes every backend holds, and the only ones a `dtype` argument of an op may name. */
export const REAL_DTYPES = ['float32', 'int32', 'bool'] as const satisfies readonly DType[];

export type TypedArray = Float32Array | Int32Array | Uint8Array;

/** Shape and dtype of a tensor; `null` dims are unknown (symbolic inputs to `ops.outputSpec`). */
export interface Spec {
  shape: (number | null)[];
  dtype: DType;
}

/** A fully known spec, as eager tensors and adapter outputs have. */
export interface ConcreteSpec extends Spec {
  shape: number[];
}

/** Keras's dtype names that exist but no backend here represents. */
const KERAS_ONLY_DTYPES = new Set([
  'float16', 'bfloat16', 'float64', 'int8', 'int16', 'int64', 'uint8', 'uint16', 'uint32', 'uint64',
  'complex128', 'string',
]);

/**
 * Validates a dtype argument; `where` names the argument for the error message. `allowed` is what the
 * caller can make: an op's `dtype` argument never names complex64 (no kernel writes it), a tensor may.
 */
export function standardizeDtype(dtype: unknown, where = 'dtype', allowed: readonly DType[] = REAL_DTYPES): DType {
  if (typeof dtype === 'string') {
    if ((allowed as readonly string[]).includes(dtype)) return dtype as DType;
    if (dtype === 'float') return 'float32';
    if (dtype === 'int') return 'int32';
    if (dtype === 'boolean') return 'bool';
    if (dtype === 'complex64') {
      throw new UnsupportedError(`Unsupported dtype: ${where}=complex64. keras-parity makes complex64 only as polar's output.`);
    }
    if (KERAS_ONLY_DTYPES.has(dtype)) {
      throw new UnsupportedError(`Unsupported dtype: ${where}=${dtype}. keras-parity supports ${REAL_DTYPES.join(', ')}.`);
    }
  }
  throw new KerasTypeError(`Invalid dtype: ${formatValue(dtype)} (argument \`${where}\`).`);
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32';
}

/** JAX's promotion lattice restricted to our dtypes: bool < int32 < float32 < complex64. */
export function resultType(...dtypes: DType[]): DType {
  if (dtypes.includes('complex64')) return 'complex64';
  if (dtypes.includes('float32')) return 'float32';
  if (dtypes.includes('int32')) return 'int32';
  return 'bool';
}

/** Keras promotes ints and bools to floatx for transcendental ops. */
export function floatResult(dtype: DType): DType {
  return isFloat(dtype) ? dtype : 'float32';
}

/** Storage for `size` elements: a complex64 element takes two float32s (its real and imaginary parts). */
export function storageFor(dtype: DType, size: number): TypedArray {
  if (dtype === 'complex64') return new Float32Array(2 * size);
  if (dtype === 'float32') return new Float32Array(size);
  if (dtype === 'int32') return new Int32Array(size);
  return new Uint8Array(size);
}
