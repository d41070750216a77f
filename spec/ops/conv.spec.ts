import { expect } from 'chai';
// Keras 3.6.0's rules; spec/keras-versions-changes.spec.ts shows what later releases changed.
import { KerasIndexError, KerasRuntimeError, KerasTypeError, KerasValueError, ops, tensor, type Spec, type Tensor } from '../../src/keras-3.6.js';
import { expectClose, expectKerasError } from '../helpers.js';

const call = (op: string, args: unknown[], kwargs: Record<string, unknown> = {}) => ops.call(op, args, kwargs) as Tensor;
const spec = (op: string, args: unknown[], kwargs: Record<string, unknown> = {}) => ops.outputSpec(op, args, kwargs) as Spec;
const sym = (shape: (number | null)[], dtype = 'float32') => ({ shape, dtype });

/** np.arange(size).reshape(shape) as float32, optionally scaled and shifted: arange * scale + shift. */
function arange(shape: number[], scale = 1, shift = 0): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: size }, (_, i) => i * scale + shift), shape);
}

/** Rank-3 (batch 1, channels 1) tensor from a list of values. */
const seq = (vals: number[], dtype = 'float32') => tensor(vals, [1, vals.length, 1], dtype);
const col = (vals: (number | boolean)[]) => [vals.map((v) => [v])];

function sum(t: Tensor): number {
  return Array.from(t.dataSync()).reduce((a, b) => a + Number(b), 0);
}

/**
 * For outputs too large to paste: shape, sum, the first 12 and the last 6 values, all from Keras.
 * The sum is compared with rtol (sums of float32 outputs, exact integers here).
 */
function expectSummary(got: Tensor, want: { shape: number[]; sum: number; head: number[]; tail: number[] }, rtol = 1e-6) {
  expect(got.shape).to.deep.equal(want.shape);
  expect(got.dtype).to.equal('float32');
  const flat = Array.from(got.dataSync());
  expect(Math.abs(sum(got) - want.sum)).to.be.at.most(rtol * Math.abs(want.sum));
  const close = (g: number[], w: number[]) =>
    g.forEach((v, i) => expect(Math.abs(v - w[i]), `${v} vs ${w[i]}`).to.be.at.most(rtol * (1 + Math.abs(w[i]))));
  close(flat.slice(0, 12), want.head);
  close(flat.slice(-6), want.tail);
}

