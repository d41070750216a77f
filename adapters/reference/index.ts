/** The reference adapter: pure TypeScript, no dependencies, float64 accumulation; the executable spec. */
import type { Adapter } from '../../src/backend/adapter.js';
import type { DType, TypedArray } from '../../src/dtypes.js';
import { activationKernels, flush } from './activations.js';
import { activationVjps } from './grad/activations.js';
import { complexVjps } from './grad/complex.js';
import { ctcVjps } from './grad/ctc.js';
import { convVjps } from './grad/conv.js';
import { convTransposeVjps } from './grad/conv-transpose.js';
import { attentionVjps } from './grad/attention.js';
import { lossesVjps } from './grad/losses.js';
import { normalizationVjps } from './grad/normalization.js';
import { patchesVjps } from './grad/patches.js';
import { poolingVjps } from './grad/pooling.js';
import { attentionKernels } from './attention.js';
import { convKernels } from './conv.js';
import { ctcKernels } from './ctc.js';
import { encodingKernels } from './encoding.js';
import { lossesKernels } from './losses.js';
import { fromValues, values, type RefArray } from './ndarray.js';
import { normalizationKernels } from './normalization.js';
import { patchesKernels } from './patches.js';
import { poolingKernels } from './pooling.js';
import { castComplex, complexKernels } from './complex.js';

export const referenceAdapter: Adapter<RefArray> = {
  name: 'reference',
  device: 'CPU (pure TypeScript, float64 accumulation)',
  canReadSync: true,
  // complex64 data is already its interleaved storage, which fromValues would take for real parts.
  fromData: (data: TypedArray, shape: number[], dtype: DType) =>
    dtype === 'complex64' ? { data: Float32Array.from(data), shape: [...shape], dtype } : fromValues(data, shape, dtype),
  // Every read copies, the last one too: nothing counts who else holds an array's storage.
  read: async (h) => h.data.slice(),
  readSync: (h) => h.data.slice(),
  shapeOf: (h) => [...h.shape],
  dtypeOf: (h) => h.dtype,
  cast: (h, dtype) => (h.dtype === 'complex64' ? castComplex(h, dtype) : fromValues(values(h), h.shape, dtype)),
  // Garbage collected: nothing to release.
  dispose: () => {},
  kernels: {
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
  },
  vjps: { ...activationVjps, ...poolingVjps, ...normalizationVjps, ...lossesVjps, ...patchesVjps, ...convTransposeVjps, ...attentionVjps, ...convVjps, ...ctcVjps, ...complexVjps },
  // JAX's add_any as XLA on CPU runs it: float32, subnormal operands and sums flushed to 0.
  add: (a, b) => {
    const y = values(b);
    return fromValues(values(a).map((v, i) => flush(Math.fround(flush(v) + flush(y[i])))), a.shape, a.dtype);
  },
};
