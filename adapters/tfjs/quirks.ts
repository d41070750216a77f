/**
 * Every way a TF.js 4.22 backend differs that a kernel has to know, each a named predicate with its
 * reason and the figure that showed it: kernels ask `quirk.xnnpackTurnsNaNToMinusInf()`, never
 * tf.getBackend(). A quirk is either a fact of named backends, or a call some kernel refuses, asked of
 * the active backend's kernel once (a tiny call it runs or throws on): never the host's name or CPU,
 * since tfjs-tensorflow's kernels follow libtensorflow's oneDNN setting, which follows
 * TF_ENABLE_ONEDNN_OPTS or, unset, the CPU (TensorFlow 2.17 turns oneDNN on by default only with
 * AVX-512-class features).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TfjsBackend } from './engine.js';

interface Quirk {
  readonly why: string;
  /** The backends that have it, or a call that throws on a backend that has it. */
  readonly on: readonly TfjsBackend[] | (() => tf.Tensor);
}

const image = () => tf.ones([1, 5, 5, 1]) as tf.Tensor4D;
const taps = () => tf.ones([2, 2, 1, 1]) as tf.Tensor4D;

export const QUIRKS = {
  // Refusals, asked of the kernel.
  lacksDilatedDepthwise: {
    why:
      "libtensorflow's plain DepthwiseConv2dNative (tfjs-tensorflow with oneDNN off) raises 'Current kernel " +
      "implementation does not support dilations' for any dilation; oneDNN's takes them. Composed as one " +
      "undilated depthwise conv over the input's space-to-batch phases, as TensorFlow's atrous conv: " +
      "depthwise_conv at 1x128x128x32 by 3x3, dilation 2, 'same', takes 3.5 ms, against 4.3 ms on oneDNN's kernel.",
    on: () => tf.depthwiseConv2d(image(), taps(), 1, 'valid', 'NHWC', 2),
  },
  lacksUnequalDepthwiseStrides: {
    why:
      "libtensorflow's plain DepthwiseConv2dNative (oneDNN off) takes only equal row and column strides, and " +
      '1-D convs and pools reach it through a (1, s) view; average_pool sums windows with it. Composed as ' +
      "the conv at the strides' common divisor, then every (s / divisor)-th output: depthwise_conv at " +
      "1x128x128x32 by 3x3, strides (1, 2), 'same', takes 1.8 ms, against 0.9 ms on oneDNN's kernel (the " +
      'stride-1 conv is 1.5 ms; 4.8 ms while its result was cut by a StridedSlice: stridedSliceLosesToGather).',
    on: () => tf.depthwiseConv2d(image(), taps(), [1, 2], 'valid'),
  },
  lacksDilatedConv3d: {
    why:
      "libtensorflow's Conv3D raises 'CPU Dilation depth must be 1' with oneDNN on or off, and with it off " +
      'refuses any dilation; a dilated kernel is then applied tap by tap (a kernel dilated with zeros would ' +
      'turn 0 * inf into NaN).',
    on: () => tf.conv3d(tf.ones([1, 5, 5, 5, 1]) as tf.Tensor5D, tf.ones([2, 2, 2, 1, 1]) as tf.Tensor5D, 1, 'valid', 'NDHWC', 2),
  },
  lacksComplex: {
    why:
      "TF.js 4.22's wasm backend registers no Complex, Real or Imag kernel ('Kernel 'Complex' not registered " +
      "for backend 'wasm''), and a complex64 tensor can only be made by tf.complex: it cannot hold complex64 " +
      '(polar returns it) at all, not even by copying from the host.',
    on: () => tf.complex(tf.zeros([1]), tf.zeros([1])),
  },

  // Wrong or slow results, by backend.
  conv3dMisplacesSingleWindowRows: {
    why:
      "libtensorflow's Conv3D misplaces rows or reads unset memory where a dim holds one window and its " +
      'stride is above 1 (input 1x3x3 of 0..8, kernel 1x1x3, strides (1, 1, 2) gives 3, 5, 7 for 3, 12, ' +
      '7); such a dim is cut to its window and strided by 1, the same outputs.',
    on: ['tensorflow'],
  },
  xnnpackTurnsNaNToMinusInf: {
    why:
      "XNNPACK's depthwise conv and its 1x1 conv (a GEMM) turn NaN into -inf; JAX's window that reads a NaN " +
      'is NaN whatever the weight, so the NaN mask is convolved too: 5x the conv (14 ms against 2.1 ms at ' +
      '1x128x128x64), skipped where the input is all finite (host-reads.ts).',
    on: ['wasm'],
  },
  conv2dSameIsLax: {
    why:
      "libtensorflow's 2-D 'same' puts the odd pad cell at the end, as lax does, at no pad op's cost; " +
      "elsewhere explicit pads are passed (wasm's 'same' gives zeros for some shapes).",
    on: ['tensorflow'],
  },
  transposedConvIsScalarLoop: {
    why:
      "wasm's conv2dTranspose is a scalar loop while its conv goes to XNNPACK: one conv per output phase is " +
      '4.1x faster at 1x64x64x64 by 3x3x64x64, stride 2, and 5.2x at 1x32x32x32 by 3x3x32x32, stride 1, ' +
      'from 2^20 multiply-adds a phase (below, XNNPACK setting up each conv costs more than it saves).',
    on: ['wasm'],
  },
  batchedMatMulIsScalarLoop: {
    why:
      'wasm hands a matMul to XNNPACK only for one batch and no transposed operand, and runs any other as ' +
      'a scalar loop, 4-5x slower (219 ms against 46 ms for 16 batches of 512x64 @ 64x512); batches of ' +
      '2^16 multiply-adds and more go one by one (2^15 loses, 2^17 wins).',
    on: ['wasm'],
  },
  maxPoolStartsAtMinusInf: {
    why:
      "cpu's and wasm's max pools start a window at -inf; tensorflow's MaxPool starts at -FLT_MAX and the " +
      "GPUs' at -1e20, so there a window of -inf cells needs its own mask.",
    on: ['cpu', 'wasm'],
  },
  tileIsScalarLoop: {
    why:
      "wasm's Tile copies one value at a time, and tf.where tiles each operand to the result's shape: " +
      'hard_tanh of 1e5 values spent 18.9 ms of 20.4 tiling two scalars; a multiply by ones (gpu-layout.ts) ' +
      'spreads one in 0.02 ms, and the call takes 2.0 ms.',
    on: ['wasm'],
  },
  lastAxisGatherIsSlow: {
    why:
      "wasm's and tensorflow's GatherV2 along a last axis move one value per index: unfold's gather of " +
      '2.36M values (1x64x64x64 by 3x3) took 128 ms on wasm and 24 ms on tensorflow, one strided slice per ' +
      'tap and a stack 21 and 13 ms (the same moves). cpu keeps the gather: its slices took 2 s there.',
    on: ['wasm', 'tensorflow'],
  },
  stridedSliceLosesToGather: {
    why:
      "cpu's StridedSlice places every value through TensorBuffer get and set, and libtensorflow's is slower " +
      "than a gather of the same cells too: every 2nd of 65 rows of a 1x65x65x64 (one of max_pool's window " +
      'taps) took 62 ms on cpu and 1.76 ms on tensorflow, a gather 8.2 and 0.21 ms, slices of a (count, ' +
      "stride) split 68 and 0.95 ms; the bench's max_pool gradient went from 721 to 467 ms on cpu and from " +
      '14.6 to 8.3 ms on tensorflow.',
    on: ['cpu', 'tensorflow'],
  },
  stridedSliceLosesToSlices: {
    why:
      "wasm's StridedSlice is slow, and its Slice copies whole rows up to rank 4 but goes value by value " +
      'past it: every 2nd of 65 rows of a 1x65x65x64 took 18.8 ms as a StridedSlice, 74 ms as slices of a ' +
      'rank-5 (count, stride) split, 4.7 ms as a gather, 1.1 ms as slices of a rank-4 split that merges ' +
      "the dims around the axis; the bench's max_pool gradient went from 92 to 22 ms (in Chromium's page, " +
      'a training step with such a pool from 189 to 130 ms).',
    on: ['wasm'],
  },
  sumIsScalarLoop: {
    why:
      "wasm's Sum adds one value at a time; XNNPACK's average pool over a [1, n / k, 1, k] view reads k " +
      'lanes at a time, a third of the time (0.18 ms at 1e6 values).',
    on: ['wasm'],
  },
  valuesLiveOnHost: {
    why: "cpu's tensors are JavaScript arrays: reading one costs no copy from a device.",
    on: ['cpu'],
  },
  readsHandOutStorage: {
    why:
      "cpu hands back its own storage, webgl and webgpu their CPU-side cache, so a read is copied before the " +
      'caller may write to it (0.63 ms at 1e6 values on cpu); wasm and tensorflow copy out of their memory ' +
      'on every read.',
    on: ['cpu', 'webgl', 'webgpu'],
  },
  cannotReadSync: {
    why:
      "webgpu's dataSync() returns zeros and leaves the device broken (every later read fails with an " +
      'AbortError from mapAsync), so it is never called there.',
    on: ['webgpu'],
  },
  hostReadStalls: {
    why: 'a synchronous read stalls the webgl pipeline and is impossible on webgpu, so GPU kernels never read.',
    on: ['webgl', 'webgpu'],
  },

  // Special values on the GPUs (SwiftShader in headless Chromium).
  maxReduceStartsAtMinus1e20: {
    why:
      "webgl's max reduction starts from -1e20 ('-1 / eps', for Firefox), so a slice whose values all lie " +
      'below gives -1e20 (a fully masked attention row, softmax of -1e30s); redone on the input scaled by ' +
      '2^-70 (exact for such magnitudes).',
    on: ['webgl'],
  },
  maxPoolStartsAtMinus1e20: {
    why: "webgl's and webgpu's max pools start from -1e20: a pool of -3e38s gives -1e20; redone scaled as above.",
    on: ['webgl', 'webgpu'],
  },
  equalRatioIsOne: {
    why: "webgl's division returns 1 wherever a == b, 0/0 and inf/inf included; those are NaN.",
    on: ['webgl'],
  },
  losesNaN: {
    why:
      'NaN in, NaN out fails on the GPUs: exp and expm1 of NaN are inf on both, webgpu\'s log of NaN is 89.1 ' +
      "and its sigmoid of NaN 0, webgl's pow(NaN, y) is finite, log(0) is -88.03 on both, and webgl's packed " +
      "relu turns -inf into NaN; TF.js's softmax kernels lose NaN and -inf the same way.",
    on: ['webgl', 'webgpu'],
  },
  gpuRankLimit: {
    why:
      'past rank 4 the GPU shaders do not compile or throw: pad (GLSL has no ivec5, WGSL no vec5), reverse ' +
      "(webgpu reshapes to rank 4: 'Size(32) must match the product of shape 2,2,2,2') and where ('Where for " +
      "rank 5 is not yet supported'). The compositions are used on every backend, so no predicate asks this.",
    on: ['webgl', 'webgpu'],
  },
  castToFloatRelabels: {
    why:
      "cpu's Cast of int32 to float32 keeps the Int32Array and only relabels it (TF.js counts the cast as " +
      'lossless), so 2^24 + 1 stays exact where XLA rounds it to 2^24, and every later op sees the exact int; ' +
      'a multiply by 1 writes a real float32 array.',
    on: ['cpu'],
  },
  intLayoutBroken: {
    why:
      "webgpu's general TransposeProgram does not compile for int32 or bool ('type mismatch ... expected " +
      "f32, got i32') and its pipeline cache is keyed by the permutation alone, so after a float32 " +
      'transpose an int32 one reads float bits; reductions over leading axes go through it too (log_softmax ' +
      'of int32 over axis 0 reduced zeros); and its cast of int32 or bool to float32 only relabels the ' +
      'buffer. A gather by the permuted flat indices moves the values instead, and a multiply by 1 writes ' +
      'a real float32 buffer (exact up to 2^24, as every int32 op there: it computes them in f32).',
    on: ['webgpu'],
  },
  reverseCumsumKeepsFirstLength: {
    why:
      "webgpu's cumulative sum from the end writes the summed axis' length into its shader but keys its " +
      'pipeline cache by rank and dtype alone, so every later reverse cumsum runs with the first length ' +
      "seen: after one over 7 values, one over rows of 4 reads into the next row (sparsemax's gradient over " +
      '3x4 gave -0.9996 where JAX has 0). Reversed, summed forward (its shader has no length) and reversed back.',
    on: ['webgpu'],
  },
  powOfZeroIsFinite: {
    why:
      'a negative power of 0 is finite on the GPUs, where it should be inf: pow is exp2(y log2 x) with their log ' +
      "of 0 (-88.03, log2 -127), about 3e25 for pow(0, -2/3); normalize's order-3 gradient at a zero vector, " +
      "which goes through that power (JAX's 0 * inf, NaN), came out g / epsilon (-1.07e7).",
    on: ['webgl', 'webgpu'],
  },
} satisfies Record<string, Quirk>;

export type QuirkName = keyof typeof QUIRKS;

const refusals = new Map<string, boolean>();

/** Whether `backend` (default: the active one) has the quirk; a refusal is asked of the active backend. */
function has(name: QuirkName, backend: string = tf.getBackend()): boolean {
  const { on } = QUIRKS[name] as Quirk;
  if (typeof on !== 'function') return (on as readonly string[]).includes(backend);
  const key = `${backend}:${name}`;
  let refused = refusals.get(key);
  if (refused === undefined) {
    refused = refuses(on);
    refusals.set(key, refused);
  }
  return refused;
}

function refuses(call: () => tf.Tensor): boolean {
  try {
    // No read: tfjs-tensorflow raises as the op runs, and a synchronous read would break webgpu.
    tf.tidy(call);
    return false;
  } catch {
    return true;
  }
}

/** One predicate per quirk: `quirk.lacksDilatedDepthwise()`. */
export const quirk = Object.fromEntries(
  (Object.keys(QUIRKS) as QuirkName[]).map((name) => [name, (backend?: string) => has(name, backend)]),
) as { readonly [K in QuirkName]: (backend?: TfjsBackend) => boolean };