describe('conv', () => {
  describe('hand-derived', () => {
    // x = [1, 2, 3, 4], kernel [1, 1], valid: out[i] = x[i] + x[i+1] = [3, 5, 7].
    it('1-D conv of [1, 2, 3, 4] with [1, 1]', () =>
      expectClose(ops.conv(seq([1, 2, 3, 4]), tensor([1, 1], [2, 1, 1], 'float32')), col([3, 5, 7]), { dtype: 'float32' }));
    // same, n=4, k=2, s=1: total pad 1, at the end -> [3, 5, 7, 4 + 0].
    it("'same' puts the odd pad at the end", () =>
      expectClose(ops.conv(seq([1, 2, 3, 4]), tensor([1, 1], [2, 1, 1], 'float32'), { padding: 'same' }), col([3, 5, 7, 4])));
    // Semantics notes §4.1: n=9, k=2, s=2 -> 5 outputs, pads (0, 1). Kernel [1, 10]:
    // out[o] = x[2o] + 10 x[2o+1] with x = 1..9 and x[9] = 0 (the pad) -> [21, 43, 65, 87, 9].
    // Keras 3.6.0 JAX: ops.conv(np.arange(1, 10.).reshape(1, 9, 1), np.array([1, 10.]).reshape(2, 1, 1), strides=2, padding="same")
    it("'same' pads n=9, k=2, s=2 -> (0, 1)", () =>
      expectClose(
        ops.conv(seq([1, 2, 3, 4, 5, 6, 7, 8, 9]), tensor([1, 10], [2, 1, 1], 'float32'), { strides: 2, padding: 'same' }),
        col([21, 43, 65, 87, 9]),
      ));
    // n=10, k=4, s=1 -> pads (1, 2): xp = [0, 1..10, 0, 0], out[i] = xp[i] + 10 xp[i+1] + 100 xp[i+2] + 1000 xp[i+3].
    // Keras 3.6.0 JAX: ops.conv(np.arange(1, 11.).reshape(1, 10, 1), np.array([1, 10, 100, 1000.]).reshape(4, 1, 1), padding="same")
    it("'same' pads n=10, k=4, s=1 -> (1, 2)", () =>
      expectClose(
        ops.conv(seq([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), tensor([1, 10, 100, 1000], [4, 1, 1], 'float32'), { padding: 'same' }),
        col([3210, 4321, 5432, 6543, 7654, 8765, 9876, 10987, 1098, 109]),
      ));
    // n=10, k=2, s=2 -> pads (0, 0): out[o] = x[2o] + 10 x[2o+1] = [21, 43, 65, 87, 109].
    it("'same' pads n=10, k=2, s=2 -> (0, 0)", () =>
      expectClose(
        ops.conv(seq([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), tensor([1, 10], [2, 1, 1], 'float32'), { strides: 2, padding: 'same' }),
        col([21, 43, 65, 87, 109]),
      ));
    // strides 2 with dilation 2 (JAX allows both; TF does not): kEff = 3, floor((7-3)/2)+1 = 3 outputs,
    // out[o] = x[2o] + x[2o+2] with x = 1..7 -> [4, 8, 12].
    it('strides and dilation together', () =>
      expectClose(
        ops.conv(seq([1, 2, 3, 4, 5, 6, 7]), tensor([1, 1], [2, 1, 1], 'float32'), { strides: 2, dilationRate: 2 }),
        col([4, 8, 12]),
      ));
    // C_in = 4, kernel (1, 2, 2): groups = 4 // 2 = 2. Output channel 0 = x0 + x1 (group 0, kernel column 0
    // of ones), channel 1 = 10 (x2 + x3) (group 1, kernel column 1 of tens).
    it('groups are inferred from the kernel: C_in // kernel.shape[-2]', () => {
      const x = tensor([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 4], 'float32');
      const k = tensor([1, 10, 1, 10], [1, 2, 2], 'float32');
      expectClose(ops.conv(x, k), [[[3, 70], [11, 150]]]);
    });
    // A valid conv whose kernel is longer than the input has no output position; JAX returns it empty.
    // Keras 3.6.0 JAX: ops.conv(np.ones((1, 3, 1), "float32"), np.ones((5, 1, 2), "float32")).shape == (1, 0, 2)
    it('a kernel longer than the input gives an empty dimension eagerly', () => {
      const y = ops.conv(tensor([1, 1, 1], [1, 3, 1], 'float32'), tensor(new Float32Array(10).fill(1), [5, 1, 2]));
      expect(y.shape).to.deep.equal([1, 0, 2]);
    });
  });

  // keras/src/ops/nn_test.py NNOpsCorrectnessTest, channels_last; expected values from Keras 3.6.0 JAX.
  describe("nn_test.py's correctness cases", () => {
    const x1 = () => arange([2, 20, 3]);
    const k1 = () => arange([4, 3, 2]);
    // Keras 3.6.0 JAX: ops.conv(np.arange(120.).reshape(2, 20, 3), np.arange(24.).reshape(4, 3, 2), strides=1, padding="valid", dilation_rate=1)
    it('test_conv_1d strides=1 valid', () =>
      expectClose(ops.conv(x1(), k1()), [
        [[1012, 1078], [1408, 1510], [1804, 1942], [2200, 2374], [2596, 2806], [2992, 3238], [3388, 3670], [3784, 4102], [4180, 4534], [4576, 4966], [4972, 5398], [5368, 5830], [5764, 6262], [6160, 6694], [6556, 7126], [6952, 7558], [7348, 7990]],
        [[8932, 9718], [9328, 10150], [9724, 10582], [10120, 11014], [10516, 11446], [10912, 11878], [11308, 12310], [11704, 12742], [12100, 13174], [12496, 13606], [12892, 14038], [13288, 14470], [13684, 14902], [14080, 15334], [14476, 15766], [14872, 16198], [15268, 16630]],
      ]));
    // Keras 3.6.0 JAX: ops.conv(np.arange(120.).reshape(2, 20, 3), np.arange(24.).reshape(4, 3, 2), strides=1, padding="valid", dilation_rate=2)
    it('test_conv_1d dilation_rate=2 valid', () =>
      expectClose(ops.conv(x1(), k1(), { dilationRate: 2 }), [
        [[1876, 1996], [2272, 2428], [2668, 2860], [3064, 3292], [3460, 3724], [3856, 4156], [4252, 4588], [4648, 5020], [5044, 5452], [5440, 5884], [5836, 6316], [6232, 6748], [6628, 7180], [7024, 7612]],
        [[9796, 10636], [10192, 11068], [10588, 11500], [10984, 11932], [11380, 12364], [11776, 12796], [12172, 13228], [12568, 13660], [12964, 14092], [13360, 14524], [13756, 14956], [14152, 15388], [14548, 15820], [14944, 16252]],
      ]));
    // Keras 3.6.0 JAX: ops.conv(np.arange(120.).reshape(2, 20, 3), np.arange(24.).reshape(4, 3, 2), strides=3, padding="same")
    it('test_conv_1d strides=3 same', () =>
      expectClose(ops.conv(x1(), k1(), { strides: 3, padding: 'same' }), [
        [[624, 660], [1804, 1942], [2992, 3238], [4180, 4534], [5368, 5830], [6556, 7126], [4080, 4575]],
        [[8184, 8760], [9724, 10582], [10912, 11878], [12100, 13174], [13288, 14470], [14476, 15766], [8400, 9435]],
      ]));
    // The test skips strides>1 with dilation>1 (a TF limit); JAX computes it.
    // Keras 3.6.0 JAX: ops.conv(np.arange(120.).reshape(2, 20, 3), np.arange(24.).reshape(4, 3, 2), strides=2, padding="same", dilation_rate=2)
    it('strides=2 same dilation_rate=2 (skipped by the test, computed by JAX)', () =>
      expectClose(call('conv', [x1(), k1()], { strides: 2, padding: 'same', dilation_rate: 2 }), [
        [[1110, 1173], [1876, 1996], [2668, 2860], [3460, 3724], [4252, 4588], [5044, 5452], [5836, 6316], [6628, 7180], [3756, 4197], [1622, 1934]],
        [[8670, 9273], [9796, 10636], [10588, 11500], [11380, 12364], [12172, 13228], [12964, 14092], [13756, 14956], [14548, 15820], [8076, 9057], [3422, 4094]],
      ]));
    // Keras 3.6.0 JAX: ops.conv(np.arange(600.).reshape(2, 10, 10, 3), np.arange(24.).reshape(2, 2, 3, 2), (1, 2), padding="same")
    it('test_conv_2d strides=(1, 2) same', () =>
      expectSummary(ops.conv(arange([2, 10, 10, 3]), arange([2, 2, 3, 2]), { strides: [1, 2], padding: 'same' }), {
        shape: [2, 10, 5, 2],
        sum: 7934050,
        head: [3460, 3670, 4252, 4534, 5044, 5398, 5836, 6262, 6628, 7126, 7420, 7990],
        tail: [17570, 21077, 17750, 21293, 17930, 21509],
      }));
    // Keras 3.6.0 JAX: ops.conv(np.arange(600.).reshape(2, 10, 10, 3), np.arange(24.).reshape(2, 2, 3, 2), 1, padding="valid")
    it('test_conv_2d strides=1 valid', () =>
      expectSummary(ops.conv(arange([2, 10, 10, 3]), arange([2, 2, 3, 2])), {
        shape: [2, 9, 9, 2],
        sum: 13763844,
        head: [3460, 3670, 3856, 4102, 4252, 4534, 4648, 4966, 5044, 5398, 5440, 5830],
        tail: [77116, 84022, 77512, 84454, 77908, 84886],
      }));
    // Input and kernel of ones, C_in = 4, kernel (2, 2, 2, 6): 2 groups. Each output counts the real taps
    // times 2 channels: 8 inside; 'same' pads (0, 1), so the last row/column sees 2 taps (4), the corner 1 (2).
    // Keras 3.6.0 JAX: ops.conv(np.ones((2, 10, 10, 4)), np.ones((2, 2, 2, 6)), 1, padding="same")  # sum 8664
    it('test_conv_2d_group_2 strides=1 dilation=1', () =>
      expectSummary(ops.conv(arange([2, 10, 10, 4], 0, 1), arange([2, 2, 2, 6], 0, 1), { padding: 'same' }), {
        shape: [2, 10, 10, 6],
        sum: 8664,
        head: Array(12).fill(8),
        tail: Array(6).fill(2),
      }));
    // Keras 3.6.0 JAX: ops.conv(np.ones((2, 10, 10, 4)), np.ones((2, 2, 2, 6)), 2, padding="same", dilation_rate=(2, 1))
    it('test_conv_2d_group_2 strides=2 dilation=(2, 1) (skipped on TF)', () =>
      expectSummary(ops.conv(arange([2, 10, 10, 4], 0, 1), arange([2, 2, 2, 6], 0, 1), { strides: 2, padding: 'same', dilationRate: [2, 1] }), {
        shape: [2, 5, 5, 6],
        sum: 2160,
        head: Array(12).fill(8),
        tail: Array(6).fill(4),
      }));
    // Keras 3.6.0 JAX: ops.conv(np.arange(3072.).reshape(2, 3, 8, 8, 8), np.arange(162.).reshape(3, 3, 3, 3, 2), 2, padding="same", data_format="channels_first")
    it('test_conv_3d strides=2 same channels_first (rtol 1e-5, as the test)', () =>
      expectSummary(
        ops.conv(arange([2, 3, 8, 8, 8]), arange([3, 3, 3, 3, 2]), { strides: 2, padding: 'same', dataFormat: 'channels_first' }),
        {
          shape: [2, 2, 4, 4, 4],
          sum: 1841973232,
          head: [4040820, 4053780, 4066740, 2621844, 4144500, 4157460, 4170420, 2688372, 4248180, 4261140, 4274100, 2754900],
          tail: [7405164, 4668468, 4134660, 4137900, 4141140, 2580700],
        },
        1e-5,
      ));
    // Keras 3.6.0 JAX: ops.conv(np.arange(3072.).reshape(2, 8, 8, 8, 3), np.arange(162.).reshape(3, 3, 3, 3, 2), (1, 1, 1), padding="valid", data_format="channels_last")
    it('test_conv_3d strides=(1, 1, 1) valid channels_last (rtol 1e-5)', () =>
      expectSummary(
        call('conv', [arange([2, 8, 8, 8, 3]), arange([3, 3, 3, 3, 2]), [1, 1, 1]], { padding: 'valid', data_format: 'channels_last' }),
        {
          shape: [2, 6, 6, 6, 2],
          sum: 9155382660,
          head: [2009880, 2027700, 2029320, 2047383, 2048760, 2067066, 2068200, 2086749, 2087640, 2106432, 2107080, 2126115],
          tail: [19019880, 19250324, 19039320, 19270008, 19058760, 19289688],
        },
        1e-5,
      ));
  });

  describe('data_format', () => {
    // Keras 3.6.0 JAX: ops.conv(np.arange(24, dtype="float32").reshape(1, 2, 4, 3) * 0.5, np.arange(24, dtype="float32").reshape(2, 2, 2, 3) - 5, strides=(1, 2), padding="same", data_format="channels_first")
    const want = [[[[254, 83.5], [320, 98.5], [386, 113.5], [5.5, -50.5]], [[286, 102.5], [364, 123.5], [442, 144.5], [36.5, -33.5]], [[318, 121.5], [408, 148.5], [498, 175.5], [67.5, -16.5]]]];
    it('channels_first: channels at axis 1, the kernel still channels-last', () =>
      expectClose(
        ops.conv(arange([1, 2, 4, 3], 0.5), arange([2, 2, 2, 3], 1, -5), { strides: [1, 2], padding: 'same', dataFormat: 'channels_first' }),
        want,
      ));
    it('is case-folded, and None means channels_last', () => {
      const first = call('conv', [arange([1, 2, 4, 3], 0.5), arange([2, 2, 2, 3], 1, -5)], { strides: [1, 2], padding: 'SAME', data_format: 'Channels_First' });
      expectClose(first, want);
      const y = call('conv', [arange([1, 4, 3, 2]), arange([2, 2, 2, 3])], { data_format: null });
      expect(y.shape).to.deep.equal([1, 3, 2, 3]);
    });
  });

  describe('dtypes (JAX casts the inputs to the kernel dtype)', () => {
    // Keras 3.6.0 JAX: ops.conv(np.array([[[2.7], [-2.2], [0.5]]], "float32"), np.array([[[1]], [[1]]], "int32")) -> int32 [[[0], [-2]]]
    it('float inputs, int32 kernel: inputs truncated, int32 out', () =>
      expectClose(ops.conv(seq([2.7, -2.2, 0.5]), tensor([1, 1], [2, 1, 1], 'int32')), col([0, -2]), { dtype: 'int32' }));
    // Keras 3.6.0 JAX: ops.conv(np.array([[[2], [-2], [5]]], "int32"), np.array([[[0.5]], [[0.25]]], "float32")) -> float32 [[[0.5], [0.25]]]
    it('int32 inputs, float kernel: float32', () =>
      expectClose(ops.conv(seq([2, -2, 5], 'int32'), tensor([0.5, 0.25], [2, 1, 1], 'float32')), col([0.5, 0.25]), { dtype: 'float32' }));
    // Keras 3.6.0 JAX: ops.conv(np.array([[[2], [-2], [5]]], "int32"), np.array([[[3]], [[1]]], "int32")) -> int32 [[[4], [-1]]]
    it('int32 with int32: int32', () =>
      expectClose(ops.conv(seq([2, -2, 5], 'int32'), tensor([3, 1], [2, 1, 1], 'int32')), col([4, -1]), { dtype: 'int32' }));
    // A bool conv is an OR of ANDs. Keras 3.6.0 JAX:
    // ops.conv(np.array([[[1], [0], [0], [1], [0], [0]]], bool), np.array([[[1]], [[1]]], bool)) -> [T, F, T, T, F]
    it('bool with bool: OR of ANDs', () =>
      expectClose(
        ops.conv(tensor([true, false, false, true, false, false], [1, 6, 1]), tensor([true, true], [2, 1, 1])),
        col([true, false, true, true, false]),
        { dtype: 'bool' },
      ));
    // Keras 3.6.0 JAX: ops.conv(np.array([[[0.5], [0.0], [0.0]]], "float32"), np.array([[[1]], [[0]]], bool)) -> [[[True], [False]]]
    it('float inputs, bool kernel: nonzero is True', () =>
      expectClose(ops.conv(seq([0.5, 0, 0]), tensor([true, false], [2, 1, 1])), col([true, false]), { dtype: 'bool' }));
  });

  describe('errors', () => {
    const x = () => arange([2, 5, 4]);
    const k = () => arange([3, 4, 6]);
    it('data_format', () =>
      expectKerasError(
        () => ops.conv(x(), k(), { dataFormat: 'channels_middle' }),
        KerasValueError,
        "The `data_format` argument must be one of {'channels_first', 'channels_last'}. Received: data_format=channels_middle",
      ));
    // Keras calls padding.lower() (AttributeError); there is no such class here.
    it('padding that is not a string', () =>
      expectKerasError(() => ops.conv(x(), k(), { padding: 1 }), KerasTypeError, 'Argument `padding` must be a string. Received: padding=1'));
    // Eagerly JAX raises RuntimeError("Unrecognized padding type ..."): we raise that class with Keras's
    // symbolic text (ou:229-232), and ValueError symbolically. 'causal' passes Keras's symbolic shape
    // function only.
    for (const padding of ['full', 'causal']) {
      it(`padding='${padding}'`, () => {
        const message = `\`padding\` must be either \`'valid'\` or \`'same'\`. Received ${padding}.`;
        expectKerasError(() => ops.conv(x(), k(), { padding }), KerasRuntimeError, message);
        expectKerasError(() => spec('conv', [sym([null, 5, 4]), sym([3, 4, 6])], { padding }), KerasValueError, message);
      });
    }
    // JAX computes a 0-D and a 4-D conv; Keras documents 1-D to 3-D.
    it('input rank outside 3..5', () => {
      expectKerasError(() => ops.conv(arange([2, 4]), arange([4, 4])), KerasValueError, 'Argument `inputs` must have rank 3, 4 or 5. Received: inputs.shape=(2, 4)');
      expectKerasError(
        () => ops.conv(arange([1, 2, 2, 2, 2, 1]), arange([1, 1, 1, 1, 1, 1])),
        KerasValueError,
        'Argument `inputs` must have rank 3, 4 or 5. Received: inputs.shape=(1, 2, 2, 2, 2, 1)',
      );
    });
    it('kernel rank differs from the input rank', () =>
      expectKerasError(
        () => ops.conv(x(), arange([3, 3, 4, 6])),
        KerasValueError,
        'Kernel shape must have the same length as input, but received kernel of shape (3, 3, 4, 6) and input of shape (2, 5, 4).',
      ));
    // Keras's message, eager (jax:269-274).
    it('input channels not divisible by kernel in_channels', () =>
      expectKerasError(
        () => ops.conv(x(), arange([3, 3, 6])),
        KerasValueError,
        "The number of input channels must be evenly divisible by kernel's in_channels. Received input channels 4 and kernel in_channels 3. ",
      ));
    // JAX: "rhs output feature dimension size must be a multiple of feature_group_count".
    it('output channels not divisible by the groups', () =>
      expectKerasError(
        () => ops.conv(x(), arange([3, 2, 5])),
        KerasValueError,
        'The number of output channels must be evenly divisible by the number of groups (input channels // kernel in_channels = 4 // 2 = 2). Received kernel.shape=(3, 2, 5).',
      ));
    it('kernel in_channels of 0 (Keras: ZeroDivisionError)', () =>
      expectKerasError(
        () => ops.conv(x(), tensor([], [3, 0, 6], 'float32')),
        KerasValueError,
        'Argument `kernel` must have in_channels (shape[-2]) > 0. Received: kernel.shape=(3, 0, 6)',
      ));
    it('an empty kernel window (a JAX verifier ValueError)', () =>
      expectKerasError(
        () => ops.conv(x(), tensor([], [0, 4, 6], 'float32')),
        KerasValueError,
        'Argument `kernel` must have non-empty spatial dimensions. Received: kernel.shape=(0, 4, 6)',
      ));
    // JAX: ValueError for a bad strides length or value, TypeError for a non-integer.
    it('strides', () => {
      expectKerasError(
        () => ops.conv(x(), k(), { strides: [1, 1] }),
        KerasValueError,
        'Argument `strides` must be an int or a tuple of 1 ints (one per spatial dimension). Received: strides=(1, 1)',
      );
      expectKerasError(() => ops.conv(x(), k(), { strides: 0 }), KerasValueError, 'Argument `strides` must be positive. Received: strides=0');
      expectKerasError(() => ops.conv(x(), k(), { strides: [-1] }), KerasValueError, 'Argument `strides` must be positive. Received: strides=(-1,)');
      expectKerasError(() => ops.conv(x(), k(), { strides: 1.5 }), KerasTypeError, 'Argument `strides` must be an int or a tuple of 1 ints. Received: strides=1.5');
      expectKerasError(() => call('conv', [x(), k()], { strides: null }), KerasTypeError, 'Argument `strides` must be an int or a tuple of 1 ints. Received: strides=None');
    });
    // Keras's message for a bad length (ou:193-199); JAX's TypeError("All dilations must be positive").
    it('dilation_rate', () => {
      expectKerasError(
        () => ops.conv(x(), k(), { dilationRate: [1, 2] }),
        KerasValueError,
        "Dilation must be None, scalar or tuple/list of length of inputs' spatial shape, but received `dilation_rate=(1, 2)` and input of shape (2, 5, 4).",
      );
      expectKerasError(() => ops.conv(x(), k(), { dilationRate: 0 }), KerasTypeError, 'Argument `dilation_rate` must be positive. Received: dilation_rate=0');
      expectKerasError(() => ops.conv(x(), k(), { dilationRate: [1.5] }), KerasTypeError, 'Argument `dilation_rate` must be an int or a tuple of 1 ints. Received: dilation_rate=(1.5,)');
    });
    // JAX reads None as no dilation. Keras 3.6.0 JAX: ops.conv(x, k, dilation_rate=None).shape == (2, 3, 6)
    it('dilation_rate=None is no dilation', () =>
      expect(call('conv', [x(), k()], { dilation_rate: null }).shape).to.deep.equal([2, 3, 6]));
  });

  describe('outputSpec', () => {
    // keras/src/ops/nn_test.py NNOpsDynamicShapeTest.test_conv (channels_last) and its static twin.
    it('1-D with a null batch', () => {
      const x = sym([null, 20, 3]);
      const k = sym([4, 3, 2]);
      expect(spec('conv', [x, k, 1], { padding: 'VALID' }).shape).to.deep.equal([null, 17, 2]);
      expect(spec('conv', [x, k, 1], { padding: 'same' }).shape).to.deep.equal([null, 20, 2]);
      expect(spec('conv', [x, k, [2]], { dilation_rate: 2 }).shape).to.deep.equal([null, 7, 2]);
    });
    it('2-D with a null spatial dim', () => {
      const x = sym([null, 10, null, 3]);
      const k = sym([2, 2, 3, 2]);
      expect(spec('conv', [x, k, 1], { padding: 'valid' }).shape).to.deep.equal([null, 9, null, 2]);
      expect(spec('conv', [x, k, 1], { padding: 'SAME' }).shape).to.deep.equal([null, 10, null, 2]);
      expect(spec('conv', [x, k, [2, 1]], { dilation_rate: [2, 1] }).shape).to.deep.equal([null, 4, null, 2]);
      expect(spec('conv', [sym([2, 10, 10, 3]), k, [2, 1]], { dilation_rate: [2, 1] }).shape).to.deep.equal([2, 4, 9, 2]);
    });
    it('3-D', () => {
      const x = sym([null, 8, null, 8, 3]);
      const k = sym([3, 3, 3, 3, 2]);
      expect(spec('conv', [x, k, 1]).shape).to.deep.equal([null, 6, null, 6, 2]);
      expect(spec('conv', [x, k, [2, 1, 2]], { padding: 'same' }).shape).to.deep.equal([null, 4, null, 4, 2]);
      expect(spec('conv', [x, k, 1], { dilation_rate: [1, 2, 2] }).shape).to.deep.equal([null, 6, null, 4, 2]);
    });
    // Keras 3.6.0: ops.conv(KerasTensor((None, 3, 4, None)), KerasTensor((5, 2, 3, 6)), data_format="channels_first").shape == (None, 6, 0, None)
    it('channels_first with null dims', () =>
      expect(spec('conv', [sym([null, 3, 4, null]), sym([5, 2, 3, 6])], { data_format: 'channels_first' }).shape).to.deep.equal([null, 6, 0, null]));
    // Keras's symbolic spec says inputs.dtype; eager JAX returns the kernel's dtype, and so do we.
    it('dtype is the kernel dtype', () =>
      expect(spec('conv', [sym([null, 5, 4]), sym([3, 4, 6], 'int32')])).to.deep.equal({ shape: [null, 3, 6], dtype: 'int32' }));
    // Symbolic only (ou:219-226); eagerly the dimension is empty.
    it('negative output size', () => {
      expectKerasError(
        () => spec('conv', [sym([null, 5, 4]), sym([9, 4, 6])]),
        KerasValueError,
        'Computed output size would be negative. Received `inputs shape=(None, 5, 4)`, `kernel shape=(9, 4, 6)`, `dilation_rate=[1]`.',
      );
      expectKerasError(
        () => spec('conv', [sym([null, 4, null, 3]), sym([6, 2, 3, 6])], { dilation_rate: [1, 2] }),
        KerasValueError,
        'Computed output size would be negative. Received `inputs shape=(None, 4, None, 3)`, `kernel shape=(6, 2, 3, 6)`, `dilation_rate=[1 2]`.',
      );
      expect(ops.conv(arange([2, 5, 4]), arange([9, 4, 6])).shape).to.deep.equal([2, 0, 6]);
    });
    it('kernel rank and dilation length, symbolically', () => {
      expectKerasError(
        () => spec('conv', [sym([null, 5, 4]), sym([3, 3, 4, 6])]),
        KerasValueError,
        'Kernel shape must have the same length as input, but received kernel of shape (3, 3, 4, 6) and input of shape (None, 5, 4).',
      );
      expectKerasError(
        () => spec('conv', [sym([null, 4, 5, 5]), sym([3, 3, 4, 6])], { data_format: 'channels_first', dilation_rate: [1, 2, 3] }),
        KerasValueError,
        "Dilation must be None, scalar or tuple/list of length of inputs' spatial shape, but received `dilation_rate=(1, 2, 3)` and input of shape (None, 4, 5, 5).",
      );
    });
  });
});

describe('depthwise_conv', () => {
  // x (1, 3, 2): channel 0 = [1, 2, 3], channel 1 = [10, 20, 30]; kernel (2, 2, 2) = [[[1, 2], [3, 4]], [[5, 6], [7, 8]]].
  // Output channel c*M + m uses kernel[:, c, m]: ch0 = [1, 5]·x0, ch1 = [2, 6]·x0, ch2 = [3, 7]·x1, ch3 = [4, 8]·x1.
  // Position 0: 1+10 = 11, 2+12 = 14, 30+140 = 170, 40+160 = 200; position 1: 2+15, 4+18, 60+210, 80+240.
  it('hand-derived: output channel c*M + m', () =>
    expectClose(
      ops.depthwiseConv(tensor([1, 10, 2, 20, 3, 30], [1, 3, 2], 'float32'), tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2], 'float32')),
      [[[11, 14, 170, 200], [17, 22, 270, 320]]],
    ));

  // keras/src/ops/nn_test.py test_depthwise_conv_2d (channels_last); expected values from Keras 3.6.0 JAX.
  describe("nn_test.py's correctness cases", () => {
    const x = () => arange([2, 10, 10, 3]);
    const k = () => arange([2, 2, 3, 2]);
    // Keras 3.6.0 JAX: ops.depthwise_conv(np.arange(600.).reshape(2, 10, 10, 3), np.arange(24.).reshape(2, 2, 3, 2), 1, padding="same", dilation_rate=(2, 2))
    it('strides=1 same dilation=(2, 2)', () =>
      expectSummary(ops.depthwiseConv(x(), k(), { padding: 'same', dilationRate: [2, 2] }), {
        shape: [2, 10, 10, 6],
        sum: 13763844,
        head: [594, 627, 680, 714, 770, 805, 1008, 1074, 1174, 1242, 1348, 1418],
        tail: [0, 564, 1130, 1695, 2264, 2830],
      }));
    // Keras 3.6.0 JAX: ops.depthwise_conv(np.arange(600.).reshape(2, 10, 10, 3), np.arange(24.).reshape(2, 2, 3, 2), (2, 2), padding="valid", dilation_rate=(2, 2))
    it('strides=(2, 2) valid dilation=(2, 2) (skipped on TF)', () =>
      expectSummary(call('depthwise_conv', [x(), k(), [2, 2]], { padding: 'valid', dilation_rate: [2, 2] }), {
        shape: [2, 4, 4, 6],
        sum: 2645632,
        head: [1944, 2076, 2252, 2388, 2576, 2716, 2160, 2316, 2516, 2676, 2888, 3052],
        tail: [19872, 21996, 24164, 26292, 28472, 30604],
      }));
  });

  // Keras 3.6.0 JAX: ops.depthwise_conv(np.arange(14, dtype="float32").reshape(1, 2, 7), np.arange(12, dtype="float32").reshape(2, 2, 3), strides=2, dilation_rate=2, padding="same", data_format="channels_first")
  it('channels_first, strides and dilation, multiplier 3', () =>
    expectClose(ops.depthwiseConv(arange([1, 2, 7]), arange([2, 2, 3]), { strides: 2, dilationRate: 2, padding: 'same', dataFormat: 'channels_first' }), [
      [[6, 18, 30, 0], [7, 22, 38, 5], [8, 26, 46, 10], [72, 114, 138, 36], [80, 132, 160, 48], [88, 150, 182, 60]],
    ]));

  // JAX runs 3-D depthwise (TF does not).
  // Keras 3.6.0 JAX: ops.depthwise_conv(np.arange(72, dtype="float32").reshape(1, 3, 3, 4, 2), np.arange(32, dtype="float32").reshape(2, 2, 2, 2, 2) - 8, strides=(1, 1, 2), padding="same", dilation_rate=(2, 1, 1))
  it('3-D', () =>
    expectClose(ops.depthwiseConv(arange([1, 3, 3, 4, 2]), arange([2, 2, 2, 2, 2], 1, -8), { strides: [1, 1, 2], padding: 'same', dilationRate: [2, 1, 1] }), [
      [
        [[[1696, 1812, 1992, 2112], [1920, 2052, 2248, 2384]], [[2144, 2292, 2504, 2656], [2368, 2532, 2760, 2928]], [[824, 906, 1012, 1096], [904, 994, 1108, 1200]]],
        [[[3072, 3304, 3600, 3840], [3264, 3528, 3856, 4128]], [[3456, 3752, 4112, 4416], [3648, 3976, 4368, 4704]], [[1104, 1268, 1448, 1616], [1136, 1316, 1512, 1696]]],
        [[[-160, -44, 72, 192], [-192, -60, 72, 208]], [[-224, -76, 72, 224], [-256, -92, 72, 240]], [[-488, -406, -332, -248], [-536, -446, -364, -272]]],
      ],
    ]));

  describe('dtypes', () => {
    // Keras 3.6.0 JAX: ops.depthwise_conv(np.array([[[2], [-2], [5]]], "int32"), np.array([[[3]], [[1]]], "int32")) -> int32 [[[4], [-1]]]
    it('int32 with int32: int32', () =>
      expectClose(ops.depthwiseConv(seq([2, -2, 5], 'int32'), tensor([3, 1], [2, 1, 1], 'int32')), col([4, -1]), { dtype: 'int32' }));
    // Deviation: lax rejects mixed dtypes (TypeError); a JS array of whole numbers infers int32, so we promote.
    it('mixed dtypes are promoted (JAX raises)', () =>
      expectClose(ops.depthwiseConv([[[1], [2], [3]]], tensor([0.5, 0.25], [2, 1, 1], 'float32')), col([1, 1.75]), { dtype: 'float32' }));
  });

  describe('errors', () => {
    // JAX fails reshaping the kernel to (*k, 1, C*M): "cannot reshape array of size 18 into shape (3,1,8)".
    it('kernel.shape[-2] must equal the input channels', () =>
      expectKerasError(
        () => ops.depthwiseConv(arange([2, 5, 4]), arange([3, 3, 2])),
        KerasValueError,
        'Argument `kernel` must have shape[-2] equal to the number of input channels (4). Received: kernel.shape=(3, 3, 2)',
      ));
    it('data_format, padding, strides, dilation, kernel rank', () => {
      const x = arange([2, 5, 4]);
      const k = arange([3, 4, 2]);
      expectKerasError(() => ops.depthwiseConv(x, k, { dataFormat: 'nhwc' }), KerasValueError, /^The `data_format` argument must be one of/);
      expectKerasError(() => ops.depthwiseConv(x, k, { padding: 'full' }), KerasRuntimeError, "`padding` must be either `'valid'` or `'same'`. Received full.");
      expectKerasError(() => ops.depthwiseConv(x, k, { strides: 0 }), KerasValueError, 'Argument `strides` must be positive. Received: strides=0');
      expectKerasError(() => ops.depthwiseConv(x, k, { dilationRate: -1 }), KerasTypeError, 'Argument `dilation_rate` must be positive. Received: dilation_rate=-1');
      expectKerasError(
        () => ops.depthwiseConv(x, arange([3, 3, 4, 2])),
        KerasValueError,
        'Kernel shape must have the same length as input, but received kernel of shape (3, 3, 4, 2) and input of shape (2, 5, 4).',
      );
    });
  });

  describe('outputSpec', () => {
    // keras/src/ops/nn_test.py NNOpsDynamicShapeTest.test_depthwise_conv (channels_last).
    it("Keras's dynamic-shape cases", () => {
      const x1 = sym([null, 20, 3]);
      const k1 = sym([4, 3, 1]);
      expect(spec('depthwise_conv', [x1, k1, 1], { padding: 'VALID' }).shape).to.deep.equal([null, 17, 3]);
      expect(spec('depthwise_conv', [x1, k1, [1]], { padding: 'same' }).shape).to.deep.equal([null, 20, 3]);
      expect(spec('depthwise_conv', [x1, k1, 2], { dilation_rate: 2 }).shape).to.deep.equal([null, 7, 3]);
      const x2 = sym([null, 10, 10, 3]);
      const k2 = sym([2, 2, 3, 1]);
      expect(spec('depthwise_conv', [x2, k2, [1, 2]], { padding: 'same' }).shape).to.deep.equal([null, 10, 5, 3]);
      expect(spec('depthwise_conv', [x2, k2, 2], { dilation_rate: [2, 1] }).shape).to.deep.equal([null, 4, 5, 3]);
    });
    // Keras 3.6.0: ops.depthwise_conv(KerasTensor((2, 3, 4, 4)), KerasTensor((2, 3, 3, 2)), data_format="channels_first", dilation_rate=2).shape == (2, 6, 2, 0)
    it('channels_first, output channels C*M', () =>
      expect(spec('depthwise_conv', [sym([2, 3, 4, 4]), sym([2, 3, 3, 2])], { data_format: 'channels_first', dilation_rate: 2 })).to.deep.equal({
        shape: [2, 6, 2, 0],
        dtype: 'float32',
      }));
    // Keras's symbolic message shows the kernel it rebuilds: kernel.shape[:-2] + (C_in, C*M).
    // Keras 3.6.0: ops.depthwise_conv(KerasTensor((None, 4, 3)), KerasTensor((5, 5, 3, 2)))
    it('kernel rank, symbolically', () =>
      expectKerasError(
        () => spec('depthwise_conv', [sym([null, 4, 3]), sym([5, 5, 3, 2])]),
        KerasValueError,
        'Kernel shape must have the same length as input, but received kernel of shape (5, 5, 3, 6) and input of shape (None, 4, 3).',
      ));
  });
});

