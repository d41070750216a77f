import type { DType, TypedArray } from '../dtypes.js';
import type { Kernels, Vjps } from '../ops/table.js';

/**
 * What a backend implements. `H` is the backend's own tensor handle. Kernels receive arguments already
 * normalised and validated by `src/ops/` and the output spec the dispatcher will check the result against.
 */
export interface Adapter<H = unknown> {
  readonly name: string;
  /** Where the computation runs, for listBackends (e.g. "CPU (pure TypeScript)"). */
  readonly device: string;
  /** False where reading synchronously would block or break the device (WebGPU). */
  readonly canReadSync: boolean;
  /**
   * Settings of this backend that change its numbers, e.g. oneDNN on tfjs-tensorflow; shown by
   * listBackends, the report and bench.json.
   */
  readonly settings?: Readonly<Record<string, string>>;
  /**
   * A handle holding `data`, the dtype's storage (a complex64 one interleaved, [re0, im0, re1, im1, ...]);
   * a backend that cannot hold the dtype raises UnsupportedError.
   */
  fromData(data: TypedArray, shape: number[], dtype: DType): H;
  /**
   * The values, in an array the caller owns: an adapter whose storage is shared copies it here, once.
   * `last`: the handle is disposed straight after, so storage that no other handle shares may be
   * handed over as it is.
   */
  read(handle: H, last: boolean): Promise<TypedArray>;
  readSync(handle: H, last: boolean): TypedArray;
  shapeOf(handle: H): number[];
  dtypeOf(handle: H): DType;
  cast(handle: H, dtype: DType): H;
  dispose(handle: H): void;
  readonly kernels: Kernels<H>;
  /** Backward rules (`ops.vjp`), written beside the kernels they differentiate. */
  readonly vjps?: Vjps<H>;
  /**
   * `a + b` of two float32 handles of one shape: how valueAndGrads sums the cotangents of a tensor used
   * more than once (JAX's add_any). Without it, such a sum raises UnsupportedError.
   */
  add?(a: H, b: H): H;
}

/** An adapter whose handle type is not known at the use site (the registry, tensors). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyAdapter = Adapter<any>;
