/**
 * The TF.js adapter: one implementation of every op over TF.js ops, parameterised by the TF.js backend
 * it runs on. Each kernel runs inside tf.tidy, so every intermediate is released. Where an algorithm
 * forces a copy to the host, adapters/tfjs/host-reads.ts says which and why.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Adapter } from '../../src/backend/adapter.js';
import type { DType, TypedArray } from '../../src/dtypes.js';
import type { Kernels, Vjps } from '../../src/ops/table.js';
import { activationKernels } from './activations.js';
import { activationVjps } from './grad/activations.js';
import { attentionVjps } from './grad/attention.js';
import { convVjps } from './grad/conv.js';
import { convTransposeVjps } from './grad/conv-transpose.js';
import { complexVjps } from './grad/complex.js';
import { ctcVjps } from './grad/ctc.js';
import { lossesVjps } from './grad/losses.js';
import { normalizationVjps } from './grad/normalization.js';
import { patchesVjps } from './grad/patches.js';
import { poolingVjps } from './grad/pooling.js';
import { attentionKernels } from './attention.js';
import { convKernels } from './conv.js';
import { ctcKernels } from './ctc.js';
import { encodingKernels } from './encoding.js';
import { readOnHost } from './host-reads.js';
import { activate, startBackend, type TfjsBackend } from './engine.js';
import { lossesKernels } from './losses.js';
import { normalizationKernels } from './normalization.js';
import { patchesKernels } from './patches.js';
import { poolingKernels } from './pooling.js';
import { castComplex, complexKernels, fromInterleaved, requireComplex } from './complex.js';
import { cast } from './gpu-layout.js';
import { quirk } from './quirks.js';

const ALL_KERNELS: Kernels<tf.Tensor> = {
  ...activationKernels,
  ...poolingKernels,
  ...convKernels,
  ...encodingKernels,
  ...lossesKernels,
  ...normalizationKernels,
  ...ctcKernels,
  ...attentionKernels,
  ...patchesKernels,
  ...complexKernels,
};

const ALL_VJPS: Vjps<tf.Tensor> = {
  ...activationVjps,
  ...normalizationVjps,
  ...lossesVjps,
  ...poolingVjps,
  ...patchesVjps,
  ...attentionVjps,
  ...convVjps,
  ...convTransposeVjps,
  ...ctcVjps,
  ...complexVjps,
};

/** Every kernel or backward rule of `table` made to run on `backend`, inside tf.tidy. */
function boundTo<T extends object>(backend: TfjsBackend, table: T): T {
  const bound: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(table)) {
    const run = fn as (...args: unknown[]) => tf.TensorContainer;
    bound[name] = (...args: unknown[]) => {
      activate(backend);
      return tf.tidy(() => run(...args));
    };
  }
  return bound as T;
}

const TFJS_DTYPE: Record<DType, tf.DataType> = { float32: 'float32', int32: 'int32', bool: 'bool', complex64: 'complex64' };

export async function createTfjsAdapter(
  backend: TfjsBackend,
  device: string,
  settings?: () => Record<string, string>,
): Promise<Adapter<tf.Tensor>> {
  await startBackend(backend);
  return {
    name: `tfjs-${backend}`,
    device,
    ...(settings && { settings: settings() }),
    canReadSync: !quirk.cannotReadSync(backend),
    fromData: (data: TypedArray, shape: number[], dtype: DType) => {
      activate(backend);
      if (dtype !== 'complex64') return tf.tensor(data, shape, TFJS_DTYPE[dtype]);
      requireComplex(backend);
      return fromInterleaved(data as Float32Array, shape);
    },
    read: async (h, last) => owned(backend, h, (await h.data()) as TypedArray, last),
    readSync: (h, last) => {
      activate(backend);
      const values = readOnHost(h, 'dataSync() / arraySync()', 'Use await tensor.data() or await tensor.array().');
      return owned(backend, h, values, last);
    },
    shapeOf: (h) => [...h.shape],
    dtypeOf: (h) => h.dtype as DType,
    cast: (h, dtype) => {
      activate(backend);
      if (h.dtype !== 'complex64' && dtype !== 'complex64') return cast(h, TFJS_DTYPE[dtype]);
      requireComplex(backend);
      return castComplex(h, TFJS_DTYPE[dtype]);
    },
    dispose: (h) => h.dispose(),
    kernels: boundTo(backend, ALL_KERNELS),
    vjps: boundTo(backend, ALL_VJPS),
    add: (a, b) => {
      activate(backend);
      return tf.add(a, b);
    },
  };
}

/**
 * `data` as the caller may keep it. TF.js's own storage needs no copy when `h` is disposed next and
 * holds the only reference to it: a reshape or clone shares its source's storage (refCount > 1).
 */
function owned(backend: TfjsBackend, h: tf.Tensor, data: TypedArray, last: boolean): TypedArray {
  if (!quirk.readsHandOutStorage(backend)) return data;
  return last && tf.findBackend(backend)?.refCount(h.dataId) === 1 ? data : data.slice();
}
