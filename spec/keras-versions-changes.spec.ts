/**
 * Each change a later Keras made to the conv family, dot_product_attention, one_hot / multi_hot,
 * softmax / log_softmax and sparse_categorical_crossentropy, under Keras 3.6.0 and 3.15.1 side by side
 * (the op table's `changes` and `later` records). Messages and values are Keras 3.15.1's on JAX 0.10.2
 * (CPU) where Keras raises or computes them, else derived by hand beside the case.
 */
import { expect } from 'chai';
import { KerasIndexError, KerasRuntimeError, KerasTypeError, KerasValueError, tensor, type Spec, type Tensor } from '../src/index.js';
import { opsFor } from '../src/ops/api.js';
import { expectClose, expectKerasError } from './helpers.js';

const v36 = opsFor('3.6.0');
const v315 = opsFor('3.15.1');
type VersionOps = typeof v36 | typeof v315;
const f32 = (values: number[], shape: number[]) => tensor(values, shape, 'float32');
const ones = (shape: number[]) => f32(Array<number>(shape.reduce((a, b) => a * b, 1)).fill(1), shape);
const sym = (shape: (number | null)[], dtype = 'float32') => ({ shape, dtype });
const shapeOf = (t: Tensor | Tensor[]) => (t as Tensor).shape;
const specOf = (s: Spec | Spec[]) => s as Spec;

const CHANNELS = (c: number, k: number, df = 'channels_last') =>
  `The number of input channels must match the kernel's input channels. Received: input channels=${c}, kernel input channels=${k}, data_format='${df}'.`;
const EMPTY =
  'The convolution operation resulted in an empty output. This can happen if the input is too small for the given kernel size, ' +
  'strides, dilation rate, and padding mode. Please check the input shape and convolution parameters.';

