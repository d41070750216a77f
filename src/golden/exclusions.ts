/**
 * THE exclusion list: golden cases not run on an adapter, one line per entry with its reason. A case id
 * or an id prefix ending in `*`; an adapter name, a prefix such as `tfjs-*`, or `*`; optionally the Keras
 * releases it holds for (`since`, `before`; src/golden/policy.ts). Excluded cases show
 * as pending, with the reason in the title. Entries that match no golden case fail the conformance spec.
 *
 * CALL_EXCLUSIONS, below, carry the same limits to calls no id names (keras-parity fuzz): a call that
 * falls under one is not run there, and is counted as excluded with the reason.
 */
import type { GoldenCase, GoldenValue } from './cases.js';
import type { CallExclusionEntry, ExclusionEntry } from './policy.js';
import { GoldenTensor } from './safetensors.js';
import { includes } from '../keras-versions.js';

const BEAM_SEARCH_READS = "unsupported: strategy='beam_search' reads the logits to the host synchronously, which webgpu cannot (UnsupportedError)";
const GPU_SIN_COS =
  "webgl's and webgpu's sin and cos (SwiftShader, headless Chromium) do no range reduction: cos(1e6) gives 0.9238 for 0.9368, cos(16777217) 0 for 0.6263, and angles up to 1e38 or 2^31 are off by up to 3.8 (times |abs_|)";
const NO_COMPLEX64 =
  "unsupported: TF.js 4.22's wasm backend has no Complex, Real or Imag kernel, so it cannot hold the complex64 tensor polar returns (or takes), not even copied from the host (UnsupportedError; adapters/tfjs/quirks.ts lacksComplex)";
const YNNPACK_MAX_NAN =
  "deliberate: Keras 3.15.1's XLA (JAX 0.10, CPU) pools windows of a float32 operand of 4096 values or more with " +
  'YNNPACK, whose max drops NaN by its place in the window ([NaN, 5] gives -inf, [5, NaN] 5); keras-parity ' +
  'propagates NaN, as lax.max specifies and JAX 0.4 computes (docs/deviations.md)';