describe('separable_conv', () => {
  // keras/src/ops/nn_test.py test_separable_conv_2d (channels_last); expected values from Keras 3.6.0 JAX.
  describe("nn_test.py's correctness cases", () => {
    const args = () => [arange([2, 10, 10, 3]), arange([2, 2, 3, 2]), arange([1, 1, 6, 12])];
    // Keras 3.6.0 JAX: ops.separable_conv(np.arange(600.).reshape(2, 10, 10, 3), np.arange(24.).reshape(2, 2, 3, 2), np.arange(72.).reshape(1, 1, 6, 12), 1, padding="valid", dilation_rate=1)
    it('strides=1 valid', () =>
      expectSummary(call('separable_conv', [...args(), 1], { padding: 'valid' }), {
        shape: [2, 9, 9, 12],
        sum: 6361053768,
        head: [233016, 240146, 247276, 254406, 261536, 268666, 275796, 282926, 290056, 297186, 304316, 311446],
        tail: [6353460, 6516254, 6679048, 6841842, 7004636, 7167430],
      }));
    // Keras 3.6.0 JAX: ops.separable_conv(np.arange(600.).reshape(2, 10, 10, 3), np.arange(24.).reshape(2, 2, 3, 2), np.arange(72.).reshape(1, 1, 6, 12), 2, padding="same", dilation_rate=(2, 2))
    it('strides=2 same dilation=(2, 2) (skipped on TF)', () => {
      const [x, dw, pw] = args();
      expectSummary(ops.separableConv(x, dw, pw, { strides: 2, padding: 'same', dilationRate: [2, 2] }), {
        shape: [2, 5, 5, 12],
        sum: 1456859844,
        head: [451536, 465488, 479440, 493392, 507344, 521296, 535248, 549200, 563152, 577104, 591056, 605008],
        tail: [424278, 432761, 441244, 449727, 458210, 466693],
      });
    });
  });

  // By definition (jax:334-359): depthwise_conv, then conv with the pointwise kernel, stride 1, valid.
  it('equals depthwise_conv followed by a 1x1 conv', () => {
    const x = arange([1, 6, 5, 2], 0.25, -3);
    const dw = arange([3, 2, 2, 2], 0.5, -2);
    const pw = arange([1, 1, 4, 3], 1, -5);
    const opts = { strides: [2, 1], padding: 'same', dataFormat: 'channels_last' };
    const composed = ops.conv(ops.depthwiseConv(x, dw, opts), pw);
    expectClose(ops.separableConv(x, dw, pw, opts), composed.arraySync());
  });

  // Keras 3.6.0 JAX: ops.separable_conv(np.arange(12, dtype="float32").reshape(1, 2, 6), np.arange(8, dtype="float32").reshape(2, 2, 2), np.arange(8, dtype="float32").reshape(1, 4, 2), strides=2, padding="same", data_format="channels_first")
  it('channels_first', () =>
    expectClose(ops.separableConv(arange([1, 2, 6]), arange([2, 2, 2]), arange([1, 4, 2]), { strides: 2, padding: 'same', dataFormat: 'channels_first' }), [
      [[628, 836, 1044], [758, 1022, 1286]],
    ]));

  // The pointwise conv infers its groups like conv: 4 channels, pointwise (1, 2, 4) -> 2 groups.
  // Keras 3.6.0 JAX: ops.separable_conv(np.arange(10, dtype="float32").reshape(1, 5, 2), np.arange(8, dtype="float32").reshape(2, 2, 2), np.arange(8, dtype="float32").reshape(1, 2, 4) - 3)
  it('a grouped pointwise kernel', () =>
    expectClose(ops.separableConv(arange([1, 5, 2]), arange([2, 2, 2]), arange([1, 2, 4], 1, -3)), [
      [[-14, 4, 52, 96], [-26, 12, 96, 176], [-38, 20, 140, 256], [-50, 28, 184, 336]],
    ]));

  // JAX also takes a pointwise kernel wider than 1 (valid, stride 1, the same dilation).
  // Keras 3.6.0 JAX: ops.separable_conv(np.arange(18, dtype="float32").reshape(1, 9, 2), np.arange(6, dtype="float32").reshape(3, 2, 1), np.arange(12, dtype="float32").reshape(2, 2, 3) - 6, dilation_rate=2)
  it('a pointwise kernel wider than 1', () =>
    expectClose(ops.separableConv(arange([1, 9, 2]), arange([3, 2, 1]), arange([2, 2, 3], 1, -6), { dilationRate: 2 }), [
      [[-132, 130, 392], [-204, 118, 440], [-276, 106, 488]],
    ]));

  // Keras 3.6.0 JAX: ops.separable_conv(np.arange(54, dtype="float32").reshape(1, 3, 3, 3, 2) / 10, np.arange(16, dtype="float32").reshape(2, 2, 2, 2, 1) - 7, np.arange(6, dtype="float32").reshape(1, 1, 1, 2, 3) - 2, padding="same")
  it('3-D', () =>
    expectClose(ops.separableConv(arange([1, 3, 3, 3, 2], 0.1), arange([2, 2, 2, 2, 1], 1, -7), arange([1, 1, 1, 2, 3], 1, -2), { padding: 'same' }), [
      [
        [
          [[-23.199996948242188, 56.79999923706055, 136.79998779296875], [-21.599994659423828, 60.000003814697266, 141.60000610351562], [-3.999998092651367, 23.200002670288086, 50.400001525878906]],
          [[-18.400001525878906, 66.4000015258789, 151.20001220703125], [-16.800003051757812, 69.5999984741211, 156.0], [0.7999992370605469, 25.599998474121094, 50.39999771118164]],
          [[11.200000762939453, 14.000000953674316, 16.80000114440918], [13.599997520446777, 13.999999046325684, 14.40000057220459], [12.399998664855957, 1.3999981880187988, -9.60000228881836]],
        ],
        [
          [[-8.800006866455078, 85.60000610351562, 180.00001525878906], [-7.200004577636719, 88.79999542236328, 184.79998779296875], [10.399999618530273, 30.39999771118164, 50.39999771118164]],
          [[-4.000007629394531, 95.19998931884766, 194.39999389648438], [-2.4000015258789062, 98.4000015258789, 199.20001220703125], [15.200000762939453, 32.79999923706055, 50.39999771118164]],
          [[32.80000305175781, 14.000003814697266, -4.799995422363281], [35.200008392333984, 14.000007629394531, -7.199993133544922], [26.800004959106445, -2.1999969482421875, -31.19999885559082]],
        ],
        [
          [[75.99999237060547, -31.600006103515625, -139.20001220703125], [80.0, -33.20000457763672, -146.40000915527344], [49.599998474121094, -26.200000762939453, -102.0]],
          [[88.0, -36.400001525878906, -160.8000030517578], [92.0, -38.0, -168.0], [56.79999923706055, -29.799999237060547, -116.39999389648438]],
          [[67.4000015258789, -41.000003814697266, -149.40000915527344], [70.19999694824219, -42.599998474121094, -155.39999389648438], [40.99999237060547, -27.20000457763672, -95.4000015258789]],
        ],
      ],
    ], { atol: 2e-5 }));

  // The depthwise result keeps its dtype, then is cast to the pointwise kernel's: [2.625, 2.5] -> [2, 2], times 2.
  // Keras 3.6.0 JAX: ops.separable_conv(np.array([[[1.5], [2.25], [0.5]]], "float32"), np.array([[[1.0]], [[0.5]]], "float32"), np.array([[[2]]], "int32")) -> int32 [[[4], [4]]]
  it('dtype: an int32 pointwise kernel truncates the depthwise result', () =>
    expectClose(ops.separableConv(seq([1.5, 2.25, 0.5]), tensor([1, 0.5], [2, 1, 1], 'float32'), tensor([2], [1, 1, 1], 'int32')), col([4, 4]), { dtype: 'int32' }));

  describe('errors', () => {
    const x = () => arange([2, 5, 4]);
    const dw = () => arange([3, 4, 2]);
    it("pointwise in_channels that do not divide C*M: Keras's conv message", () =>
      expectKerasError(
        () => ops.separableConv(x(), dw(), arange([1, 7, 5])),
        KerasValueError,
        "The number of input channels must be evenly divisible by kernel's in_channels. Received input channels 8 and kernel in_channels 7. ",
      ));
    it('pointwise output channels not divisible by its groups', () =>
      expectKerasError(
        () => ops.separableConv(x(), dw(), arange([1, 4, 5])),
        KerasValueError,
        'The number of output channels must be evenly divisible by the number of groups (input channels // kernel in_channels = 8 // 4 = 2). Received pointwise_kernel.shape=(1, 4, 5).',
      ));
    it('pointwise rank', () =>
      expectKerasError(
        () => ops.separableConv(x(), dw(), arange([1, 1, 8, 6])),
        KerasValueError,
        'Argument `pointwise_kernel` must have the same rank as inputs (3). Received: pointwise_kernel.shape=(1, 1, 8, 6)',
      ));
    it('depthwise kernel channels', () =>
      expectKerasError(
        () => ops.separableConv(x(), arange([3, 2, 2]), arange([1, 4, 5])),
        KerasValueError,
        'Argument `depthwise_kernel` must have shape[-2] equal to the number of input channels (4). Received: depthwise_kernel.shape=(3, 2, 2)',
      ));
    it('an empty pointwise window', () =>
      expectKerasError(
        () => ops.separableConv(x(), dw(), tensor([], [0, 8, 3], 'float32')),
        KerasValueError,
        'Argument `pointwise_kernel` must have non-empty spatial dimensions. Received: pointwise_kernel.shape=(0, 8, 3)',
      ));
    it('data_format and padding', () => {
      expectKerasError(() => ops.separableConv(x(), dw(), arange([1, 8, 3]), { dataFormat: 'x' }), KerasValueError, /Received: data_format=x$/);
      expectKerasError(() => ops.separableConv(x(), dw(), arange([1, 8, 3]), { padding: 'causal' }), KerasRuntimeError, "`padding` must be either `'valid'` or `'same'`. Received causal.");
    });
  });

  describe('outputSpec', () => {
    // keras/src/ops/nn_test.py NNOpsDynamicShapeTest.test_separable_conv (channels_last).
    it("Keras's dynamic-shape cases", () => {
      const x1 = sym([null, 20, 3]);
      const dw1 = sym([4, 3, 2]);
      const pw1 = sym([1, 6, 5]);
      expect(spec('separable_conv', [x1, dw1, pw1, 1], { padding: 'valid' }).shape).to.deep.equal([null, 17, 5]);
      expect(spec('separable_conv', [x1, dw1, pw1, 1], { padding: 'same' }).shape).to.deep.equal([null, 20, 5]);
      expect(spec('separable_conv', [x1, dw1, pw1, 2], { dilation_rate: 2 }).shape).to.deep.equal([null, 7, 5]);
      const x2 = sym([null, 10, 10, 3]);
      const dw2 = sym([2, 2, 3, 2]);
      const pw2 = sym([1, 1, 6, 5]);
      expect(spec('separable_conv', [x2, dw2, pw2, 1], { padding: 'valid' }).shape).to.deep.equal([null, 9, 9, 5]);
      expect(spec('separable_conv', [x2, dw2, pw2, [1, 2]], { padding: 'same' }).shape).to.deep.equal([null, 10, 5, 5]);
      expect(spec('separable_conv', [x2, dw2, pw2, 2], { dilation_rate: [2, 1] }).shape).to.deep.equal([null, 4, 5, 5]);
    });
    // Keras 3.6.0: ops.separable_conv(KerasTensor((None, None, 3)), KerasTensor((2, 3, 2)), KerasTensor((1, 6, 4))).shape == (None, None, 4)
    it('a null spatial dim', () =>
      expect(spec('separable_conv', [sym([null, null, 3]), sym([2, 3, 2]), sym([1, 6, 4])]).shape).to.deep.equal([null, null, 4]));
    // Deviation: Keras's symbolic spec keeps the depthwise size (None, 7, 4) for a pointwise kernel of 3;
    // the computation (and we) give 7 - 3 + 1 = 5.
    it('a wider pointwise kernel shrinks the output as computed', () =>
      expect(spec('separable_conv', [sym([null, 8, 3]), sym([2, 3, 2]), sym([3, 6, 4])]).shape).to.deep.equal([null, 5, 4]));
  });
});

