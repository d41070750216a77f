/**
 * Every place where the TF.js adapter copies tensor data to the host inside an op, and why the algorithm
 * forces it. Everything else is composed from TF.js ops and stays on the device. A host read is
 * synchronous (dataSync): it blocks on webgl and is impossible on webgpu, where `readOnHost` raises
 * UnsupportedError instead.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TypedArray } from '../../src/dtypes.js';
import { UnsupportedError } from '../../src/errors.js';

export interface HostRead {
  /** The Keras op name, with the option that takes this path when only one does. */
  readonly op: string;
  readonly why: string;
}

export const HOST_READS: readonly HostRead[] = [
  {
    op: "ctc_decode (strategy='beam_search')",
    why:
      "Keras-JAX's pruned beam search deduplicates, at every time step, the 2 * beam_width * C extended " +
      'label paths with jnp.unique(axis=0): a lexicographic sort of variable-length integer rows, whose ' +
      'order also breaks ties in the stable argsort that keeps the beam_width best; identical paths are ' +
      'merged by a scatter-add of their probabilities. TF.js has no row sort, row unique or segment merge: ' +
      'composing them needs pairwise comparison of all R = 2 * beam_width * C rows (R^2 * T values per ' +
      'step, 36e6 * T for the default beam_width 100 with C = 30) or T sort passes per step, and a ' +
      'data-dependent loop. So the logits and sequence_lengths are read (dataSync) and the reference ' +
      "adapter's float64 beam search (adapters/reference/ctc.ts, the spec) runs on them; the paths and " +
      "scores are uploaded. Greedy decoding and ctc_loss stay on the device. Raises UnsupportedError on " +
      'webgpu, which cannot read synchronously.',
  },
  {
    op: 'max_pool (float32, on cpu, wasm and tensorflow)',
    why:
      "TF.js's max pools drop NaN, and tensorflow's starts its max at -FLT_MAX, so Keras's result needs a " +
      'second pool of a NaN / -inf mask: four more passes over the input and a pool. One pass first finds ' +
      'whether any value is NaN or infinite, and where none is, that work is skipped. It reads the values ' +
      'where they are on the host already (cpu) or few (up to 2^14: that copy costs less than a device ' +
      "reduction's dispatch), else one float reduced from them on the device. The GPU backends always " +
      'pool the mask, as they cannot read without stalling (webgl) or at all (webgpu).',
  },
];

/**
 * TF.js backends whose synchronous read cannot be used: on webgpu dataSync() returns zeros and leaves the
 * device broken (every later read fails with an AbortError from mapAsync), so it is never called there.
 */
const NO_SYNC_READ: ReadonlySet<string> = new Set(['webgpu']);

export function canReadSync(backend: string): boolean {
  return !NO_SYNC_READ.has(backend);
}

/**
 * The tensor's values on the host, read synchronously on the active TF.js backend; where that backend
 * cannot (webgpu), UnsupportedError saying what needs the read (`what`) and what to do instead (`instead`).
 */
export function readOnHost(h: tf.Tensor, what: string, instead: string): TypedArray {
  const backend = tf.getBackend();
  if (!canReadSync(backend)) {
    throw new UnsupportedError(
      `${what} reads tensor data to the host synchronously, which TF.js's ${backend} backend cannot do ` +
        `(dataSync there returns zeros and breaks the device). ${instead}`,
    );
  }
  return h.dataSync() as TypedArray;
}
