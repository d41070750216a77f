/**
 * Every place where the TF.js adapter copies tensor data to the host inside an op, and why the algorithm
 * forces it. Everything else is composed from TF.js ops and stays on the device. A host read is
 * synchronous (dataSync): it blocks on webgl and is impossible on webgpu, where `readOnHost` raises
 * UnsupportedError instead.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TypedArray } from '../../src/dtypes.js';
import { UnsupportedError } from '../../src/errors.js';
import { quirk } from './quirks.js';

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
      'second pool of a NaN / -inf mask: four more passes over the input and a pool. allFinite first ' +
      'finds whether any value is NaN or infinite, and where none is, that work is skipped. The GPU ' +
      'backends always pool the mask, as they cannot read without stalling (webgl) or at all (webgpu).',
  },
  {
    op: 'adaptive_max_pool (float32, on cpu, wasm and tensorflow)',
    why:
      "lax.max keeps NaN and TF.js's maximum need not, so a NaN mask rides along as more channels through " +
      "every tap's gather and maximum, then a select: twice the gathers and five more passes per spatial " +
      'dim. allFinite checks the input of each dim first, and where it is all finite, the mask is skipped.',
  },
  {
    op: 'unfold (float32, on cpu, wasm and tensorflow)',
    why:
      "Keras-JAX's identity-kernel convolution turns a window's other values NaN where one is NaN or " +
      'infinite (inf * 0), so the gathered windows need a mask of their non-finite entries, summed per ' +
      'window, and a select: seven passes over an output kernel_size**2 times the input, at 1x64x64x64 by ' +
      '3x3 94 ms on wasm (37 ms without), 0.94 s on cpu, 3.4 ms on tensorflow. allFinite checks the input ' +
      'instead, and where it is all finite, that work is skipped.',
  },
  {
    op: 'depthwise_conv, separable_conv, and conv with a 1x1 kernel (float32, on wasm)',
    why:
      "XNNPACK's depthwise conv and 1x1 GEMM turn NaN into -inf, so Keras's NaN needs the same conv of a " +
      'NaN mask and a select: 5x the time of the conv (14 ms against 2.1 ms at 1x128x128x64). allFinite ' +
      'first finds whether the input holds a NaN or infinity, and where it does not, that work is skipped.',
  },
];

/**
 * Whether every value of x is finite: one pass and a read, so an op can skip the correction that
 * NaN or infinity would need (HOST_READS says which). The values are read where they are on the host
 * already or few (a small copy beats a device reduction's dispatch), else one float reduced from
 * them on the device. Never where a read stalls (the GPUs): there the answer is no.
 */
const HOST_SCAN_MAX = 1 << 14;

export function allFinite(x: tf.Tensor): boolean {
  if (quirk.hostReadStalls()) return false;
  const what = 'The finiteness check';
  const instead = 'It is not called on GPU backends.';
  if (quirk.valuesLiveOnHost() || x.size <= HOST_SCAN_MAX) return finiteValues(readOnHost(x, what, instead));
  return Number.isFinite(readOnHost(finiteProbe(x), what, instead)[0]);
}

/**
 * The tensor's values on the host, read synchronously on the active TF.js backend; where that backend
 * cannot (webgpu), UnsupportedError saying what needs the read (`what`) and what to do instead (`instead`).
 */
export function readOnHost(h: tf.Tensor, what: string, instead: string): TypedArray {
  if (quirk.cannotReadSync()) {
    const backend = tf.getBackend();
    throw new UnsupportedError(
      `${what} reads tensor data to the host synchronously, which TF.js's ${backend} backend cannot do ` +
        `(dataSync there returns zeros and breaks the device). ${instead}`,
    );
  }
  return h.dataSync() as TypedArray;
}

/**
 * A value that is finite exactly when every value of x is, or when a finite input overflows (which only
 * sends it the long way): the sum, and where Sum is a scalar loop (wasm) the mean of the columns of a
 * [1, n / k, 1, k] view by XNNPACK's average pool, which reads x once, k lanes at a time: a third of
 * the time. (A matMul with ones was as fast only on the same input again:
 * XNNPACK packs its weight operand, x, and caches that per tensor, so each new input paid 2.4 ms at
 * 1e6 values.) The pool's output clamp may turn a NaN into -inf, still not finite.
 */
function finiteProbe(x: tf.Tensor): tf.Tensor {
  const lanes = [16, 8, 4, 2].find((k) => x.size % k === 0);
  if (!quirk.sumIsScalarLoop() || lanes === undefined) return tf.sum(x);
  const rows = x.size / lanes;
  return tf.sum(tf.avgPool(tf.reshape(x, [1, rows, 1, lanes]) as tf.Tensor4D, [rows, 1], 1, 'valid'));
}

/** v * 0 is 0 for a finite v and NaN otherwise; four sums so the loop is not one dependency chain. */
function finiteValues(d: ArrayLike<number>): boolean {
  let a = 0, b = 0, c = 0, e = 0;
  const n4 = d.length - (d.length % 4);
  for (let i = 0; i < n4; i += 4) {
    a += d[i] * 0;
    b += d[i + 1] * 0;
    c += d[i + 2] * 0;
    e += d[i + 3] * 0;
  }
  for (let i = n4; i < d.length; i++) a += d[i] * 0;
  return a + b + c + e === 0;
}