describe('conv_transpose', () => {
  describe('hand-derived', () => {
    const x = () => seq([1, 2]);
    const ones3 = () => tensor([1, 1, 1], [3, 1, 1], 'float32');
    const k5 = () => tensor([1, 2, 3, 4, 5], [5, 1, 1], 'float32');
    // full[i*s + j] += x[i] k[j]: x = [1, 2], k = [1, 1, 1], s = 2: full (length 1*2 + 3 = 5) = [1, 1, 1+2, 2, 2].
    // valid: (n-1)*s + max(k, s) = 5, crop 0.
    it('valid, k=3, s=2: the full scatter-add', () => expectClose(ops.convTranspose(x(), ones3(), 2), col([1, 1, 3, 2, 2])));
    // same: n*s = 4; pad_len = s + k - 2 = 3, left_pad = min(1 + 1, 2) = 2, crop = k-1-left_pad = 0 (notes §4.6).
    it("same, k=3, s=2: crop 0", () => expectClose(ops.convTranspose(x(), ones3(), 2, { padding: 'same' }), col([1, 1, 3, 2])));
    // full = [1, 2, 3, 4, 5] + [0, 0, 2, 4, 6, 8, 10] = [1, 2, 5, 8, 11, 8, 10]. valid: all 7.
    it('valid, k=5, s=2', () => expectClose(ops.convTranspose(x(), k5(), 2), col([1, 2, 5, 8, 11, 8, 10])));
    // same: pad_len = 2 + 5 - 2 = 5, left_pad = min(2 + 1, 4) = 3, crop = 4 - 3 = 1 -> full[1:5].
    it('same, k=5, s=2: crop 1', () => expectClose(ops.convTranspose(x(), k5(), 2, { padding: 'same' }), col([2, 5, 8, 11])));
    // valid, output_padding=1: (n-1)*s + k + 1 = 6, the extra element past the full result is 0.
    it('valid with output_padding=1 zero-extends', () =>
      expectClose(ops.convTranspose(x(), ones3(), 2, { outputPadding: 1 }), col([1, 1, 3, 2, 2, 0])));
    // same, output_padding=1: (n-1)*s + k%2 + 1 = 4; pad_len = k + k%2 - 2 + 1 = 3 -> crop 0.
    it('same with output_padding=1', () =>
      expectClose(call('conv_transpose', [x(), ones3(), 2], { padding: 'same', output_padding: 1 }), col([1, 1, 3, 2])));
    // dilation 2, k = [1, 1], s = 1: kEff = 3, full[i + 2j] += x[i]: [1, 2, 1, 2].
    it('dilation_rate=2', () =>
      expectClose(ops.convTranspose(x(), tensor([1, 1], [2, 1, 1], 'float32'), 1, { dilationRate: 2 }), col([1, 2, 1, 2])));
    // s = 3 > k = 1: valid length (n-1)*s + max(k, s) = 6; x lands at 0 and 3.
    it('a stride larger than the kernel', () =>
      expectClose(ops.convTranspose(x(), tensor([1], [1, 1, 1], 'float32'), 3), col([1, 0, 0, 2, 0, 0])));
    // conv_transpose is the adjoint of conv (valid, length chosen by output_padding): <conv(u), v> = <u, conv_transpose(v)>.
    it('is the adjoint of conv', () => {
      const u = arange([1, 7, 2], 0.5, -1);
      const k = arange([3, 2, 3], 0.25, -1);
      const v = arange([1, 3, 3], 1, -4);
      const forward = ops.conv(u, k, { strides: 2 });
      const backward = ops.convTranspose(v, k, 2, { outputPadding: 0 });
      expect(backward.shape).to.deep.equal([1, 7, 2]);
      const dot = (a: Tensor, b: Tensor) => Array.from(a.dataSync()).reduce((s, av, i) => s + Number(av) * Number(b.dataSync()[i]), 0);
      expect(dot(forward, v)).to.be.closeTo(dot(u, backward), 1e-9);
    });
  });

  // keras/src/ops/nn_test.py test_conv_transpose_1d / _2d (channels_last); expected values from Keras 3.6.0 JAX.
  describe("nn_test.py's correctness cases", () => {
    // Keras 3.6.0 JAX: ops.conv_transpose(np.arange(24.).reshape(2, 4, 3), np.arange(30.).reshape(2, 5, 3), 2, padding=p), the same for "valid" and "same"
    const want1d = [
      [[5, 14, 23, 32, 41], [50, 59, 68, 77, 86], [14, 50, 86, 122, 158], [194, 230, 266, 302, 338], [23, 86, 149, 212, 275], [338, 401, 464, 527, 590], [32, 122, 212, 302, 392], [482, 572, 662, 752, 842]],
      [[41, 158, 275, 392, 509], [626, 743, 860, 977, 1094], [50, 194, 338, 482, 626], [770, 914, 1058, 1202, 1346], [59, 230, 401, 572, 743], [914, 1085, 1256, 1427, 1598], [68, 266, 464, 662, 860], [1058, 1256, 1454, 1652, 1850]],
    ];
    for (const padding of ['valid', 'same']) {
      it(`test_conv_transpose_1d ${padding}`, () => expectClose(ops.convTranspose(arange([2, 4, 3]), arange([2, 5, 3]), 2, { padding }), want1d));
    }
    // Keras 3.6.0 JAX: ops.conv_transpose(np.arange(96.).reshape(2, 4, 4, 3), np.arange(60.).reshape(2, 2, 5, 3), (2, 2), padding="same")
    it('test_conv_transpose_2d strides=(2, 2) same', () =>
      expectSummary(call('conv_transpose', [arange([2, 4, 4, 3]), arange([2, 2, 5, 3]), [2, 2]], { padding: 'same' }), {
        shape: [2, 8, 8, 5],
        sum: 2691680,
        head: [5, 14, 23, 32, 41, 50, 59, 68, 77, 86, 14, 50],
        tail: [12128, 12974, 13820, 14666, 15512, 16358],
      }));
  });

  describe('dilation, output_padding, data_format, 2-D and 3-D (Keras 3.6.0 JAX)', () => {
    // ops.conv_transpose(np.arange(8, dtype="float32").reshape(1, 4, 2), np.arange(12, dtype="float32").reshape(3, 2, 2) - 6, 3, padding="same", output_padding=2, dilation_rate=2)
    it('same, strides 3, output_padding 2, dilation 2', () =>
      expectClose(ops.convTranspose(arange([1, 4, 2]), arange([3, 2, 2], 1, -6), 3, { padding: 'same', outputPadding: 2, dilationRate: 2 }), [
        [[0, 0], [-1, 1], [-27, -17], [3, 5], [-7, 3], [-49, -31], [13, 23], [-13, 5], [-71, -45], [23, 41], [-19, 7], [0, 0]],
      ]));
    // ops.conv_transpose(np.arange(8, dtype="float32").reshape(1, 2, 4), np.arange(12, dtype="float32").reshape(3, 2, 2) - 6, 2, padding="valid", output_padding=3, dilation_rate=3, data_format="channels_first")
    it('valid, channels_first, output_padding 3 (>= strides), dilation 3', () =>
      expectClose(
        ops.convTranspose(arange([1, 2, 4]), arange([3, 2, 2], 1, -6), 2, { padding: 'valid', outputPadding: 3, dilationRate: 3, dataFormat: 'channels_first' }),
        [[
          [-20, 0, -31, -4, -42, -7, -41, -10, 17, -13, 22, 0, 27, 0, 0, 0],
          [-12, 0, -19, 4, -26, 5, -13, 6, 29, 7, 38, 0, 47, 0, 0, 0],
        ]],
      ));
    // A None entry in the output_padding tuple lets Keras infer that dim.
    // ops.conv_transpose(np.arange(12, dtype="float32").reshape(1, 2, 3, 2), np.arange(12, dtype="float32").reshape(2, 3, 1, 2) - 4, (2, 3), padding="same", output_padding=(None, 1))
    it('2-D, output_padding=(None, 1)', () =>
      expectClose(call('conv_transpose', [arange([1, 2, 3, 2]), arange([2, 3, 1, 2], 1, -4), [2, 3]], { padding: 'same', output_padding: [null, 1] }), [
        [[[-3], [-1], [1], [-17], [-7], [3], [-31], [-13]], [[3], [5], [7], [13], [23], [33], [23], [41]], [[-45], [-19], [7], [-59], [-25], [9], [-73], [-31]], [[33], [59], [85], [43], [77], [111], [53], [95]]],
      ]));
    // ops.conv_transpose(np.arange(8, dtype="float32").reshape(1, 2, 2, 2, 1), np.arange(16, dtype="float32").reshape(2, 2, 2, 2, 1), (2, 1, 2), padding="same", dilation_rate=(1, 2, 1))
    it('3-D', () =>
      expectClose(ops.convTranspose(arange([1, 2, 2, 2, 1]), arange([2, 2, 2, 2, 1]), [2, 1, 2], { padding: 'same', dilationRate: [1, 2, 1] }), [
        [
          [[[0, 2], [4, 6], [0, 3], [6, 9]], [[0, 0], [0, 0], [4, 5], [6, 7]]],
          [[[16, 18], [20, 22], [24, 27], [30, 33]], [[0, 0], [0, 0], [12, 13], [14, 15]]],
          [[[0, 6], [12, 18], [0, 7], [14, 21]], [[16, 20], [24, 28], [20, 25], [30, 35]]],
          [[[48, 54], [60, 66], [56, 63], [70, 77]], [[48, 52], [56, 60], [60, 65], [70, 75]]],
        ],
      ]));
    // An empty input: JAX's dilated input has length 0, so the output is L + R - kEff + 2 zeros, not Keras's
    // formula (n-1)*s + max(k, s) = 0. ops.conv_transpose(np.zeros((1, 0, 1), "float32"), np.ones((1, 1, 1), "float32"), 3) -> (1, 2, 1) zeros
    it('an empty input', () => expectClose(ops.convTranspose(tensor([], [1, 0, 1], 'float32'), tensor([1], [1, 1, 1], 'float32'), 3), [[[0], [0]]]));
  });

  describe('dtypes', () => {
    // A bool transposed conv ORs the products. ops.conv_transpose(np.array([[[1], [0], [1]]], bool), np.array([[[1]], [[1]]], bool), 1) -> all True
    it('bool', () =>
      expectClose(ops.convTranspose(tensor([true, false, true], [1, 3, 1]), tensor([true, true], [2, 1, 1]), 1), col([true, true, true, true]), { dtype: 'bool' }));
    // Deviation: lax rejects mixed dtypes; we promote (int32 data from a JS array, float kernel -> float32).
    it('mixed dtypes are promoted (JAX raises)', () =>
      expectClose(ops.convTranspose([[[1], [2]]], tensor([0.5], [1, 1, 1], 'float32'), 1), col([0.5, 1]), { dtype: 'float32' }));
  });

  describe('errors', () => {
    const x = () => arange([2, 5, 4]);
    const k = () => arange([3, 2, 4]);
    it('strides is required', () => {
      expectKerasError(() => ops.call('conv_transpose', [x(), k()]), KerasTypeError, "conv_transpose() missing 1 required positional argument: 'strides'");
      expectKerasError(() => ops.call('conv_transpose', [x(), k(), null]), KerasTypeError, 'Argument `strides` must be an int or a tuple of 1 ints. Received: strides=None');
    });
    // conv_transpose's strides become lax dilations: JAX raises TypeError("All dilations must be positive").
    it('strides <= 0 is a TypeError', () =>
      expectKerasError(() => ops.convTranspose(x(), k(), 0), KerasTypeError, 'Argument `strides` must be positive. Received: strides=0'));
    it('strides of the wrong length', () =>
      expectKerasError(() => ops.convTranspose(x(), k(), [2, 2]), KerasValueError, 'Argument `strides` must be an int or a tuple of 1 ints (one per spatial dimension). Received: strides=(2, 2)'));
    it('kernel.shape[-1] must equal the input channels', () =>
      expectKerasError(
        () => ops.convTranspose(x(), arange([3, 2, 3]), 2),
        KerasValueError,
        'Argument `kernel` of conv_transpose must have shape[-1] (in_channels) equal to the number of input channels (4). Received: kernel.shape=(3, 2, 3)',
      ));
    // JAX accepts a negative output_padding (it crops, or XLA fails); deviation: we require >= 0.
    it('output_padding', () => {
      expectKerasError(() => ops.convTranspose(x(), k(), 2, { outputPadding: -1 }), KerasValueError, 'Argument `output_padding` must be >= 0. Received: output_padding=-1');
      expectKerasError(
        () => ops.convTranspose(x(), k(), 2, { outputPadding: [1, 1] }),
        KerasValueError,
        'Argument `output_padding` must be None, an int or a tuple of 1 ints (one per spatial dimension). Received: output_padding=(1, 1)',
      );
      expectKerasError(() => ops.convTranspose(x(), k(), 2, { outputPadding: 1.5 }), KerasTypeError, 'Argument `output_padding` must be None, an int or a tuple of 1 ints. Received: output_padding=1.5');
    });
    // Keras asserts (AssertionError) on a bad padding and on a kernel of another rank.
    it('padding, kernel rank, dilation, data_format', () => {
      expectKerasError(() => ops.convTranspose(x(), k(), 2, { padding: 'full' }), KerasValueError, "`padding` must be either `'valid'` or `'same'`. Received full.");
      expectKerasError(
        () => ops.convTranspose(x(), arange([3, 3, 2, 4]), 2),
        KerasValueError,
        'Kernel shape must have the same length as input, but received kernel of shape (3, 3, 2, 4) and input of shape (2, 5, 4).',
      );
      expectKerasError(() => ops.convTranspose(x(), k(), 2, { dilationRate: 0 }), KerasTypeError, 'Argument `dilation_rate` must be positive. Received: dilation_rate=0');
      expectKerasError(() => ops.convTranspose(x(), k(), 2, { dataFormat: 'ncw' }), KerasValueError, /Received: data_format=ncw$/);
    });
  });

  describe('outputSpec', () => {
    // keras/src/ops/nn_test.py NNOpsDynamicShapeTest.test_conv_transpose (channels_last).
    it("Keras's dynamic-shape cases", () => {
      const x1 = sym([null, 4, 3]);
      const k1 = sym([2, 5, 3]);
      expect(spec('conv_transpose', [x1, k1, 2]).shape).to.deep.equal([null, 8, 5]);
      expect(spec('conv_transpose', [x1, k1, 2], { padding: 'same' }).shape).to.deep.equal([null, 8, 5]);
      expect(spec('conv_transpose', [x1, k1, 5], { padding: 'valid', output_padding: 4 }).shape).to.deep.equal([null, 21, 5]);
      const x2 = sym([null, 4, 4, 3]);
      const k2 = sym([2, 2, 5, 3]);
      expect(spec('conv_transpose', [x2, k2, 2]).shape).to.deep.equal([null, 8, 8, 5]);
      expect(spec('conv_transpose', [x2, k2, [2, 2]], { padding: 'same' }).shape).to.deep.equal([null, 8, 8, 5]);
      expect(spec('conv_transpose', [x2, k2, [5, 5]], { padding: 'valid', output_padding: 4 }).shape).to.deep.equal([null, 21, 21, 5]);
    });
    // Keras 3.6.0: ops.conv_transpose(KerasTensor((None, 3, None, 4)), KerasTensor((2, 3, 5, 3)), (2, 3), padding="same", output_padding=1, data_format="channels_first", dilation_rate=2).shape == (None, 5, None, 11)
    it('channels_first with null dims, dilation and output_padding', () =>
      expect(
        spec('conv_transpose', [sym([null, 3, null, 4]), sym([2, 3, 5, 3]), [2, 3]], { padding: 'same', output_padding: 1, data_format: 'channels_first', dilation_rate: 2 }),
      ).to.deep.equal({ shape: [null, 5, null, 11], dtype: 'float32' }));
  });
});

