/**
 * The public API, shared by both entries: src/index.ts (Node) and src/browser/index.ts (the browser
 * bundle). Each entry re-exports this module and registers the backends its platform has.
 */
export { ops, opsFor } from './ops/api.js';
export type { Ops } from './ops/api.js';
export type { Pullback } from './ops/vjp.js';
export { valueAndGrads } from './ops/tape.js';
export type { ValueAndGrads } from './ops/tape.js';
export { KERAS_VERSIONS, NEWEST_KERAS } from './keras-versions.js';
export type { KerasVersion } from './keras-versions.js';
export { convertToTensor, tensor } from './backend/convert.js';
export type { TensorLike } from './backend/convert.js';
export { Tensor, DisposedTensorError } from './backend/tensor.js';
export type { NestedArray, ReadOptions } from './backend/tensor.js';
export { setBackend, getBackend, listBackends, registerBackend } from './backend/registry.js';
export type { BackendInfo, BackendFactory } from './backend/registry.js';
export type { Adapter } from './backend/adapter.js';
export type { Spec, ConcreteSpec } from './dtypes.js';
export { OP_TABLE } from './ops/table.js';
export type { OpName, KerasName, KerasNameAt, Kernels, Vjps } from './ops/table.js';
export {
  KerasParityError,
  KerasValueError,
  KerasTypeError,
  KerasNotImplementedError,
  KerasIndexError,
  KerasZeroDivisionError,
  KerasRuntimeError,
  UnsupportedError,
  BackendUnavailableError,
} from './errors.js';
export type { DType } from './dtypes.js';
