/**
 * unfold (Keras 3.12), fold, depth_to_space and space_to_depth (3.14): values derived by hand from the
 * JAX backend's formulas (keras/src/backend/jax/nn.py), each checked against Keras 3.15.1 on JAX, and
 * every error with the class (and, where Keras's own check raises, the words) eager Keras-JAX gives.
 */
import { expect } from 'chai';
import {
  KerasIndexError,
  KerasTypeError,
  KerasValueError,
  KerasZeroDivisionError,
  tensor,
  type NestedArray,
  type Tensor,
} from '../../src/index.js';
import { opsFor } from '../../src/ops/api.js';
import { expectClose, expectKerasError } from '../helpers.js';

const ops = opsFor('3.15.1');
const call = (op: string, args: unknown[], kwargs: Record<string, unknown> = {}) => ops.call(op, args, kwargs) as Tensor;
const spec = (op: string, args: unknown[], kwargs: Record<string, unknown> = {}) => ops.outputSpec(op, args, kwargs);
const OPS = { unfold: '3.12', fold: '3.14', depth_to_space: '3.14', space_to_depth: '3.14' };

/** np.arange(size).reshape(shape) in `dtype`. */
function arange(shape: number[], dtype = 'float32'): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tensor(Array.from({ length: size }, (_, i) => i), shape, dtype);
}

/** A nested array of `shape` whose element at index `idx` is f(idx). */
function build(shape: number[], f: (idx: number[]) => number, prefix: number[] = []): NestedArray {
  if (prefix.length === shape.length) return f(prefix);
  return Array.from({ length: shape[prefix.length] }, (_, i) => build(shape, f, [...prefix, i]));
}

const flat = (t: Tensor) => Array.from(t.dataSync() as ArrayLike<number>);