describe('Keras version changes, under 3.6.0 and 3.15.1', () => {
  describe('conv_transpose', () => {
    // x = [1, 2, 3], a kernel of ones of length 2, strides 1, 'valid': each input adds to 2 outputs.
    const x = () => f32([1, 2, 3], [1, 3, 1]);
    it('strides defaults to 1 from 3.11 (keras-team/keras#21334); 3.6 requires it', () => {
      expectKerasError(
        () => v36.convTranspose(x(), ones([2, 1, 1])),
        KerasTypeError,
        'convTranspose() takes 3 positional arguments (inputs, kernel, strides) and an options object, but 2 were given',
      );
      expectKerasError(() => v36.call('conv_transpose', [x(), ones([2, 1, 1])]), KerasTypeError, /missing 1 required positional argument: 'strides'/);
      expectClose(v315.convTranspose(x(), ones([2, 1, 1])) as Tensor, [[[1], [3], [5], [3]]]);
      expectClose(v36.convTranspose(x(), ones([2, 1, 1]), 1) as Tensor, [[[1], [3], [5], [3]]]);
    });

    it('an unknown padding: ValueError with the padding helper\'s message from 3.14 (keras-team/keras#22420)', () => {
      const call = (ops: VersionOps) => () => ops.call('conv_transpose', [ones([1, 3, 1]), ones([2, 1, 1]), 2], { padding: 'causal' });
      // Keras 3.6 fails a bare assertion; keras-parity raises Keras's symbolic conv text (docs/deviations.md).
      expectKerasError(call(v36), KerasValueError, "`padding` must be either `'valid'` or `'same'`. Received causal.");
      expectKerasError(call(v315), KerasValueError, "The `padding` argument must be one of 'valid', 'same'. Received: padding=causal");
    });

    it('checks the input channels first from 3.15 (keras-team/keras#22861)', () => {
      const call = (ops: VersionOps) => () => ops.call('conv_transpose', [ones([2, 6, 3]), ones([3, 2, 2]), -1]);
      // Keras 3.6 leaves the channels to lax; keras-parity words it (docs/deviations.md).
      expectKerasError(
        call(v36),
        KerasValueError,
        'Argument `kernel` of conv_transpose must have shape[-1] (in_channels) equal to the number of input channels (3). Received: kernel.shape=(3, 2, 2)',
      );
      expectKerasError(call(v315), KerasValueError, CHANNELS(3, 2));
      expectKerasError(() => v315.outputSpec('conv_transpose', [sym([2, 6, 4]), sym([3, 2, 3])], { strides: 2 }), KerasValueError, CHANNELS(4, 3));
    });
  });

  describe('conv, depthwise_conv, separable_conv', () => {
    it('conv raises on an empty result from 3.13 (keras-team/keras#21796), not for an empty input from 3.14 (#22564)', () => {
      // A kernel of 5 over 3 inputs ('valid') leaves 3 - 5 + 1 < 1 positions; no filters leave no channels.
      expect(shapeOf(v36.conv(ones([1, 3, 1]), ones([5, 1, 1])))).to.deep.equal([1, 0, 1]);
      expect(shapeOf(v36.conv(ones([1, 3, 1]), ones([2, 1, 0])))).to.deep.equal([1, 2, 0]);
      expectKerasError(() => v315.conv(ones([1, 3, 1]), ones([5, 1, 1])), KerasValueError, EMPTY);
      expectKerasError(() => v315.conv(ones([1, 3, 1]), ones([2, 1, 0])), KerasValueError, EMPTY);
      for (const ops of [v36, v315]) expect(shapeOf(ops.conv(tensor([], [0, 3, 1], 'float32'), ones([2, 1, 1])))).to.deep.equal([0, 2, 1]);
    });

    it('separable_conv: its pointwise conv raises on an empty result, not on an empty depthwise result', () => {
      expectKerasError(() => v315.separableConv(ones([1, 3, 1]), ones([1, 1, 1]), ones([5, 1, 1])), KerasValueError, EMPTY);
      expect(shapeOf(v36.separableConv(ones([1, 3, 1]), ones([1, 1, 1]), ones([5, 1, 1])))).to.deep.equal([1, 0, 1]);
      for (const ops of [v36, v315]) expect(shapeOf(ops.separableConv(ones([1, 3, 1]), ones([5, 1, 1]), ones([1, 1, 1])))).to.deep.equal([1, 0, 1]);
    });

    it("outputSpec rejects a 'valid' size of 0 from 3.14, in a longer message (keras-team/keras#22092)", () => {
      const args = [sym([null, 3, 4, null]), sym([5, 2, 3, 6])];
      expect(specOf(v36.outputSpec('conv', args, { data_format: 'channels_first' })).shape).to.deep.equal([null, 6, 0, null]);
      expectKerasError(
        () => v315.outputSpec('conv', args, { data_format: 'channels_first' }),
        KerasValueError,
        'Computed output size would be zero or negative. Received `inputs shape=(None, 3, 4, None)`, `kernel shape=(5, 2, 3, 6)`, ' +
          '`dilation_rate=[1 1]`, `strides=(1, 1)`, `padding=valid`.',
      );
      const negative = [sym([2, 3, 3]), sym([5, 3, 4])];
      expectKerasError(
        () => v36.outputSpec('conv', negative),
        KerasValueError,
        'Computed output size would be negative. Received `inputs shape=(2, 3, 3)`, `kernel shape=(5, 3, 4)`, `dilation_rate=[1]`.',
      );
      expectKerasError(
        () => v315.outputSpec('conv', negative, { strides: 2 }),
        KerasValueError,
        'Computed output size would be zero or negative. Received `inputs shape=(2, 3, 3)`, `kernel shape=(5, 3, 4)`, ' +
          '`dilation_rate=[1]`, `strides=(2,)`, `padding=valid`.',
      );
      expect(specOf(v36.outputSpec('conv', negative, { strides: 2 })).shape).to.deep.equal([2, 0, 4]);
    });

    it('depthwise and separable check the input channels first from 3.15 (keras-team/keras#22687, #22853)', () => {
      expectKerasError(
        () => v36.depthwiseConv(ones([2, 6, 3]), ones([3, 2, 2])),
        KerasValueError,
        'Argument `kernel` must have shape[-2] equal to the number of input channels (3). Received: kernel.shape=(3, 2, 2)',
      );
      expectKerasError(() => v315.depthwiseConv(ones([2, 6, 3]), ones([3, 2, 2])), KerasValueError, CHANNELS(3, 2));
      expectKerasError(
        () => v315.depthwiseConv(ones([2, 3, 6]), ones([3, 2, 2]), { dataFormat: 'channels_first' }),
        KerasValueError,
        CHANNELS(3, 2, 'channels_first'),
      );
      expectKerasError(() => v315.separableConv(ones([2, 6, 3]), ones([3, 2, 1]), ones([1, 2, 4])), KerasValueError, CHANNELS(3, 2));
      expectKerasError(() => v315.outputSpec('separable_conv', [sym([2, 6, 4]), sym([3, 2, 1]), sym([1, 2, 3])]), KerasValueError, CHANNELS(4, 2));
      // It indexes kernel.shape[-2] before anything else.
      expectKerasError(() => v315.depthwiseConv(ones([2, 6, 3]), ones([3])), KerasIndexError, 'tuple index out of range');
    });

    it("conv's outputSpec requires equal channels from 3.15, so a grouped conv has none; eager calls keep groups", () => {
      const args = [sym([2, 6, 4]), sym([3, 2, 4])];
      expect(specOf(v36.outputSpec('conv', args)).shape).to.deep.equal([2, 4, 4]);
      expectKerasError(() => v315.outputSpec('conv', args), KerasValueError, CHANNELS(4, 2));
      // Two groups of 2 channels, a kernel of ones of length 3: each output sums 3 * 2 ones.
      for (const ops of [v36, v315]) expectClose(ops.conv(ones([1, 3, 4]), ones([3, 2, 4])) as Tensor, [[[6, 6, 6, 6]]]);
    });
  });

  describe('dot_product_attention', () => {
    // q = [1, 0]; keys [1, 0] and [0, 1]; H = 2, so the logits are [1, 0] / sqrt(2) and the weights
    // p = sigmoid(1/sqrt(2)) = 1 / (1 + exp(-0.70710678)) and 1 - p.
    const p = 1 / (1 + Math.exp(-Math.SQRT1_2));
    const q = () => f32([1, 0], [1, 1, 1, 2]);
    const k = () => f32([1, 0, 0, 1], [1, 2, 1, 2]);
    const v = () => f32([1, 2, 3, 4], [1, 2, 1, 2]);
    const attend = (ops: VersionOps, args: unknown[], kwargs: Record<string, unknown> = {}) => ops.call('dot_product_attention', args, kwargs) as Tensor;

    it('flash_attention (3.7, keras-team/keras#20152): None and False compute, True finds no cuDNN on CPU', () => {
      expectKerasError(() => attend(v36, [q(), k(), v()], { flash_attention: false }), KerasTypeError, /unexpected keyword argument 'flash_attention'/);
      // p * [1, 2] + (1 - p) * [3, 4]
      const want = [[[[3 - 2 * p, 4 - 2 * p]]]];
      for (const flash of [null, false]) expectClose(attend(v315, [q(), k(), v()], { flash_attention: flash }), want);
      expectKerasError(() => attend(v315, [q(), k(), v()], { flash_attention: true }), KerasRuntimeError, 'cuDNN is not detected.');
    });

    it('attn_logits_soft_cap (3.10, keras-team/keras#20999): off TPU any value raises, before the inputs are looked at', () => {
      const tpuOnly = 'attn_logits_soft_cap is only supported for JAX on TPU. Set attn_logits_soft_cap=None when not using JAX on TPU.';
      expectKerasError(() => attend(v36, [q(), k(), v()], { attn_logits_soft_cap: 1 }), KerasTypeError, /unexpected keyword argument 'attn_logits_soft_cap'/);
      expectKerasError(() => attend(v315, [q(), k(), v()], { attn_logits_soft_cap: 1 }), KerasValueError, tpuOnly);
      expectKerasError(() => attend(v315, [f32([1, 0], [1, 1, 2]), k(), v()], { attn_logits_soft_cap: 30 }), KerasValueError, tpuOnly);
      expectKerasError(() => v315.outputSpec('dot_product_attention', [sym([1, 1, 1, 2]), sym([1, 2, 1, 2]), sym([1, 2, 1, 2])], { attn_logits_soft_cap: 1 }), KerasValueError, tpuOnly);
      expectClose(attend(v315, [q(), k(), v()], { attn_logits_soft_cap: null }), [[[[3 - 2 * p, 4 - 2 * p]]]]);
    });

    it('key and value must be 4-D from 3.7 (keras-team/keras#20489); 3.6 gives them leading 1s', () => {
      const [k3, v3] = [f32([1, 0, 0, 1], [2, 1, 2]), f32([1, 2, 3, 4], [2, 1, 2])];
      expectClose(attend(v36, [q(), k3, v3]), [[[[3 - 2 * p, 4 - 2 * p]]]]);
      expectKerasError(
        () => attend(v315, [q(), k3, v3]),
        KerasValueError,
        '`dot_product_attention` only supports 4D inputs. Received: query.shape=(1, 1, 1, 2), key.shape=(2, 1, 2), value.shape=(2, 1, 2).',
      );
    });

    it('casts q, k and v to their result dtype from 3.12 (keras-team/keras#21558), the bias too', () => {
      const vBool = tensor([true, false, false, true], [1, 2, 1, 2], 'bool');
      expectKerasError(() => attend(v36, [q(), k(), vBool]), KerasValueError, 'value dtype should be float32, but got bool');
      // The bool values become [1, 0] and [0, 1]: p * [1, 0] + (1 - p) * [0, 1].
      expectClose(attend(v315, [q(), k(), vBool]), [[[[p, 1 - p]]]], { dtype: 'float32' });
      // int32 q and k with bool v compute in int32: the weights p and 1 - p truncate to 0.
      const [qi, ki] = [tensor([1, 0], [1, 1, 1, 2], 'int32'), tensor([1, 0, 0, 1], [1, 2, 1, 2], 'int32')];
      expectClose(attend(v315, [qi, ki, vBool]), [[[[0, 0]]]], { dtype: 'int32' });
      // All bool, scale 0: the float bias [-88, 0] gives exp(-88) = 0 in float32 under 3.6 (key 0 drops out);
      // 3.15 casts it to bool first, [True, False] = [1, 0], and both keys stay: any attended value True.
      const b = (vals: boolean[], shape: number[]) => tensor(vals, shape, 'bool');
      const args = [b([true, false], [1, 1, 1, 2]), b([true, false, false, true], [1, 2, 1, 2]), b([true, false, false, false], [1, 2, 1, 2]), f32([-88, 0], [1, 1, 1, 2])];
      expectClose(attend(v36, args, { scale: 0 }), [[[[false, false]]]], { dtype: 'bool' });
      expectClose(attend(v315, args, { scale: 0 }), [[[[true, false]]]], { dtype: 'bool' });
      expect(v315.outputSpec('dot_product_attention', [sym([2, 3, 2, 4]), sym([2, 4, 2, 4], 'int32'), sym([2, 4, 2, 4], 'bool')])).to.deep.equal(sym([2, 3, 2, 4]));
    });

    it("where jax.nn raises, runs Keras's own implementation from 3.12 (keras-team/keras#21432): any mask dtype", () => {
      // A mask keeps the keys where it is not 0 (NaN included): key 1 alone gives [3, 4], key 0 alone [1, 2].
      const intMask = tensor([0, 5], [1, 1, 1, 2], 'int32');
      expectKerasError(() => attend(v36, [q(), k(), v(), null, intMask]), KerasValueError, "mask dtype should be <class 'jax.numpy.bool_'>, but got int32");
      expectClose(attend(v315, [q(), k(), v(), null, intMask]), [[[[3, 4]]]]);
      expectClose(attend(v315, [q(), k(), v(), null, f32([NaN, 0], [1, 1, 1, 2])]), [[[[1, 2]]]]);
    });

    it("Keras's implementation: its rank-4 form of a mask, size-1 dims broadcast, its own errors", () => {
      // Two batches, q [1, 0] and [0, 1], one key/value batch broadcast to both: batch 0 weighs the
      // values p, 1 - p; batch 1 weighs them 1 - p, p.
      const q2 = f32([1, 0, 0, 1], [2, 1, 1, 2]);
      expectKerasError(() => attend(v36, [q2, k(), v()]), KerasValueError, 'query shape should be [1, -1, -1, 2]: but got (2, 1, 1, 2)');
      expectClose(attend(v315, [q2, k(), v()]), [[[[3 - 2 * p, 4 - 2 * p]]], [[[1 + 2 * p, 2 + 2 * p]]]]);
      // A (B, S) mask is (B, 1, 1, S) there, not jax.nn's (1, 1, B, S): batch 0 keeps key 0, batch 1 key 1.
      const [k2, v2] = [f32([1, 0, 0, 1, 1, 0, 0, 1], [2, 2, 1, 2]), f32([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 1, 2])];
      expectClose(attend(v315, [q2, k2, v2, null, tensor([1, 0, 0, 1], [2, 2], 'int32')]), [[[[1, 2]]], [[[7, 8]]]]);
      expectKerasError(
        () => attend(v36, [f32(Array(6).fill(1), [1, 1, 3, 2]), ones([1, 2, 2, 2]), ones([1, 2, 2, 2])]),
        KerasValueError,
        'The number of query heads must be a multiple of key/value heads, but got 3 vs 2',
      );
      expectKerasError(
        () => attend(v315, [f32(Array(6).fill(1), [1, 1, 3, 2]), ones([1, 2, 2, 2]), ones([1, 2, 2, 2])]),
        KerasTypeError,
        'cannot reshape array of shape (1, 1, 3, 2) (size 6) into shape (1, 1, 2, 1, 2) (size 4)',
      );
      expectKerasError(
        () => attend(v315, [q2, k(), v(), ones([2, 3, 1, 2])]),
        KerasValueError,
        'Expected `bias` to have shape (B, 1, T, S) or (B, N, T, S) with N=1 but got (2, 3, 1, 2).',
      );
    });
  });

  describe('one_hot and multi_hot', () => {
    it('standardize dtype first from 3.14 (keras-team/keras#22185): ValueError, and no "float"', () => {
      expectClose(v36.oneHot([0, 1], 2, { dtype: 'float' }) as Tensor, [[1, 0], [0, 1]], { dtype: 'float32' });
      expectKerasError(() => v315.oneHot([0, 1], 2, { dtype: 'float' }), KerasValueError, 'Invalid dtype: float');
      expectKerasError(() => v36.oneHot([0, 1], 2, { dtype: 'foo' }), KerasTypeError, 'Invalid dtype: foo (argument `dtype`).');
      expectKerasError(() => v315.oneHot([0, 1], -1, { dtype: 'foo' }), KerasValueError, 'Invalid dtype: foo');
      expectKerasError(() => v315.multiHot([[0, 1]], { numClasses: 2, axis: 3, dtype: 'foo' }), KerasValueError, 'Invalid dtype: foo');
      expectClose(v315.oneHot([0, 1], 2, { dtype: 'int' }) as Tensor, [[1, 0], [0, 1]], { dtype: 'int32' });
    });
  });

  describe('softmax, log_softmax, sparse_categorical_crossentropy axes', () => {
    it('softmax: an out-of-range axis is JAX\'s ValueError from 3.15 (keras-team/keras#22963)', () => {
      expectKerasError(() => v36.softmax([[0, 0]], { axis: -3 }), KerasIndexError, 'tuple index out of range');
      expectKerasError(() => v315.softmax([[0, 0]], { axis: -3 }), KerasValueError, 'axis -3 is out of bounds for array of dimension 2');
      expectKerasError(() => v315.softmax(1.5), KerasValueError, 'axis -1 is out of bounds for array of dimension 0');
    });

    it("outputSpec checks the axis with Keras's canonicalize_axes from 3.15 (#22963, log_softmax #22708)", () => {
      const x = sym([2, 3, 4]);
      expectKerasError(() => v36.outputSpec('log_softmax', [x], { axis: 3 }), KerasValueError, 'axis 3 is out of bounds for array of dimension 3');
      expectKerasError(() => v315.outputSpec('log_softmax', [x], { axis: 3 }), KerasValueError, 'axis 3 is out of bounds for an array with dimension 3.');
      expectKerasError(() => v315.outputSpec('softmax', [x], { axis: [0, -5] }), KerasValueError, 'axis -5 is out of bounds for an array with dimension 3.');
      expectKerasError(() => v315.outputSpec('softmax', [sym([])]), KerasValueError, 'axis -1 is out of bounds for an array with dimension 0.');
    });

    it("sparse_categorical_crossentropy's outputSpec takes the class axis out, not the last dim, from 3.15 (#22708)", () => {
      // output (2, 1, 4) with axis=1: eager JAX compares the target with output.shape[:-1] = (2, 1) and
      // broadcasts one_hot(target, 1, axis=1) against it: (2, 4). Keras 3.15's symbolic spec compares the
      // target with the output without axis 1, (2, 4).
      const [target, output] = [sym([2, 1], 'int32'), sym([2, 1, 4])];
      expect(specOf(v36.outputSpec('sparse_categorical_crossentropy', [target, output], { axis: 1 })).shape).to.deep.equal([2, 4]);
      expectKerasError(
        () => v315.outputSpec('sparse_categorical_crossentropy', [target, output], { axis: 1 }),
        KerasValueError,
        'Arguments `target` and `output` must have the same shape up until the last dimension: target.shape=(2, 1), output.shape=(2, 1, 4)',
      );
      expectKerasError(
        () => v315.outputSpec('sparse_categorical_crossentropy', [sym([2, 3], 'int32'), sym([2, 3, 4])], { axis: 5 }),
        KerasValueError,
        'axis 5 is out of bounds for an array with dimension 3.',
      );
    });
  });
});
