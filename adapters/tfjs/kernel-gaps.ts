/**
 * Calls a TF.js backend's own kernel refuses, found by asking that kernel: a tiny call it either runs or
 * throws on, made once per backend. Never by the backend's name or the host's CPU: tfjs-tensorflow's
 * answer depends on which kernels libtensorflow registered, and that follows its oneDNN setting, which
 * follows TF_ENABLE_ONEDNN_OPTS or, when unset, the CPU (TensorFlow 2.17 turns oneDNN on by default
 * only with AVX-512-class features). Where a kernel refuses, the adapter composes the op from calls it
 * takes; where it accepts, its native path stays.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface KernelGap {
  /** What the kernel refuses, as a person would search for it. */
  readonly what: string;
  readonly why: string;
  /** A call that throws on a backend with the gap. */
  readonly probe: () => tf.Tensor;
}

const image = () => tf.ones([1, 5, 5, 1]) as tf.Tensor4D;
const taps = () => tf.ones([2, 2, 1, 1]) as tf.Tensor4D;

export const KERNEL_GAPS = {
  dilatedDepthwise: {
    what: 'depthwise conv with a dilation',
    why:
      "libtensorflow's plain DepthwiseConv2dNative (tfjs-tensorflow with oneDNN off) raises 'Current kernel " +
      "implementation does not support dilations' for any dilation; oneDNN's takes them. Composed as one " +
      'undilated depthwise conv over the space-to-batch phases of the input (as TensorFlow\'s atrous conv).',
    probe: () => tf.depthwiseConv2d(image(), taps(), 1, 'valid', 'NHWC', 2),
  },
  unequalDepthwiseStrides: {
    what: 'depthwise conv with unequal row and column strides',
    why:
      "libtensorflow's plain DepthwiseConv2dNative (oneDNN off) supports only equal strides in the row and " +
      'column dims; 1-D convs and pools reach it through a (1, s) view, and average_pool sums windows with ' +
      'it. Composed as the conv at the strides\' common divisor, then every (s / divisor)-th output.',
    probe: () => tf.depthwiseConv2d(image(), taps(), [1, 2], 'valid'),
  },
} satisfies Record<string, KernelGap>;

export type GapName = keyof typeof KERNEL_GAPS;

const found = new Map<string, boolean>();

/** Whether the active backend's kernel refuses the gap's call (asked once per backend). */
export function lacks(gap: GapName): boolean {
  const key = `${tf.getBackend()}:${gap}`;
  let refused = found.get(key);
  if (refused === undefined) {
    refused = refuses(KERNEL_GAPS[gap].probe);
    found.set(key, refused);
  }
  return refused;
}

function refuses(probe: () => tf.Tensor): boolean {
  try {
    // No read: tfjs-tensorflow raises as the op runs, and a synchronous read would break webgpu.
    tf.tidy(probe);
    return false;
  } catch {
    return true;
  }
}