export const EXCLUSIONS: readonly ExclusionEntry[] = [
  // Float32 overflow inside Keras's sums: 3e38-scale inputs overflow XLA's float32 accumulator to inf
  // (or inf - inf = NaN); the reference accumulates in float64 by design and stores the finite result.
  { case: 'average_pool/1d-same-p3-s1-channels_last-n10-special', adapter: 'reference', why: 'float32 overflow inside Keras: inf where the float64 sum is finite (docs/deviations.md)' },
  { case: 'average_pool/2d-same-p2-s1-channels_first-n4x5-special', adapter: 'reference', why: 'float32 overflow inside Keras: inf where the float64 sum is finite (docs/deviations.md)' },
  { case: 'conv/1d-same-s1-d1-channels_last-k3-n12-special', adapter: 'reference', why: 'float32 overflow inside Keras: inf / NaN where the float64 sum is finite (docs/deviations.md)' },
  { case: 'conv_transpose/1d-same-s2-d1-channels_last-k3-n12-special', adapter: 'reference', why: 'float32 overflow inside Keras: NaN where the float64 sum is finite (docs/deviations.md)' },
  // TF.js's cpu Conv2D / Conv2DBackpropInput work in float64 (JS numbers), so 3e38-scale products do
  // not overflow as XLA's float32 ones do; tfjs-wasm reproduces Keras here.
  { case: 'conv/1d-same-s1-d1-channels_last-k3-n12-special', adapter: 'tfjs-cpu', why: 'float32 overflow inside Keras: inf where Keras has NaN at [0,8,0] (1 of 48; the others within abs 4.8e-7, rel 2.5e-7): TF.js cpu Conv2D multiplies in float64' },
  { case: 'conv_transpose/1d-same-s2-d1-channels_last-k3-n12-special', adapter: 'tfjs-cpu', why: 'float32 overflow inside Keras: -1.81e38 where Keras has NaN at [0,16,0] (1 of 96; the others within rel 2.1e-7): TF.js cpu Conv2DBackpropInput sums in float64' },
  // TensorFlow's oneDNN conv sums in another order: the overflow gives inf where XLA's gives inf + -inf.
  { case: 'conv/1d-same-s1-d1-channels_last-k3-n12-special', adapter: 'tfjs-tensorflow', why: 'float32 overflow inside the sum: inf where Keras-JAX has NaN (the 47 other outputs within abs 4.8e-7): oneDNN adds in another order' },
  { case: 'conv_transpose/1d-same-s2-d1-channels_last-k3-n12-special', adapter: 'tfjs-tensorflow', why: 'float32 overflow inside the sum: inf where Keras-JAX has NaN (the 95 other outputs within rel 3.2e-7): oneDNN adds in another order' },
  // JavaScript infers int32 for integer-valued arrays, so keras-parity promotes mixed int32/float32
  // instead of raising as JAX does (docs/deviations.md, "Values and dtypes").
  { case: 'depthwise_conv/error-int32_inputs-float32_kernel', adapter: '*', why: 'deliberate: mixed int32/float32 promotes instead of raising (docs/deviations.md)' },
  { case: 'separable_conv/error-int32_inputs-float32_depthwise', adapter: '*', why: 'deliberate: mixed int32/float32 promotes instead of raising (docs/deviations.md)' },
  { case: 'conv_transpose/error-int32_inputs-float32_kernel', adapter: '*', why: 'deliberate: mixed int32/float32 promotes instead of raising (docs/deviations.md)' },
  { case: 'normalize/error-order=2-3x4-i32', adapter: '*', why: 'deliberate: int32 with order 2 computes in float32 instead of raising (docs/deviations.md)' },
  // Keras-JAX's backend_utils fails these with a bare `assert` (empty AssertionError); keras-parity
  // raises ValueError with Keras's conv wording instead. From 3.14 on Keras raises that ValueError for the
  // padding itself (keras-team/keras#22420).
  { case: 'conv_transpose/error-padding=full', adapter: '*', before: '3.14', why: "deliberate: ValueError with Keras's padding message, not an empty AssertionError (docs/deviations.md)" },
  { case: 'conv_transpose/error-kernel_rank4-input_rank3', adapter: '*', why: "deliberate: ValueError with Keras's kernel-rank message, not an empty AssertionError (docs/deviations.md)" },
  { case: 'conv_transpose/error-input_rank2-kernel_rank3', adapter: '*', why: 'deliberate: ValueError naming the rank, not an empty AssertionError (docs/deviations.md)' },
  // jax.nn.glu asserts an even axis size; Keras's own check (its symbolic spec) raises ValueError.
  { case: 'glu/error-odd-*', adapter: '*', why: "deliberate: Keras's symbolic ValueError ('axis size must be divisible by 2. Received: x.shape=...'), not JAX's AssertionError (docs/deviations.md)" },
  // TF.js's webgl and webgpu compute int32 in float32 (webgl stores it in float textures; webgpu's
  // elementwise, select and pool shaders convert to f32): an int32 beyond 2^24 rounds, and JAX's wrapping
  // int32 arithmetic cannot be had. Measured in headless Chromium (SwiftShader).
  { case: 'relu/i32-extremes', adapter: 'tfjs-webgl', why: 'int32 computed in float32: 16777217 comes back 16777216 (1 of 13; abs 1)' },
  { case: 'relu/i32-extremes', adapter: 'tfjs-webgpu', why: 'int32 computed in float32: 16777217 comes back 16777216 (1 of 13; abs 1)' },
  { case: 'threshold/threshold=0.5-default_value=-2-i32-extremes', adapter: 'tfjs-webgl', why: 'int32 computed in float32: 16777217 comes back 16777216 (1 of 13; abs 1)' },
  { case: 'threshold/threshold=0.5-default_value=-2-i32-extremes', adapter: 'tfjs-webgpu', why: 'int32 computed in float32: 16777217 comes back 16777216 (1 of 13; abs 1)' },
  { case: 'max_pool/1d-same-p2-s2-channels_last-n7-int32_extremes', adapter: 'tfjs-webgl', why: 'int32 computed in float32: 2147483647 rounds to 2^31 and wraps to -2147483648, 217733500 gives 217733504 (10 of 16 differ)' },
  { case: 'max_pool/1d-same-p2-s2-channels_last-n7-int32_extremes', adapter: 'tfjs-webgpu', why: 'int32 computed in float32: 2147483647 comes back 2147483520, 217733500 as 217733504 (10 of 16 differ; abs up to 127)' },
  { case: 'unfold/k2-p1-n1x2x4x4-int32_extremes', adapter: 'tfjs-webgl', why: 'int32 held in float32: 2147483647 rounds to 2^31 and wraps to -2147483648 (120 of 200 differ)' },
  { case: 'unfold/k2-p1-n1x2x4x4-int32_extremes', adapter: 'tfjs-webgpu', why: 'int32 held in float32: 2147483647 comes back 2147483520 (120 of 200 differ; abs up to 127)' },
  { case: 'fold/o4-k2-n1x8x9-int32_extremes', adapter: 'tfjs-webgl', why: "int32 summed in float32: JAX's wrapping int32 sums cannot be had; 1471568512 for 1471568528 (31 of 32 differ)" },
  { case: 'fold/o4-k2-n1x8x9-int32_extremes', adapter: 'tfjs-webgpu', why: "int32 summed in float32: JAX's wrapping int32 sums cannot be had; 1471568384 for 1471568528 (31 of 32 differ)" },
  { case: 'psnr/int32-maxval255-2x3', adapter: 'tfjs-webgl', why: "int32 computed in float32: JAX's wrapping int32 square (products up to 2^32) cannot be formed; NaN where Keras has 9.1231" },
  { case: 'psnr/int32-maxval255-2x3', adapter: 'tfjs-webgpu', why: "int32 computed in float32: JAX's wrapping int32 square (products up to 2^32) cannot be formed; 16.5057 where Keras has 9.1231 (abs 7.38)" },
  { case: 'psnr/int32-wrap-maxval255-2', adapter: 'tfjs-webgpu', why: "int32 computed in float32: JAX's int32 square wraps to 0 (inf dB), webgpu's float square does not: -42.18 where Keras has inf" },
  // webgpu cannot read a tensor synchronously (dataSync returns zeros and breaks the device), and the
  // beam search reads its logits to the host (adapters/tfjs/host-reads.ts): UnsupportedError there.
  { case: 'ctc_decode/beam-*', adapter: 'tfjs-webgpu', why: BEAM_SEARCH_READS },
  { case: 'ctc_decode/pairs-dtype=bool-strategy=beam_search-beam_width=gt1-top_paths=gt1-merge_repeated=true-mask_index=0-sequence_lengths=full', adapter: 'tfjs-webgpu', why: BEAM_SEARCH_READS },
  // polar's valid cases start with abs_'s dtype; of its errors only the one with a complex64 argument
  // needs the backend to hold complex64 (the others are raised before any tensor is complex).
  { case: 'polar/f32-*', adapter: 'tfjs-wasm', why: NO_COMPLEX64 },
  { case: 'polar/i32-*', adapter: 'tfjs-wasm', why: NO_COMPLEX64 },
  { case: 'polar/bool-*', adapter: 'tfjs-wasm', why: NO_COMPLEX64 },
  { case: 'polar/error-complex64_*', adapter: 'tfjs-wasm', why: NO_COMPLEX64 },
  { case: 'polar/f32-special-*', adapter: 'tfjs-web*', why: GPU_SIN_COS },
  { case: 'polar/f32-large_angles-*', adapter: 'tfjs-web*', why: GPU_SIN_COS },
  { case: 'polar/i32-i32-extremes-*', adapter: 'tfjs-web*', why: GPU_SIN_COS },
];