describe('conv family: several faults in one call raise the one Keras reports first', () => {
  const ones = (...shape: number[]) => tensor(new Array(shape.reduce((a, b) => a * b, 1)).fill(1), shape, 'float32');
  // Keras 3.6.0 on JAX; where the text is JAX's or XLA's, the class is what is compared.

  it("conv: Keras's channel check, then XLA's padding name, then lax's shape checks", () => {
    expectKerasError(() => ops.call('conv', [ones(1, 5, 5, 2), ones(2, 2, 3, 3)], { padding: 'full' }), KerasValueError,
      "The number of input channels must be evenly divisible by kernel's in_channels. Received input channels 2 and kernel in_channels 3. ");
    // Keras: RuntimeError "Unrecognized padding type: expected 'VALID' or 'SAME', got full."
    expectKerasError(() => ops.call('conv', [ones(1, 5, 5, 2), ones(2, 2, 2, 3)], { strides: [1, 1, 1], padding: 'full' }), KerasRuntimeError, /padding/);
    // Keras: TypeError "All dilations must be positive, got (0, 0)."
    expectKerasError(() => ops.call('conv', [ones(1, 5, 5, 2), ones(2, 2, 2, 3)], { strides: 0, dilation_rate: 0 }), KerasTypeError, /dilation_rate/);
    // Keras: ValueError "conv_general_dilated rhs output feature dimension size must be a multiple of feature_group_count, ..."
    expectKerasError(() => ops.call('conv', [ones(1, 5, 2), ones(2, 1, 3)], { dilation_rate: -2 }), KerasValueError, /groups/);
  });

  it("depthwise_conv: the kernel's reshape before the padding name", () => {
    // Keras: ValueError "cannot reshape array of size 12 into shape (2,2,1,2)"
    expectKerasError(() => ops.call('depthwise_conv', [ones(1, 5, 5, 2), ones(2, 2, 3, 1)], { padding: 'causal' }), KerasValueError, /shape\[-2\]/);
  });

  it('conv_transpose: dilation None, then channels, then dilations > 0, then lengths', () => {
    // Keras: TypeError "'NoneType' object is not subscriptable"
    expectKerasError(() => ops.call('conv_transpose', [ones(1, 5, 5, 3), ones(2, 2, 3), 1], { dilation_rate: null }), KerasTypeError, /dilation_rate=None/);
    // Keras 3.6.0 reads strides[0] and dilation_rate[0] before strides[1]: TypeError "'NoneType' object is
    // not subscriptable", not the IndexError of the short strides (found by fuzz, seed 2).
    expectKerasError(() => ops.call('conv_transpose', [ones(1, 1, 1, 1), ones(1, 1, 1, 1), [1]], { dilation_rate: null }), KerasTypeError, /dilation_rate=None/);
    expectKerasError(() => ops.call('conv_transpose', [ones(1, 1, 1, 1), ones(1, 1, 1, 1), []], { dilation_rate: null }), KerasIndexError, /tuple index out of range/);
    // Keras: ValueError "conv_general_dilated lhs feature dimension size divided by feature_group_count must equal ..."
    expectKerasError(() => ops.call('conv_transpose', [ones(1, 5, 2), ones(2, 1, 3), -1], {}), KerasValueError, /in_channels/);
    // Keras: TypeError "All dilations must be positive, got (-2,)."
    expectKerasError(() => ops.call('conv_transpose', [ones(1, 5, 1), ones(2, 1, 1), [1, 1]], { dilation_rate: -2 }), KerasTypeError, /dilation_rate/);
  });
});
