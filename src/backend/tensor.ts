import { formatShape } from '../format.js';
import type { DType, TypedArray } from '../dtypes.js';
import { KerasParityError, UnsupportedError } from '../errors.js';
import type { Adapter, AnyAdapter } from './adapter.js';

/** Raised when a disposed tensor is used again. */
export class DisposedTensorError extends KerasParityError {
  override readonly kerasClass = 'ValueError';
}

export type NestedArray = number | boolean | NestedArray[];

export interface ReadOptions {
  /** Dispose the tensor once its values are read (false by default). */
  dispose?: boolean;
}

/**
 * A tensor lives on the adapter that made it. Used under another backend it is copied there once and
 * the copy is cached, so a tensor keeps working after `setBackend` switches.
 *
 * A complex64 tensor's `data()` is a Float32Array of twice `size` values, interleaved: [re0, im0, re1,
 * im1, ...] in row-major order (TF.js's own layout). Its `array()` nests [re, im] pairs: shape plus a
 * last dim of 2, as torch.view_as_real and jnp.stack([z.real, z.imag], -1) give, so every entry is still
 * a number; polar(2, 0) reads back as [2, 0].
 */
export class Tensor {
  readonly shape: number[];
  readonly dtype: DType;
  private readonly homes = new Map<AnyAdapter, unknown>();
  private disposed = false;

  constructor(adapter: AnyAdapter, handle: unknown) {
    this.shape = adapter.shapeOf(handle);
    this.dtype = adapter.dtypeOf(handle);
    this.homes.set(adapter, handle);
  }

  get rank(): number {
    return this.shape.length;
  }

  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** The handle of this tensor on `adapter`, copied there through the host on first use. */
  handleOn<H>(adapter: Adapter<H>): H {
    this.checkAlive();
    const own = this.homes.get(adapter as AnyAdapter);
    if (own !== undefined) return own as H;
    const data = this.dataSync();
    const moved = adapter.fromData(data, this.shape, this.dtype);
    this.homes.set(adapter as AnyAdapter, moved);
    return moved;
  }

  /**
   * The values, in an array the caller owns. With `{dispose: true}` the tensor is disposed by the read
   * (a later use raises DisposedTensorError), and a backend whose storage nothing else shares hands that
   * storage over instead of a copy: what reading a result and then disposing it costs in TF.js itself.
   */
  async data(options: ReadOptions = {}): Promise<TypedArray> {
    const [adapter, handle] = this.home();
    if (!options.dispose) return adapter.read(handle, false);
    const release = this.detach();
    try {
      return await adapter.read(handle, true);
    } finally {
      release();
    }
  }

  dataSync(options: ReadOptions = {}): TypedArray {
    const [adapter, handle] = this.syncHome();
    if (!options.dispose) return adapter.readSync(handle, false);
    const release = this.detach();
    try {
      return adapter.readSync(handle, true);
    } finally {
      release();
    }
  }

  async array(options: ReadOptions = {}): Promise<NestedArray> {
    return nest(await this.data(options), this.shape, this.dtype);
  }

  arraySync(options: ReadOptions = {}): NestedArray {
    return nest(this.dataSync(options), this.shape, this.dtype);
  }

  dispose(): void {
    if (!this.disposed) this.detach()();
  }

  toString(): string {
    return `Tensor(shape=${formatShape(this.shape)}, dtype=${this.dtype})`;
  }

  private home(): [AnyAdapter, unknown] {
    this.checkAlive();
    return this.homes.entries().next().value as [AnyAdapter, unknown];
  }

  private syncHome(): [AnyAdapter, unknown] {
    this.checkAlive();
    for (const entry of this.homes) if (entry[0].canReadSync) return entry;
    const [adapter] = this.home();
    throw new UnsupportedError(
      `The ${adapter.name} backend cannot read a tensor synchronously: use await tensor.data() or ` +
        'await tensor.array() instead of dataSync() / arraySync().',
    );
  }

  /**
   * Disposed from now on, so nothing else reads it while an async read that hands its storage over is
   * under way; the handles are released when the returned function is called.
   */
  private detach(): () => void {
    const homes = [...this.homes];
    this.homes.clear();
    this.disposed = true;
    return () => {
      for (const [adapter, handle] of homes) adapter.dispose(handle);
    };
  }

  private checkAlive(): void {
    if (this.disposed) throw new DisposedTensorError(`${this.toString()} has been disposed.`);
  }
}


function nest(data: TypedArray, shape: number[], dtype: DType): NestedArray {
  if (dtype === 'complex64') return nest(data, [...shape, 2], 'float32');
  const value = (i: number): number | boolean => (dtype === 'bool' ? data[i] !== 0 : data[i]);
  if (shape.length === 0) return value(0);
  const build = (dim: number, offset: number): NestedArray[] => {
    const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: shape[dim] }, (_, i) =>
      dim === shape.length - 1 ? value(offset + i) : build(dim + 1, offset + i * stride),
    );
  };
  return build(0, 0);
}