describe('patches (Keras 3.12 and 3.14)', () => {
  describe('versions', () => {
    it('Keras 3.15.1 has unfold, fold, depth_to_space and space_to_depth; Keras 3.6.0 has none of them', () => {
      const old = opsFor('3.6.0') as unknown as Record<string, unknown>;
      for (const [name, since] of Object.entries(OPS)) {
        const camel = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
        expect((ops as unknown as Record<string, unknown>)[camel], camel).to.be.a('function');
        expect(old[camel], camel).to.equal(undefined);
        expectKerasError(() => opsFor('3.6.0').call(name, [arange([1, 4, 2, 2]), 2]), KerasTypeError, new RegExp(`^Unknown op: ${name} \\(${name} came in Keras ${since}\\)`));
      }
    });
  });

  describe('unfold: (N, C, H, W) to (N, C*kH*kW, L), rows channel-major then window row, column', () => {
    // x[0, c, h, w] = 12c + 4h + w; row c*4 + i*2 + j, column a*3 + b holds x[c, a + i, b + j].
    it('a 2x2 window at stride 1', () =>
      expectClose(
        ops.unfold(arange([1, 2, 3, 4]), 2),
        build([1, 8, 6], ([, r, l]) => 12 * Math.floor(r / 4) + 4 * (Math.floor(l / 3) + (Math.floor(r / 2) % 2)) + (l % 3) + (r % 2)),
      ));
    // Padded to 5x6 with zeros; windows (2, 3) every (2, 3) cells, dilated by (1, 2): 2 x 2 blocks.
    it('tuple window, dilation, padding and stride, zeros from the padding', () => {
      const [kH, kW, dH, dW, sH, sW, p] = [2, 2, 1, 2, 2, 3, 1];
      const value = (c: number, y: number, x: number) => (y < 0 || y >= 3 || x < 0 || x >= 4 ? 0 : 12 * c + 4 * y + x);
      expectClose(
        ops.unfold(arange([1, 2, 3, 4]), [kH, kW], { dilation: [dH, dW], padding: p, stride: [sH, sW] }),
        build([1, 8, 4], ([, r, l]) => {
          const [c, i, j, a, b] = [Math.floor(r / 4), Math.floor(r / 2) % 2, r % 2, Math.floor(l / 2), l % 2];
          return value(c, a * sH + i * dH - p, b * sW + j * dW - p);
        }),
      );
    });
    it('a padding with no entry above 0 is not applied (`any(_ > 0 for _ in p)`)', () => {
      expectClose(ops.unfold(arange([1, 1, 3, 3]), 2, { padding: -1 }), ops.unfold(arange([1, 1, 3, 3]), 2).arraySync() as NestedArray);
      expect(ops.unfold(arange([1, 1, 3, 3]), 2, { padding: [0, -3, -1] }).shape).to.deep.equal([1, 4, 4]);
    });
    it('a window wider than the input gives no blocks', () => expect(ops.unfold(arange([1, 2, 3, 4]), 5).shape).to.deep.equal([1, 50, 0]));
    it('keeps int32 and bool', () => {
      expect(ops.unfold(arange([1, 1, 2, 2], 'int32'), 1).dtype).to.equal('int32');
      expect(ops.unfold(tensor([true, false, false, true], [1, 1, 2, 2]), 2).arraySync()).to.deep.equal([[[true], [false], [false], [true]]]);
    });
    // Keras 3.15.1 JAX: an identity-kernel conv; inf * 0 is NaN for the window's other taps.
    it('an infinity makes the rest of its window NaN, and -0 comes out +0', () => {
      const x = tensor([Infinity, 1, 1, -0, 1, 1, 1, 1, 1], [1, 1, 3, 3], 'float32');
      const out = ops.unfold(x, 2);
      expectClose(out, [[[Infinity, 1, 0, 1], [NaN, 1, 1, 1], [NaN, 1, 1, 1], [NaN, 1, 1, 1]]]);
      expect(Object.is(flat(out)[2], 0), 'the -0 of window 2').to.equal(true);
    });
    it('a 1x1 window at unit stride copies: -0 stays -0; with a stride it is added from +0', () => {
      expect(Object.is(flat(ops.unfold(tensor([-0, 1, 2, 3], [1, 1, 2, 2], 'float32'), 1))[0], -0)).to.equal(true);
      expect(Object.is(flat(ops.unfold(tensor([-0, 1, 2, 3], [1, 1, 2, 2], 'float32'), 1, { stride: 2 }))[0], 0)).to.equal(true);
    });
  });

  describe('fold: (N, C*kH*kW, L) to (N, C, H, W), overlapping windows added', () => {
    it('undoes unfold where the windows tile the image', () => {
      const x = arange([2, 3, 4, 6]);
      expectClose(ops.fold(ops.unfold(x, [2, 3], { stride: [2, 3] }), [4, 6], [2, 3], { stride: [2, 3] }), x.arraySync() as NestedArray);
    });
    it('adds overlapping windows: ones give each pixel its window count', () =>
      expectClose(ops.fold(tensor(Array(16).fill(1), [1, 4, 4], 'float32'), 3, 2), [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]]));
    it('crops the padding', () => expectClose(ops.fold(tensor(Array(64).fill(1), [1, 4, 16], 'float32'), 3, 2, { padding: 1 }), [[Array(3).fill([4, 4, 4])]]));
    // conv_transpose 'VALID' fills nH*sH + max(kEff - sH, 0) rows: 2*3 + 0 = 6 for output_size 5 and 7.
    it('returns what conv_transpose fills where the windows do not tile output_size', () => {
      expect(ops.fold(arange([1, 4, 4]), 5, 2, { stride: 3 }).shape).to.deep.equal([1, 1, 6, 6]);
      expect(ops.fold(arange([1, 4, 4]), 7, 2, { stride: 3 }).shape).to.deep.equal([1, 1, 6, 6]);
      expect(spec('fold', [{ shape: [null, 4, 4], dtype: 'float32' }, 7, 2], { stride: 3 })).to.deep.equal({ shape: [null, 1, 6, 6], dtype: 'float32' });
    });
    it('infers a negative block count from L, as jnp.reshape does', () =>
      expect(ops.fold(arange([1, 9, 2]), [1, 4], 3).shape).to.deep.equal([1, 1, 3, 4]));
    // Keras 3.15.1 JAX: the identity kernel meets all C*kH*kW values of a block at every pixel it reaches.
    it('an infinity makes every other value of its block NaN, in every channel', () => {
      const x = tensor([Infinity, 1, 1, 1, 1, 1, 1, 1], [1, 8, 1], 'float32');
      expectClose(ops.fold(x, 2, 2), [[[[Infinity, NaN], [NaN, NaN]], [[NaN, NaN], [NaN, NaN]]]]);
    });
    it('int32 sums wrap, bool ones are an or', () => {
      expect(flat(ops.fold(tensor(Array(16).fill(2 ** 30), [1, 4, 4], 'int32'), 3, 2))).to.deep.equal([2 ** 30, -(2 ** 31), 2 ** 30, -(2 ** 31), 0, -(2 ** 31), 2 ** 30, -(2 ** 31), 2 ** 30]);
      const bools = tensor([true, false, false, false, false, false, false, false, false, false, false, false, false, false, false, true], [1, 4, 4]);
      expect(ops.fold(bools, 3, 2).arraySync()).to.deep.equal([[[[true, false, false], [false, false, false], [false, false, true]]]]);
    });
  });

  describe('depth_to_space and space_to_depth', () => {
    // channels_last reads channels as (bH, bW, C); channels_first as (C, bH, bW), PyTorch's pixel shuffle.
    it('depth_to_space channels_last: out[n, h*b+i, w*b+j, c] = x[n, h, w, (i*b+j)*C + c]', () =>
      expectClose(ops.depthToSpace(arange([1, 2, 3, 12]), 2), build([1, 4, 6, 3], ([, y, x, c]) => 36 * Math.floor(y / 2) + 12 * Math.floor(x / 2) + ((y % 2) * 2 + (x % 2)) * 3 + c)));
    it('depth_to_space channels_first: out[n, c, h*b+i, w*b+j] = x[n, c*b*b + i*b + j, h, w]', () =>
      expectClose(
        ops.depthToSpace(arange([1, 12, 2, 3]), 2, { dataFormat: 'channels_first' }),
        build([1, 3, 4, 6], ([, c, y, x]) => 6 * (c * 4 + (y % 2) * 2 + (x % 2)) + 3 * Math.floor(y / 2) + Math.floor(x / 2)),
      ));
    it('space_to_depth channels_last: out[n, h, w, (i*b+j)*C + c] = x[n, h*b+i, w*b+j, c]', () =>
      expectClose(ops.spaceToDepth(arange([1, 4, 6, 2]), 2), build([1, 2, 3, 8], ([, h, w, d]) => 12 * (2 * h + Math.floor(d / 4)) + 2 * (2 * w + (Math.floor(d / 2) % 2)) + (d % 2))));
    it('space_to_depth channels_first: out[n, c*b*b + i*b + j, h, w] = x[n, c, h*b+i, w*b+j]', () =>
      expectClose(
        ops.spaceToDepth(arange([1, 2, 4, 6]), 2, { dataFormat: 'channels_first' }),
        build([1, 8, 2, 3], ([, d, h, w]) => 24 * Math.floor(d / 4) + 6 * (2 * h + (Math.floor(d / 2) % 2)) + 2 * w + (d % 2)),
      ));
    for (const dataFormat of ['channels_last', 'channels_first']) {
      it(`each undoes the other (${dataFormat}), int32 kept`, () => {
        const x = arange([2, 6, 6, 9], 'int32');
        const there = ops.spaceToDepth(x, 3, { dataFormat });
        expect(there.dtype).to.equal('int32');
        expect(ops.depthToSpace(there, 3, { dataFormat }).arraySync()).to.deep.equal(x.arraySync());
      });
    }
    it('data_format None is channels_last, and any letter case is taken', () => {
      expect(call('depth_to_space', [arange([1, 1, 1, 8]), 2], { data_format: null }).shape).to.deep.equal([1, 2, 2, 2]);
      expect(call('space_to_depth', [arange([1, 1, 2, 2]), 2], { data_format: 'CHANNELS_FIRST' }).shape).to.deep.equal([1, 4, 1, 1]);
    });
    it('an empty batch is empty, whatever its channels (jnp.reshape of size 0)', () =>
      expect(ops.depthToSpace(tensor([], [0, 2, 2, 5], 'float32'), 2).shape).to.deep.equal([0, 4, 4, 1]));
  });

  describe('ops.outputSpec: unknown dims pass through', () => {
    const f32 = (shape: (number | null)[]) => ({ shape, dtype: 'float32' });
    it('unfold', () => {
      expect(spec('unfold', [{ shape: [null, 3, null, 5], dtype: 'int32' }, 2])).to.deep.equal({ shape: [null, 12, null], dtype: 'int32' });
      expect(spec('unfold', [f32([2, null, 4, 4]), 2], { stride: 2 })).to.deep.equal(f32([2, null, 4]));
    });
    it('fold', () => expect(spec('fold', [f32([null, 8, null]), [5, 4], 2], { padding: 1 })).to.deep.equal(f32([null, 2, 5, 4])));
    it('depth_to_space and space_to_depth', () => {
      expect(spec('depth_to_space', [f32([null, 2, null, 12]), 2])).to.deep.equal(f32([null, 4, null, 3]));
      expect(spec('space_to_depth', [f32([1, null, 4, null]), 2], { data_format: 'channels_first' })).to.deep.equal(f32([1, null, 2, null]));
    });
    it("Keras's symbolic checks, with its words", () => {
      expectKerasError(() => spec('fold', [f32([1, 5, 4]), 3, 2]), KerasValueError, 'The second dimension of the input (5) must be divisible by kernel_size product (4).');
      expectKerasError(() => spec('depth_to_space', [f32([1, 2, 2, 6]), 2]), KerasValueError, 'The number of channels (6) must be divisible by block_size**2 (4).');
      expectKerasError(() => spec('space_to_depth', [f32([1, 3, 4, 2]), 2]), KerasValueError, 'Height (3) must be divisible by block_size (2).');
      expectKerasError(() => spec('space_to_depth', [f32([1, 4, 3, 2]), 2]), KerasValueError, 'Width (3) must be divisible by block_size (2).');
      expectKerasError(() => spec('depth_to_space', [f32([null, 2, 8]), 2]), KerasValueError, '`depth_to_space` requires a 4D input tensor. Received: x.shape=(None, 2, 8)');
      expectKerasError(() => spec('unfold', [f32([null, 2, 8]), 2]), KerasValueError, 'Input must be a 4D tensor. Received: input.shape=(None, 2, 8)');
    });
  });

  describe('errors, as eager Keras-JAX raises them', () => {
    const x4 = () => arange([1, 2, 4, 4]);
    const x3 = () => arange([1, 4, 4]);
    it("unfold's rank: Keras's check", () =>
      expectKerasError(() => ops.unfold(x3(), 2), KerasValueError, 'Input must be a 4D tensor. Received: input.shape=(1, 4, 4)'));
    it("unfold's padding: Python and jnp.pad", () => {
      expectKerasError(() => ops.unfold(x4(), 2, { padding: 1.5 }), KerasTypeError, "'float' object is not iterable");
      expectKerasError(() => ops.unfold(x4(), 2, { padding: [1] }), KerasIndexError, 'tuple index out of range');
      expectKerasError(() => ops.unfold(x4(), 2, { padding: [-1, 1] }), KerasValueError, "index can't contain negative values");
      expectKerasError(() => ops.unfold(x4(), 2, { padding: [0.5, 0] }), KerasTypeError, '`pad_width` must be of integral type.');
    });
    it("unfold's window: lax, in its order (padding, kernel, channels, strides, dilation, then the verifier)", () => {
      expectKerasError(() => ops.unfold(x4(), [2, 2, 2]), KerasTypeError, /^convolution requires lhs and rhs ndim to be equal/);
      expectKerasError(() => ops.unfold(x4(), -1, { padding: [1] }), KerasIndexError, 'tuple index out of range');
      expectKerasError(() => ops.unfold(x4(), -1), KerasTypeError, /^reshape new_sizes must all be positive/);
      expectKerasError(() => ops.unfold(tensor([], [1, 0, 4, 4], 'float32'), 0, { stride: 0 }), KerasValueError, /feature_group_count must be a positive integer, got 0/);
      expectKerasError(() => ops.unfold(x4(), 2, { stride: [1, 1, 1], dilation: 0 }), KerasValueError, /window and window_strides must have the same number/);
      expectKerasError(() => ops.unfold(x4(), 0, { dilation: 0 }), KerasTypeError, 'All dilations must be positive, got (0, 0).');
      expectKerasError(() => ops.unfold(x4(), 0, { stride: 0 }), KerasValueError, /positive value for 0-th window dimension/);
      expectKerasError(() => ops.unfold(x4(), 2, { stride: [1, -1] }), KerasValueError, /positive stride for 1-th window dimension, but got -1/);
    });
    it("fold's arguments: Python unpacking and arithmetic", () => {
      expectKerasError(() => ops.fold(arange([1, 4, 4, 1]), 3, 2), KerasValueError, 'Input must be a 3D tensor. Received: input.shape=(1, 4, 4, 1)');
      expectKerasError(() => ops.fold(x3(), [3, 3, 3], 2), KerasValueError, 'too many values to unpack (expected 2)');
      expectKerasError(() => ops.fold(x3(), 3, 2, { padding: [1] }), KerasValueError, 'not enough values to unpack (expected 2, got 1)');
      expectKerasError(() => ops.fold(x3(), null, 2), KerasTypeError, 'cannot unpack non-iterable NoneType object');
      expectKerasError(() => ops.fold(x3(), 3, 0), KerasZeroDivisionError, 'integer division or modulo by zero');
      expectKerasError(() => ops.fold(x3(), 3, 2, { stride: [1, 0] }), KerasZeroDivisionError, 'integer division or modulo by zero');
    });
    it("fold's reshapes and conv_transpose", () => {
      expectKerasError(() => ops.fold(arange([1, 4, 5]), 3, 2), KerasValueError, 'cannot reshape array of size 20 into shape (1,4,2,2)');
      expectKerasError(() => ops.fold(arange([1, 9, 1]), 1, 3), KerasValueError, 'can only specify one unknown dimension');
      expectKerasError(() => ops.fold(arange([0, 9, 4]), [1, 4], 3), KerasValueError, 'cannot reshape array of size 0 into shape (0,9,newaxis,2)');
      expectKerasError(() => ops.fold(arange([1, 5, 4]), 3, 2), KerasTypeError, 'cannot reshape array of shape (5, 5) (size 25) into shape (5, 1, 2, 2) (size 20)');
      expectKerasError(() => ops.fold(arange([1, 4, 9]), 3, 2, { dilation: 0 }), KerasTypeError, 'All dilations must be positive, got (0, 0).');
      expectKerasError(() => ops.fold(tensor([], [1, 4, 0], 'float32'), 3, 2, { stride: -1 }), KerasTypeError, 'All dilations must be positive, got (-1, -1).');
    });
    for (const op of ['depth_to_space', 'space_to_depth']) {
      it(`${op}: Keras's data_format and block_size checks, then Python's and jnp.reshape's`, () => {
        const x = () => arange([1, 4, 4, 8]);
        expectKerasError(() => call(op, [x(), 1], { data_format: 'channels_middle' }), KerasValueError, /^The `data_format` argument must be one of/);
        expectKerasError(() => call(op, [x(), 1]), KerasValueError, '`block_size` must be at least 2. Received: block_size=1');
        expectKerasError(() => call(op, [x(), true]), KerasValueError, '`block_size` must be at least 2. Received: block_size=True');
        expectKerasError(() => call(op, [x(), null]), KerasTypeError, "'<' not supported between instances of 'NoneType' and 'int'");
        expectKerasError(() => call(op, [arange([4, 4, 8]), 2.5]), KerasValueError, 'not enough values to unpack (expected 4, got 3)');
        expectKerasError(() => call(op, [x(), 2.5]), KerasTypeError, "'float' object cannot be interpreted as an integer");
        expectKerasError(() => call(op, [arange([1, 1, 4, 4, 8]), 2]), KerasValueError, 'too many values to unpack (expected 4)');
      });
    }
    it('depth_to_space: channels not divisible by block_size**2', () =>
      expectKerasError(() => ops.depthToSpace(arange([1, 4, 4, 8]), 3), KerasValueError, 'cannot reshape array of size 128 into shape (1,4,4,3,3,0)'));
    it('space_to_depth: a height or width not divisible by block_size', () => {
      expectKerasError(() => ops.spaceToDepth(arange([1, 4, 6, 2]), 3), KerasValueError, 'cannot reshape array of size 48 into shape (1,1,3,2,3,2)');
      expectKerasError(() => ops.spaceToDepth(arange([1, 2, 5, 4]), 2, { dataFormat: 'channels_first' }), KerasValueError, 'cannot reshape array of size 40 into shape (1,2,2,2,2,2)');
    });
  });
});
