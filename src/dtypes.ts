import { formatValue } from './format.js';
import { KerasTypeError, UnsupportedError } from './errors.js';

/** The dtypes every backend represents (TF.js has exactly these three). */
export const DTYPES = ['float32', 'int32', 'bool'] as const;
export type DType = (typeof DTYPES)[number];

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
  'complex64', 'complex128', 'string',
]);

/** Validates a dtype argument; `where` names the argument for the error message. */
export function standardizeDtype(dtype: unknown, where = 'dtype'): DType {
  if (typeof dtype === 'string') {
    if ((DTYPES as readonly string[]).includes(dtype)) return dtype as DType;
    if (dtype === 'float') return 'float32';
    if (dtype === 'int') return 'int32';
    if (dtype === 'boolean') return 'bool';
    if (KERAS_ONLY_DTYPES.has(dtype)) {
      throw new UnsupportedError(
        `Unsupported dtype: ${where}=${dtype}. keras-parity supports ${DTYPES.join(', ')}.`,
      );
    }
  }
  throw new KerasTypeError(`Invalid dtype: ${formatValue(dtype)} (argument \`${where}\`).`);
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32';
}

/** JAX's promotion lattice restricted to our dtypes: bool < int32 < float32. */
export function resultType(...dtypes: DType[]): DType {
  if (dtypes.includes('float32')) return 'float32';
  if (dtypes.includes('int32')) return 'int32';
  return 'bool';
}

/** Keras promotes ints and bools to floatx for transcendental ops. */
export function floatResult(dtype: DType): DType {
  return isFloat(dtype) ? dtype : 'float32';
}

export function storageFor(dtype: DType, size: number): TypedArray {
  if (dtype === 'float32') return new Float32Array(size);
  if (dtype === 'int32') return new Int32Array(size);
  return new Uint8Array(size);
}