/** Every tensor of a case: its arguments' and Keras's outputs. */
function tensorsOf(c: GoldenCase): GoldenTensor[] {
  const found: GoldenTensor[] = [];
  const walk = (v: GoldenValue): void => {
    if (v instanceof GoldenTensor) found.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  [...c.args, ...Object.values(c.kwargs)].forEach(walk);
  if ('outputs' in c.expected) c.expected.outputs.forEach(walk);
  return found;
}

/**
 * An int32 of magnitude above `limit` among the inputs or Keras's outputs. webgl and webgpu hold or
 * compute int32 as float32, so such a value rounds before any kernel sees it. Whether that shows depends
 * on the op's formula (Keras's int32 max-shift in log_softmax does see it, its float conversion in
 * softsign rounds the same way), so every such call is left out; the golden cases above are listed one
 * by one, where one fails.
 */
const int32Beyond = (limit: number) => (c: GoldenCase) =>
  tensorsOf(c).some((t) => t.dtype === 'int32' && t.data.some((v) => Math.abs(v) > limit));

// The limit of relu/i32-extremes and max_pool/*-int32_extremes above, for any call.
const INT32_IN_FLOAT32 = 'int32 computed in float32: an int32 beyond 2^24 rounds';

/**
 * sparsemax's finite logits whose magnitudes add up past float32's largest value: some partial sum of a row
 * can overflow, and whether one does depends on the order of the additions.
 */
function sparsemaxSumsMayOverflow(c: GoldenCase): boolean {
  const x = c.args[0] ?? c.kwargs.x;
  if (c.op !== 'sparsemax' || !(x instanceof GoldenTensor)) return false;
  let total = 0;
  for (const v of x.data) if (Number.isFinite(v)) total += Math.abs(v);
  return total >= 3.4028234663852886e38;
}

const GPU_CUMSUM_ORDER =
  "the GPUs' cumsum adds in a parallel scan's order, so near float32's largest value its partial sums overflow " +
  "where JAX's sequential ones do not (x = [3e38, 0, -3e38, -3e38]: -inf from -3e38 + -3e38), which moves " +
  "sparsemax's support and so its gradient (the forward's threshold is -inf either way; seed 1205 of fuzz --grad)";

export const CALL_EXCLUSIONS: readonly CallExclusionEntry[] = [
  { adapter: 'tfjs-webgl', when: int32Beyond(2 ** 24), why: INT32_IN_FLOAT32 },
  { adapter: 'tfjs-webgpu', when: int32Beyond(2 ** 24), why: INT32_IN_FLOAT32 },
  // ctc_decode/beam-* above: the calls Keras decodes (its errors are raised before any kernel runs).
  { adapter: 'tfjs-webgpu', when: (c) => c.op === 'ctc_decode' && c.kwargs.strategy === 'beam_search' && 'outputs' in c.expected, why: BEAM_SEARCH_READS },
  // polar/* above: a complex64 result, or a complex64 tensor anywhere in the call.
  { adapter: 'tfjs-wasm', when: (c) => (c.op === 'polar' && 'outputs' in c.expected) || tensorsOf(c).some((t) => t.dtype === 'complex64'), why: NO_COMPLEX64 },
  // The tolerance of polar's golden cases there (src/golden/tolerances.ts) does not reach fuzz calls.
  {
    adapter: 'tfjs-web*',
    when: (c) => c.op === 'polar' && 'outputs' in c.expected,
    why: `${GPU_SIN_COS}; within +-10 they are off by up to 1.9e-4 relatively, past the tolerance of a fuzz call`,
  },
  { adapter: 'tfjs-web*', when: sparsemaxSumsMayOverflow, why: GPU_CUMSUM_ORDER },
  // No golden case pools that many values (tools/golden/catalogue/pooling.py).
  { adapter: '*', when: maxPoolDropsNaN, why: YNNPACK_MAX_NAN },
];

/**
 * A max pool of a float32 input holding NaN under Keras 3.15, where an operand of a reduce_window may
 * reach 4096 values: the input, or for adaptive_max_pool an intermediate, whose size the product of the
 * larger of each input and output dim bounds (batch and channels are the same in both).
 */
function maxPoolDropsNaN(c: GoldenCase): boolean {
  if ((c.op !== 'max_pool' && c.op !== 'adaptive_max_pool') || !includes(c.keras ?? '3.6.0', '3.15')) return false;
  const [x] = c.args;
  if (!(x instanceof GoldenTensor) || x.dtype !== 'float32' || !x.data.some(Number.isNaN) || !('outputs' in c.expected)) return false;
  const y = c.expected.outputs[0];
  return x.shape.reduce((p, n, a) => p * Math.max(n, y.shape[a] ?? 0), 1) >= 4096;
}

/**
 * Gradient cases (golden/grad/) not run on an adapter, by the forward case's id, with the reason and the
 * measured error: the same entries as EXCLUSIONS, for jax.vjp's gradients.
 */
const PRODUCT_OVERFLOW =
  "kernel[1, 0, 0] sums the 24 products x * dy of a row holding inf, -inf and 3e38: XLA's float32 product 3e38 * dy " +
  'overflows to +inf where dy > 1.13 and meets the -inf of inf times a negative dy, NaN. The convs of tfjs-cpu ' +
  "(float64 products added into the sum) and tfjs-tensorflow (Eigen's fused multiply-adds) never round a product " +
  'alone, so no +inf arises beside the -inf the sum holds: -inf for NaN (measured, Keras 3.6.0 and 3.15.1, oneDNN on ' +
  "and off; the other 11 kernel values and the 48 input values within the case's tolerance, max abs 4.77e-7). " +
  'Rounding each product needs them all in memory, C_in x C_out per tap and position';

export const GRADIENT_EXCLUSIONS: readonly ExclusionEntry[] = [
  { case: 'conv/1d-same-s1-d1-channels_last-k3-n12-special', adapter: 'tfjs-cpu', why: PRODUCT_OVERFLOW },
  { case: 'conv/1d-same-s1-d1-channels_last-k3-n12-special', adapter: 'tfjs-tensorflow', why: PRODUCT_OVERFLOW },
  // polar's forward is excluded there for the same reasons; its gradients multiply by the same cos and sin.
  { case: 'polar/f32-*', adapter: 'tfjs-wasm', why: NO_COMPLEX64 },
  { case: 'polar/i32-*', adapter: 'tfjs-wasm', why: NO_COMPLEX64 },
  { case: 'polar/bool-*', adapter: 'tfjs-wasm', why: NO_COMPLEX64 },
  { case: 'polar/f32-special-*', adapter: 'tfjs-web*', why: GPU_SIN_COS },
  { case: 'polar/f32-large_angles-*', adapter: 'tfjs-web*', why: GPU_SIN_COS },
];
